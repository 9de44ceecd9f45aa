#pragma once
// The `systemd` resource class (resources/CONTRACT.md, "systemd"): an agent named
// "systemd:UNIT" is driven through systemctl, found in the daemon's PATH:
// `systemctl start UNIT` (which waits for the start job, as systemctl does by
// default), `systemctl stop UNIT`, and `systemctl is-active UNIT` as the monitor,
// whose printed state decides.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "resources/process_runner.h"

namespace hacluster::resources {

struct SystemdAgent {
    std::string unit;  // e.g. "nginx" or "nginx.service", as given
};

bool is_systemd_agent(std::string_view agent);
// "systemd:nginx.service" -> {nginx.service}. The unit is what systemd accepts as a
// unit name (letters, digits, ':', '-', '_', '.', '\\', '@', at most 255 bytes, not
// starting with '-' so systemctl never reads it as an option); a suffix, when
// given, is a unit type. The error names the agent.
std::variant<SystemdAgent, std::string> parse_systemd_agent(std::string_view agent);

// The first executable `systemctl` in search_path (a PATH value), or nullopt.
std::optional<std::filesystem::path> find_systemctl(std::string_view search_path);

// What `systemctl is-active` reported: exit 0 (active, reloading) or "activating"
// is running, "failed" is failed, every other state (inactive, deactivating, or
// unknown units, which systemctl reports as inactive with exit 3) is stopped when
// the exit code is 3; anything else (no state printed, other codes) is failed.
enum class SystemdState : std::uint8_t { running, stopped, failed };
SystemdState systemd_state(const ProcessResult& is_active);

}  // namespace hacluster::resources
