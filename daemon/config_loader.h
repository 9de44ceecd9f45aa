#pragma once
// The daemon's config file: JSON text in, the core's ClusterConfig plus the
// daemon-only settings (port, key file, resources) out. Untrusted input
// (STYLE.md "Errors"): every problem comes back as a value naming its JSON path,
// nothing throws, and unknown keys are errors so a typo never passes silently.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/config.h"
#include "agent/types.h"
#include "daemon/health_check_config.h"

namespace hacluster::daemon {

// One resource of a group; groups start their resources in order and stop them in
// reverse (resources/README.md). Absent timeouts fall back to the resource layer's
// (or the group's) values, which is why they are optional here.
struct ResourceConfig {
    std::string name;   // unique in the whole config: it names the resource in logs
    std::string agent;  // which resource agent runs it, e.g. "vip"
    std::map<std::string, std::string> params;
    std::optional<agent::Duration> start_timeout, stop_timeout, monitor_interval, monitor_timeout;
    // Monitor failures while the group runs here before it moves; the ones before
    // are restarted in place (resources/resource_config.h has the default).
    std::optional<std::int64_t> max_failures;
    // A monitor failure older than this is forgotten (0: never), so max_failures
    // counts the failures within the window (Pacemaker's failure-timeout).
    std::int64_t failure_expiry_s = 0;
    // Started unpromoted on every eligible node, promoted where the group is
    // primary (README "Promotable resources").
    bool promotable = false;
    // The stop timeout an OCF agent's meta-data advertises (daemon/ocf_defaults.h):
    // shown by --check-config beside the budget actually used, never taken as it.
    std::optional<agent::Duration> advertised_stop_timeout;
};

inline constexpr std::int64_t max_failures_limit = 1000;
inline constexpr std::int64_t failure_expiry_limit_s = 365LL * 24 * 3600;  // a year: longer is "never" in practice

// A notify hook (README "Notify hooks"): a program run once per event, with the
// event in its environment.
struct HookConfig {
    std::string path;  // absolute, executable (checked at load)
    // Long enough for a mail or a webhook over a slow link; a hook that needs more
    // should hand the work off and return.
    agent::Duration timeout = std::chrono::milliseconds(5000);
    std::vector<std::string> events;  // only these events; empty: every event
    // Added to the run's environment (a webhook's URL, a mail address); PATH here
    // replaces the default one.
    std::map<std::string, std::string> env;

    bool wants(std::string_view event) const;
    bool operator==(const HookConfig&) const = default;
};

inline constexpr std::int64_t hook_timeout_min_ms = 100;
inline constexpr std::int64_t hook_timeout_max_ms = 600000;
// Each hook keeps its own queue and process; the bound keeps a config from
// turning every event into hundreds of processes.
inline constexpr std::size_t max_hooks = 32;

struct DaemonConfig {
    agent::ClusterConfig cluster;
    std::uint16_t port = 5405;  // corosync's default: HA firewall rules usually allow it already
    std::string auth_key_file = "/etc/hacluster/authkey";  // beside the config, root-only
    std::vector<std::vector<ResourceConfig>> resources;  // per group, same index as cluster.groups
    std::vector<HookConfig> hooks;  // run in their own queues, independent of each other
    std::vector<HealthCheckConfig> health_checks;  // this node's own (README.md "Health checks")
    // self_fence "command": the operator's executable, run with the group and the
    // term as arguments (cluster.self_fence says which action; design §4.8).
    std::string self_fence_command;
    // Per group: whether stop_timeout_ms was set (else derived from its resources).
    std::vector<bool> stop_budget_set;
};

// One problem: where (a JSON path such as "groups[0].resources[1].agent", or ""
// for the document or the file itself) and what is wrong.
struct LoadError {
    std::string path;
    std::string message;
};

// Larger config files are refused: a real one is a few kilobytes, and the bound
// keeps a wrong path (a log, a device) from being read into memory.
inline constexpr std::size_t max_config_bytes = std::size_t{1} << 20;

// Every problem found (structure first; agent::validate() and the resource rules
// only once the structure is right), or the config.
[[nodiscard]] std::variant<DaemonConfig, std::vector<LoadError>> parse_config(
    std::string_view json_text) noexcept;

// The same without looking at the files the config names (hooks[].path is
// checked to be absolute, not to be an executable file): what the text alone
// says. No I/O, so the fuzz target (test/fuzz/fuzz_config.cpp) runs it.
[[nodiscard]] std::variant<DaemonConfig, std::vector<LoadError>> parse_config_text(
    std::string_view json_text) noexcept;

// Reads the file (at most max_config_bytes) and parses it. File errors come back
// at path "" with the OS reason.
[[nodiscard]] std::variant<DaemonConfig, std::vector<LoadError>> load_config(
    const std::filesystem::path& file) noexcept;

}  // namespace hacluster::daemon
