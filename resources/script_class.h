#pragma once
// The `script` resource class (resources/CONTRACT.md): `SCRIPT start|stop|monitor`
// with the cluster's context in a clean environment, OCF exit codes. This file is
// pure: it builds the ProcessSpec and reads the result; ProcessRunner runs it.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/io.h"
#include "agent/types.h"
#include "resources/process_runner.h"
#include "resources/resource_config.h"

namespace hacluster::resources {

// validate: OCF's `validate-all`, run before an OCF resource's first start;
// promote / demote: OCF 1.1's, for resources marked promotable (CONTRACT.md).
enum class ResourceAction : std::uint8_t { start, stop, monitor, validate, promote, demote };
const char* to_string(ResourceAction action);
ResourceAction to_resource_action(agent::ScriptAction action);

// HACLUSTER_ROLE: start and promote run as primary, stop and demote as standby
// (the start of a promotable resource too: it starts unpromoted); a monitor says
// which role the node holds the group in.
enum class Role : std::uint8_t { primary, standby };
const char* to_string(Role role);

// OCF exit codes the script class gives a meaning to; every other code is a
// failure.
inline constexpr int ocf_success = 0;
inline constexpr int ocf_unimplemented = 3;
inline constexpr int ocf_not_running = 7;
inline constexpr int ocf_running_promoted = 8;
inline constexpr int ocf_failed_promoted = 9;
inline constexpr int ocf_degraded = 190;
inline constexpr int ocf_degraded_promoted = 191;

// A start or stop succeeded: the script exited by itself with 0.
bool succeeded(const agent::ExecStatus status, int exit_code);
inline bool succeeded(const ProcessResult& r) { return succeeded(r.status, r.exit_code); }

// What a monitor found: 0 running (also 190 running degraded, OCF's codes), 8
// running promoted (also 191 promoted degraded), 7 stopped, anything else (9
// failed promoted, other codes, timeouts, signals, spawn errors) failed.
enum class ResourceState : std::uint8_t { running, promoted, stopped, failed };
// Running in any role: what a resource that is not promotable must be.
inline bool is_running(ResourceState s) { return s == ResourceState::running || s == ResourceState::promoted; }
const char* to_string(ResourceState state);
ResourceState monitor_state(const ProcessResult& result);
// The same for the resource's class: an lsb:NAME `status` says 3 for stopped
// (LSB 4.1: 0 running, 1/2 dead with a pid or lock file left, 3 not running); a
// systemd:UNIT's `systemctl is-active` is read by systemd_state().
ResourceState monitor_state(const ProcessResult& result, std::string_view agent);

// Where bundled agents are looked up, in order.
struct ScriptDir {
    std::filesystem::path path;
    std::string origin;  // for the error message: where this entry came from
};
struct ScriptDirs {
    std::vector<ScriptDir> dirs;
    // Where ocf:PROVIDER:TYPE agents live ($OCF_ROOT, else /usr/lib/ocf).
    std::filesystem::path ocf_root = "/usr/lib/ocf";
    // Where lsb:NAME init scripts live.
    std::filesystem::path lsb_dir = "/etc/init.d";
    // Where systemd:UNIT finds systemctl: the daemon's $PATH (tests put a stand-in first).
    std::string search_path = "/usr/sbin:/usr/bin:/sbin:/bin";
    // $HACLUSTER_SCRIPTS_DIR when set and not empty (the tests set it to the
    // source tree's scripts/, so a build runs without installing), then
    // installed_scripts_dir(). Reads the environment once, here.
    static ScriptDirs standard();
};
// PREFIX/lib/hacluster/scripts, the install prefix fixed when CMake configured the
// build (packaging/CMakeLists.txt installs the bundled agents there). An installed
// binary never looks at the source tree it was built from.
const char* installed_scripts_dir();

// The bundled agents and the file each one runs.
inline constexpr std::string_view bundled_agents[] = {"vip"};

// The executable for an agent: a bundled agent found in dirs, or the absolute path
// itself (whether it exists is for the spawn to say). Otherwise a message naming
// every place looked at.
[[nodiscard]] std::variant<std::filesystem::path, std::string> find_agent(const std::string& agent,
                                                                          const ScriptDirs& dirs);

// The cluster's context of one run.
struct ScriptContext {
    std::string group;          // HACLUSTER_GROUP
    std::string node;           // HACLUSTER_NODE: this node's name
    agent::Term term = 0;       // HACLUSTER_TERM: the fencing token of the decision
    std::string reason;         // HACLUSTER_REASON
    Role role = Role::standby;  // HACLUSTER_ROLE for monitors (start: primary, stop: standby)
};

// HACLUSTER_PARAM_<NAME>: upper-cased, every byte that is not [A-Za-z0-9] → '_'.
std::string param_variable(std::string_view param_name);

// The fixed PATH scripts get: system directories only, never the daemon's.
inline constexpr const char* script_path = "/usr/sbin:/usr/bin:/sbin:/bin";

// The ProcessSpec for `SCRIPT action`: argv {script, action}, cwd /, the
// environment of CONTRACT.md and the resource's own timeout for the action
// (default_operation_timeout when the config gives none). Errors: the agent is not
// found, or params that cannot become variables (empty name, two names that map to
// the same variable, a NUL byte).
[[nodiscard]] std::variant<ProcessSpec, std::string> script_spec(const ResourceConfig& resource,
                                                                 ResourceAction action,
                                                                 const ScriptContext& context,
                                                                 const ScriptDirs& dirs);

}  // namespace hacluster::resources
