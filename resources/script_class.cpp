#include "resources/script_class.h"

#include "resources/ocf_class.h"
#include "resources/systemd_class.h"

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <system_error>

namespace hacluster::resources {

const char* to_string(ResourceAction action) {
    switch (action) {
        case ResourceAction::start: return "start";
        case ResourceAction::stop: return "stop";
        case ResourceAction::monitor: return "monitor";
        case ResourceAction::validate: return "validate-all";
        case ResourceAction::promote: return "promote";
        case ResourceAction::demote: return "demote";
    }
    return "unknown";
}

ResourceAction to_resource_action(agent::ScriptAction action) {
    return action == agent::ScriptAction::start ? ResourceAction::start : ResourceAction::stop;
}

const char* to_string(Role role) { return role == Role::primary ? "primary" : "standby"; }

const char* to_string(ResourceState state) {
    switch (state) {
        case ResourceState::running: return "running";
        case ResourceState::promoted: return "promoted";
        case ResourceState::stopped: return "stopped";
        case ResourceState::failed: return "failed";
    }
    return "unknown";
}

bool succeeded(const agent::ExecStatus status, int exit_code) {
    return status == agent::ExecStatus::done && exit_code == ocf_success;
}

ResourceState monitor_state(const ProcessResult& result) {
    if (result.status != agent::ExecStatus::done) return ResourceState::failed;
    switch (result.exit_code) {
        case ocf_success:
        case ocf_degraded:  // running, but degraded: still serving
            return ResourceState::running;
        case ocf_running_promoted:
        case ocf_degraded_promoted:
            return ResourceState::promoted;
        case ocf_not_running: return ResourceState::stopped;
        default: return ResourceState::failed;
    }
}

ResourceState monitor_state(const ProcessResult& result, std::string_view agent) {
    if (agent.starts_with("lsb:") && result.status == agent::ExecStatus::done) {
        if (result.exit_code == 0) return ResourceState::running;
        if (result.exit_code == 3) return ResourceState::stopped;
        return ResourceState::failed;
    }
    if (is_systemd_agent(agent)) {
        switch (systemd_state(result)) {
            case SystemdState::running: return ResourceState::running;
            case SystemdState::stopped: return ResourceState::stopped;
            case SystemdState::failed: return ResourceState::failed;
        }
    }
    return monitor_state(result);
}

const char* installed_scripts_dir() { return HACLUSTER_INSTALLED_SCRIPTS_DIR; }

ScriptDirs ScriptDirs::standard() {
    ScriptDirs result;
    if (const char* dir = std::getenv("HACLUSTER_SCRIPTS_DIR"); dir != nullptr && *dir != '\0') {
        result.dirs.push_back({dir, "$HACLUSTER_SCRIPTS_DIR"});
    }
    result.dirs.push_back({installed_scripts_dir(), "installed"});
    if (const char* root = std::getenv("OCF_ROOT"); root != nullptr && *root != '\0') {
        result.ocf_root = root;
    } else {
        result.ocf_root = default_ocf_root;
    }
    if (const char* path = std::getenv("PATH"); path != nullptr && *path != '\0') result.search_path = path;
    return result;
}

namespace {

bool is_executable_file(const std::filesystem::path& file) {
    std::error_code ec;
    return std::filesystem::is_regular_file(file, ec) && ::access(file.c_str(), X_OK) == 0;
}

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

std::variant<std::filesystem::path, std::string> find_agent(const std::string& agent,
                                                            const ScriptDirs& dirs) {
    if (agent.starts_with('/')) return std::filesystem::path(agent);
    bool bundled = false;
    for (std::string_view name : bundled_agents) bundled = bundled || name == agent;
    if (!bundled) {
        std::string known;
        for (std::string_view name : bundled_agents) known += (known.empty() ? "" : ", ") + in_quotes(name);
        return "unknown agent " + in_quotes(agent) + ": expected " + known +
               " or an absolute path to an executable";
    }
    std::string looked;
    for (const ScriptDir& dir : dirs.dirs) {
        const std::filesystem::path file = dir.path / agent;
        if (is_executable_file(file)) return file;
        looked += (looked.empty() ? "" : ", ") + file.string() + " (" + dir.origin + ")";
    }
    if (looked.empty()) looked = "nowhere (no script directories)";
    return "agent " + in_quotes(agent) + " not found as an executable file; looked at " + looked;
}

std::string param_variable(std::string_view param_name) {
    std::string name = "HACLUSTER_PARAM_";
    for (const char c : param_name) {
        if (c >= 'a' && c <= 'z') {
            name.push_back(static_cast<char>(c - 'a' + 'A'));
        } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            name.push_back(c);
        } else {
            name.push_back('_');
        }
    }
    return name;
}

std::variant<ProcessSpec, std::string> script_spec(const ResourceConfig& resource, ResourceAction action,
                                                   const ScriptContext& context, const ScriptDirs& dirs) {
    std::optional<OcfAgent> ocf;
    std::filesystem::path program;
    std::vector<std::string> argv_tail;  // after the verb
    const char* verb = to_string(action);
    if (action == ResourceAction::validate && !is_ocf_agent(resource.agent)) {
        return "resource " + in_quotes(resource.name) + ": validate-all is an OCF action, and " +
               in_quotes(resource.agent) + " is not an OCF agent";
    }
    if (is_systemd_agent(resource.agent)) {
        auto parsed = parse_systemd_agent(resource.agent);
        if (auto* error = std::get_if<std::string>(&parsed)) return "resource " + in_quotes(resource.name) + ": " + *error;
        auto systemctl = find_systemctl(dirs.search_path);
        if (!systemctl) {
            return "resource " + in_quotes(resource.name) + ": no executable systemctl in PATH (" + dirs.search_path +
                   ")";
        }
        program = *systemctl;
        if (action == ResourceAction::monitor) verb = "is-active";
        argv_tail.push_back(std::get<SystemdAgent>(parsed).unit);
    } else if (resource.agent.starts_with("lsb:")) {
        auto parsed = parse_lsb_agent(resource.agent);
        if (auto* error = std::get_if<std::string>(&parsed)) return "resource " + in_quotes(resource.name) + ": " + *error;
        program = dirs.lsb_dir / std::get<LsbAgent>(parsed).name;
        if (action == ResourceAction::monitor) verb = "status";
    } else if (is_ocf_agent(resource.agent)) {
        auto parsed = parse_ocf_agent(resource.agent);
        if (auto* error = std::get_if<std::string>(&parsed)) return "resource " + in_quotes(resource.name) + ": " + *error;
        ocf = std::get<OcfAgent>(parsed);
        program = ocf_agent_path(dirs.ocf_root, *ocf);
    } else {
        auto found = find_agent(resource.agent, dirs);
        if (auto* error = std::get_if<std::string>(&found)) return "resource " + in_quotes(resource.name) + ": " + *error;
        program = std::get<std::filesystem::path>(found);
    }

    ProcessSpec spec;
    spec.argv = {program.string(), verb};
    for (std::string& arg : argv_tail) spec.argv.push_back(std::move(arg));
    spec.cwd = "/";
    Role role = context.role;
    if (action == ResourceAction::start) role = resource.promotable ? Role::standby : Role::primary;
    if (action == ResourceAction::validate || action == ResourceAction::promote) role = Role::primary;
    if (action == ResourceAction::stop || action == ResourceAction::demote) role = Role::standby;
    spec.env = {
        "HACLUSTER_GROUP=" + context.group,
        "HACLUSTER_RESOURCE=" + resource.name,
        "HACLUSTER_NODE=" + context.node,
        "HACLUSTER_TERM=" + std::to_string(context.term),
        "HACLUSTER_ROLE=" + std::string(to_string(role)),
        "HACLUSTER_REASON=" + context.reason,
        std::string("PATH=") + script_path,
    };
    std::map<std::string, std::string> seen;  // variable -> param name
    for (const auto& [name, value] : resource.params) {
        if (name.empty()) return "resource " + in_quotes(resource.name) + ": a param has an empty name";
        if (value.find('\0') != std::string::npos) {
            return "resource " + in_quotes(resource.name) + ": param " + in_quotes(name) + " contains a NUL byte";
        }
        std::string variable = param_variable(name);
        if (const auto [it, fresh] = seen.emplace(variable, name); !fresh) {
            return "resource " + in_quotes(resource.name) + ": params " + in_quotes(it->second) + " and " + in_quotes(name) +
                   " both become " + variable;
        }
        spec.env.push_back(variable + "=" + value);
    }
    switch (action) {
        // A promotion is the promotable resource's share of the group start, a
        // demotion its share of the stop: they take the same timeouts.
        case ResourceAction::start:
        case ResourceAction::validate:  // part of the first start
        case ResourceAction::promote: spec.timeout = start_timeout(resource); break;
        case ResourceAction::stop:
        case ResourceAction::demote: spec.timeout = stop_timeout(resource); break;
        case ResourceAction::monitor: spec.timeout = monitor_timeout(resource); break;
    }
    if (ocf) {
        const auto interval =
            action == ResourceAction::monitor ? monitor_interval(resource) : std::chrono::nanoseconds(0);
        auto vars = ocf_environment(resource, *ocf, dirs.ocf_root, spec.timeout, interval);
        if (auto* error = std::get_if<std::string>(&vars)) return "resource " + in_quotes(resource.name) + ": " + *error;
        for (std::string& v : std::get<std::vector<std::string>>(vars)) spec.env.push_back(std::move(v));
    }
    return spec;
}

}  // namespace hacluster::resources
