#include "resources/systemd_class.h"

#include <unistd.h>

#include <system_error>

namespace hacluster::resources {

namespace {

// systemd's unit types (systemd.unit(5)).
constexpr std::string_view unit_types[] = {"service", "socket", "target", "device",    "mount", "automount",
                                           "swap",    "timer",  "path",   "slice",     "scope"};

// systemd's limit on a unit name (UNIT_NAME_MAX - 1).
constexpr std::size_t max_unit_name = 255;

bool unit_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '-' ||
           c == '_' || c == '.' || c == '\\' || c == '@';
}

}  // namespace

bool is_systemd_agent(std::string_view agent) { return agent.starts_with("systemd:"); }

std::variant<SystemdAgent, std::string> parse_systemd_agent(std::string_view agent) {
    const std::string shown = "\"" + std::string(agent.substr(0, 300)) + "\"";
    const std::string usage = "expected systemd:UNIT, e.g. systemd:nginx or systemd:nginx.service";
    if (!is_systemd_agent(agent)) return shown + " is not a systemd agent: " + usage;
    const std::string_view unit = agent.substr(8);
    if (unit.empty()) return shown + " names no unit: " + usage;
    if (unit.size() > max_unit_name) {
        return "the unit of " + shown + " is " + std::to_string(unit.size()) + " bytes long; systemd allows " +
               std::to_string(max_unit_name);
    }
    for (const char c : unit) {
        if (!unit_char(c)) {
            return shown + ": a unit name has only letters, digits and ':', '-', '_', '.', '\\', '@' (" + usage + ")";
        }
    }
    if (unit.front() == '-' || unit.front() == '.') {
        return shown + ": a unit name must not begin with '" + std::string(1, unit.front()) + "' (" + usage + ")";
    }
    if (const std::size_t dot = unit.rfind('.'); dot != std::string_view::npos) {
        const std::string_view type = unit.substr(dot + 1);
        bool known = false;
        for (std::string_view t : unit_types) known = known || t == type;
        if (!known) {
            std::string types;
            for (std::string_view t : unit_types) types += (types.empty() ? "" : ", ") + std::string(t);
            return shown + ": \"." + std::string(type) + "\" is not a unit type (" + types + ")";
        }
    }
    return SystemdAgent{std::string(unit)};
}

std::optional<std::filesystem::path> find_systemctl(std::string_view search_path) {
    // Bounded by the PATH value's length.
    while (true) {
        const std::size_t colon = search_path.find(':');
        const std::string_view dir = search_path.substr(0, colon);
        // An empty entry means the working directory, which the daemon never uses to find programs.
        if (!dir.empty() && dir.front() == '/') {
            const std::filesystem::path file = std::filesystem::path(dir) / "systemctl";
            std::error_code ec;
            if (std::filesystem::is_regular_file(file, ec) && ::access(file.c_str(), X_OK) == 0) return file;
        }
        if (colon == std::string_view::npos) return std::nullopt;
        search_path.remove_prefix(colon + 1);
    }
}

SystemdState systemd_state(const ProcessResult& r) {
    if (r.status != agent::ExecStatus::done) return SystemdState::failed;
    std::string_view out = r.output;
    const std::size_t end = out.find_first_of("\r\n");
    const std::string_view word = out.substr(0, end);
    if (word == "failed") return SystemdState::failed;
    if (r.exit_code == 0) return SystemdState::running;
    // The start job of a unit with Type=notify or forking is still running: the
    // unit is on its way up, not gone.
    if (word == "activating") return SystemdState::running;
    if (r.exit_code == 3 && !word.empty()) return SystemdState::stopped;
    return SystemdState::failed;
}

}  // namespace hacluster::resources
