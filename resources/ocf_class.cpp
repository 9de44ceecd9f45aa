#include "resources/ocf_class.h"

namespace hacluster::resources {

namespace {

bool path_word(std::string_view s) {
    if (s.empty() || s == "." || s == "..") return false;
    for (const char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '.' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string ms_text(std::chrono::nanoseconds d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

}  // namespace

bool is_ocf_agent(std::string_view agent) { return agent.starts_with("ocf:"); }

std::variant<OcfAgent, std::string> parse_ocf_agent(std::string_view agent) {
    const std::string usage = "expected ocf:PROVIDER:TYPE, e.g. ocf:heartbeat:IPaddr2";
    if (!is_ocf_agent(agent)) return "\"" + std::string(agent) + "\" is not an OCF agent: " + usage;
    std::string_view rest = agent.substr(4);
    const std::size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return "\"" + std::string(agent) + "\" has no type: " + usage;
    OcfAgent out{std::string(rest.substr(0, colon)), std::string(rest.substr(colon + 1))};
    if (!path_word(out.provider)) {
        return "\"" + std::string(agent) + "\": the provider must be letters, digits, '_', '.' or '-' (" + usage + ")";
    }
    if (!path_word(out.type)) {
        return "\"" + std::string(agent) + "\": the type must be letters, digits, '_', '.' or '-' (" + usage + ")";
    }
    return out;
}

std::variant<LsbAgent, std::string> parse_lsb_agent(std::string_view agent) {
    const std::string_view name = agent.starts_with("lsb:") ? agent.substr(4) : std::string_view();
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos) {
        return "\"" + std::string(agent) + "\" is not lsb:NAME with NAME a script in /etc/init.d";
    }
    return LsbAgent{std::string(name)};
}

std::optional<std::string> check_ocf_param(std::string_view name) {
    const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (name.empty() || !letter(name.front())) {
        return "param \"" + std::string(name) + "\" is not a valid OCF parameter name (a letter or '_' first)";
    }
    for (const char c : name) {
        if (!letter(c) && !digit(c)) {
            return "param \"" + std::string(name) +
                   "\" is not a valid OCF parameter name (letters, digits and '_' only: it becomes OCF_RESKEY_" +
                   std::string(name) + ")";
        }
    }
    return std::nullopt;
}

std::filesystem::path ocf_agent_path(const std::filesystem::path& root, const OcfAgent& agent) {
    return root / "resource.d" / agent.provider / agent.type;
}

std::variant<std::vector<std::string>, std::string> ocf_environment(const ResourceConfig& resource,
                                                                     const OcfAgent& agent,
                                                                     const std::filesystem::path& root,
                                                                     std::chrono::nanoseconds timeout,
                                                                     std::chrono::nanoseconds interval) {
    std::vector<std::string> env = {
        "OCF_ROOT=" + root.string(),
        "OCF_RA_VERSION_MAJOR=1",
        "OCF_RA_VERSION_MINOR=1",
        "OCF_RESOURCE_INSTANCE=" + resource.name,
        "OCF_RESOURCE_TYPE=" + agent.type,
        "OCF_RESOURCE_PROVIDER=" + agent.provider,
        "OCF_RESKEY_CRM_meta_timeout=" + ms_text(timeout),
        "OCF_RESKEY_CRM_meta_interval=" + ms_text(interval),
    };
    for (const auto& [name, value] : resource.params) {
        if (auto problem = check_ocf_param(name)) return *problem;
        env.push_back("OCF_RESKEY_" + name + "=" + value);
    }
    return env;
}

}  // namespace hacluster::resources
