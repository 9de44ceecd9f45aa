#include "ctl/agent_info.h"

#include <unistd.h>

#include <chrono>
#include <optional>
#include <system_error>
#include <variant>
#include <vector>

#include "ctl/control_client.h"
#include "ctl/text_table.h"
#include "resources/ocf_class.h"
#include "resources/ocf_metadata.h"
#include "resources/systemd_class.h"

namespace hacluster::ctl {

namespace {

constexpr std::string_view prefix = "haclusterctl: ";

struct Command {
    std::string action;   // start, stop, monitor
    std::string command;  // what runs
};

// What a non-OCF agent is: its class, what it runs, and a sentence about it.
struct ClassInfo {
    std::string agent;
    std::string agent_class;
    std::string path;
    std::string description;
    std::vector<Command> commands;
};

std::string seconds_text(const std::optional<std::chrono::nanoseconds>& d) {
    if (!d) return "";
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*d).count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

Json optional_ms(const std::optional<std::chrono::nanoseconds>& d) {
    if (!d) return nullptr;
    return std::chrono::duration_cast<std::chrono::milliseconds>(*d).count();
}

bool executable(const std::filesystem::path& file) {
    std::error_code ec;
    return std::filesystem::is_regular_file(file, ec) && ::access(file.c_str(), X_OK) == 0;
}

void print_json(const Json& j, std::ostream& out) {
    out << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

ExitCode ocf_info(const std::string& name, const resources::OcfAgent& agent, const resources::ScriptDirs& dirs,
                  OutputFormat format, std::ostream& out, std::ostream& err) {
    auto read = resources::read_ocf_metadata(agent, dirs);
    if (auto* error = std::get_if<std::string>(&read)) {
        err << prefix << terminal_safe(*error) << "\n";
        return ExitCode::failed;
    }
    const auto& meta = std::get<resources::OcfMetadata>(read);
    const std::string path = resources::ocf_agent_path(dirs.ocf_root, agent).string();
    if (format == OutputFormat::json) {
        Json params = Json::array();
        for (const auto& p : meta.parameters) {
            params.push_back({{"name", p.name},
                              {"required", p.required},
                              {"unique", p.unique},
                              {"type", p.type},
                              {"default", p.default_value},
                              {"shortdesc", p.shortdesc}});
        }
        Json actions = Json::array();
        for (const auto& a : meta.actions) {
            actions.push_back({{"name", a.name},
                               {"timeout_ms", optional_ms(a.timeout)},
                               {"interval_ms", optional_ms(a.interval)},
                               {"depth", a.depth},
                               {"role", a.role}});
        }
        print_json({{"agent", name},
                    {"class", "ocf"},
                    {"path", path},
                    {"version", meta.version},
                    {"shortdesc", meta.shortdesc},
                    {"parameters", std::move(params)},
                    {"actions", std::move(actions)}},
                   out);
        return ExitCode::ok;
    }
    out << "agent:   " << terminal_safe(name) << " (class ocf)\n"
        << "path:    " << terminal_safe(path) << "\n";
    if (!meta.version.empty()) out << "version: " << terminal_safe(meta.version) << "\n";
    if (!meta.shortdesc.empty()) out << "about:   " << terminal_safe(meta.shortdesc) << "\n";
    out << "\nparameters:\n";
    TextTable params({"NAME", "REQUIRED", "DEFAULT", "DESCRIPTION"});
    for (const auto& p : meta.parameters) {
        params.add_row({terminal_safe(p.name), p.required ? "yes" : "no", terminal_safe(p.default_value),
                        terminal_safe(p.shortdesc)});
    }
    out << params.render() << "\nactions:\n";
    TextTable actions({"ACTION", "TIMEOUT", "INTERVAL", "DEPTH", "ROLE"});
    for (const auto& a : meta.actions) {
        actions.add_row({terminal_safe(a.name), seconds_text(a.timeout), seconds_text(a.interval),
                         terminal_safe(a.depth), terminal_safe(a.role)});
    }
    out << actions.render();
    return ExitCode::ok;
}

// The description of a non-OCF agent, or why there is none.
std::variant<ClassInfo, std::string> class_info(const std::string& name, const resources::ScriptDirs& dirs) {
    if (resources::is_systemd_agent(name)) {
        auto parsed = resources::parse_systemd_agent(name);
        if (auto* error = std::get_if<std::string>(&parsed)) return *error;
        const std::string& unit = std::get<resources::SystemdAgent>(parsed).unit;
        const auto systemctl = resources::find_systemctl(dirs.search_path);
        if (!systemctl) return "no executable systemctl in PATH (" + dirs.search_path + ")";
        const std::string s = systemctl->string();
        return ClassInfo{name, "systemd", s,
                         "the systemd unit " + unit +
                             ", through systemctl: start waits for the start job; the monitor reads the state "
                             "is-active prints (active running, inactive stopped, failed failed)",
                         {{"start", s + " start " + unit},
                          {"stop", s + " stop " + unit},
                          {"monitor", s + " is-active " + unit}}};
    }
    if (name.starts_with("lsb:")) {
        auto parsed = resources::parse_lsb_agent(name);
        if (auto* error = std::get_if<std::string>(&parsed)) return *error;
        const std::string script = (dirs.lsb_dir / std::get<resources::LsbAgent>(parsed).name).string();
        if (!executable(script)) return name + " is not installed: no executable " + script;
        return ClassInfo{name, "lsb", script,
                         "an LSB init script; the monitor runs status (0 running, 3 stopped, else failed)",
                         {{"start", script + " start"}, {"stop", script + " stop"}, {"monitor", script + " status"}}};
    }
    auto found = resources::find_agent(name, dirs);
    if (auto* error = std::get_if<std::string>(&found)) return *error;
    const std::string script = std::get<std::filesystem::path>(found).string();
    if (!executable(script)) return "no executable " + script;
    return ClassInfo{name, "script", script,
                     "a resource script (resources/CONTRACT.md): the action as its argument, HACLUSTER_* and "
                     "HACLUSTER_PARAM_* variables, OCF exit codes (0 running, 7 stopped)",
                     {{"start", script + " start"}, {"stop", script + " stop"}, {"monitor", script + " monitor"}}};
}

}  // namespace

ExitCode agent_info(const std::string& name, const resources::ScriptDirs& dirs, OutputFormat format,
                    std::ostream& out, std::ostream& err) {
    if (resources::is_ocf_agent(name)) {
        auto parsed = resources::parse_ocf_agent(name);
        if (auto* error = std::get_if<std::string>(&parsed)) {
            err << prefix << terminal_safe(*error) << "\n";
            return ExitCode::failed;
        }
        return ocf_info(name, std::get<resources::OcfAgent>(parsed), dirs, format, out, err);
    }
    auto info = class_info(name, dirs);
    if (auto* error = std::get_if<std::string>(&info)) {
        err << prefix << terminal_safe(*error) << "\n";
        return ExitCode::failed;
    }
    const ClassInfo& c = std::get<ClassInfo>(info);
    if (format == OutputFormat::json) {
        Json commands = Json::object();
        for (const Command& cmd : c.commands) commands[cmd.action] = cmd.command;
        print_json({{"agent", c.agent},
                    {"class", c.agent_class},
                    {"path", c.path},
                    {"shortdesc", c.description},
                    {"commands", std::move(commands)}},
                   out);
        return ExitCode::ok;
    }
    out << "agent:   " << terminal_safe(c.agent) << " (class " << c.agent_class << ")\n"
        << "path:    " << terminal_safe(c.path) << "\n"
        << "about:   " << terminal_safe(c.description) << "\n\ncommands:\n";
    TextTable commands({"ACTION", "RUNS"});
    for (const Command& cmd : c.commands) commands.add_row({cmd.action, terminal_safe(cmd.command)});
    out << commands.render();
    return ExitCode::ok;
}

}  // namespace hacluster::ctl
