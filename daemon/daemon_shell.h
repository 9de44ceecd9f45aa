#pragma once
// haclusterd's driver (STYLE.md "a pure core and a thin shell"): one libuv loop
// that feeds the agent core with ticks, datagrams, script results, operator
// commands and signals, and carries out what the core asks for. Single-threaded;
// every libuv callback is noexcept and exceptions stop at the control boundary.
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "daemon/config_loader.h"
#include "daemon/control_server.h"
#include "daemon/fence_runner.h"
#include "daemon/health_checks.h"
#include "daemon/hmac_sha256.h"
#include "daemon/hook_runner.h"
#include "daemon/udp_transport.h"
#include "daemon/unpromoted_keeper.h"
#include "resources/uv_handle.h"

namespace hacluster::daemon {

// Runs the core's group actions (start / stop of a whole group). The resource
// layer implements it; tests may plug a recorder.
class GroupActions {
public:
    virtual ~GroupActions() = default;
    using Done = std::function<void(const agent::in::ScriptDone&)>;
    virtual void run(const agent::out::RunScript& run, Done done) = 0;
    virtual void cancel(std::uint64_t op) = 0;
    // design §4.8: SIGKILL every script of the group now (no grace); its action
    // is reported cancelled.
    virtual void kill_now(agent::GroupId group) = 0;

    // Resource monitoring (daemon/group_monitor.h): the group runs here as
    // primary under term, or (nullopt) no longer does.
    virtual void watch(agent::GroupId, std::optional<agent::Term>) {}
    // A group whose resources failed beyond restarts: the shell feeds it to the core.
    virtual void on_failed(std::function<void(const agent::in::GroupFailed&)>) {}
    // Per resource of the group, in config order (empty: not tracked).
    virtual std::vector<std::int64_t> fail_counts(agent::GroupId) const { return {}; }

    // Promotable groups (daemon/unpromoted_keeper.h): whether this node should run
    // the unpromoted instance, and whether the core holds the group here.
    virtual void keep_unpromoted(agent::GroupId, UnpromotedPlan) {}
    // The instance became ready / not ready: the shell feeds it to the core.
    virtual void on_ready(std::function<void(const agent::in::GroupReady&)>) {}
    // The unpromoted instance here, for status (nullopt: not a promotable group).
    virtual std::optional<std::string> unpromoted_state(agent::GroupId) const { return std::nullopt; }

    // The start-up probe: `monitor` of every resource; done(found) from the loop,
    // found[g] when any resource of group g is not cleanly stopped.
    using Probed = std::function<void(std::vector<bool> found)>;
    virtual void probe(Probed done) = 0;
    // Stops a group the core does not run here (found running at start-up).
    virtual void cleanup(agent::GroupId group, Done done) = 0;
    // The probe of one group after maintenance (out::Probe): done(found) from
    // the loop. Without an answer the core asks again.
    virtual void probe_group(agent::GroupId, std::function<void(bool found)>) {}
    // `haclusterctl cleanup`: the group's fail counts start again from zero.
    virtual void clear_fail_counts(agent::GroupId) {}
    // OCF validate-all of every resource of the groups this node may run, ahead of
    // any start (resources/group_executor.h): at start-up (part of probe) and reload.
    virtual void validate_all() {}
    // The last validate-all of the group's resources: per resource, "ok", "failed
    // (exit N)", "" (not OCF or not run yet).
    virtual std::vector<std::string> validations(agent::GroupId) const { return {}; }
};

// The supervisor as the shell sees it (daemon/supervisor_link.h).
class Supervision {
public:
    virtual ~Supervision() = default;
    virtual void guard(const agent::out::Guard& guard) = 0;
    virtual void alive() = 0;  // the loop runs: called with every input
    // Reports that arrived (non-blocking); fed to the core before any other input.
    virtual std::vector<agent::in::SupervisorStop> take_reports() = 0;
};

struct ShellOptions {
    std::string socket_path = "/run/hacluster/ctl.sock";
    std::filesystem::path state_dir = "/var/lib/hacluster";
    std::uint16_t port_override = 0;  // tests: 0 keeps the config's port
    Supervision* supervision = nullptr;  // null: unsupervised (tests of the shell alone)
    std::vector<agent::ResumedGroup> resume;  // taken over from a previous daemon (daemon/handover.h)
    std::filesystem::path fence_agent_dir = daemon::fence_agent_dir;  // tests: their own stand-ins
};

class DaemonShell {
public:
    DaemonShell(uv_loop_t* loop, DaemonConfig config, agent::NodeId self, HmacSha256 auth,
                GroupActions& actions, ShellOptions options);
    ~DaemonShell();
    DaemonShell(const DaemonShell&) = delete;
    DaemonShell& operator=(const DaemonShell&) = delete;

    // Binds the sockets, loads the persisted votes, probes every resource, then
    // starts the core and the timer (from the loop, once the probe is done).
    std::optional<std::string> start();
    // Graceful leave (SIGTERM): release every group, announce it, then on_left.
    void leave();
    // SIGHUP and `haclusterctl reload`: re-read the config; nothing changes unless it
    // differs, and a rejected config keeps the old one. The log and the result say
    // what was applied, or why not.
    struct ReloadResult {
        enum class Outcome { unchanged, applied, rejected, needs_restart };
        Outcome outcome = Outcome::unchanged;
        std::string message;
    };
    ReloadResult reload(const std::filesystem::path& file);
    // The running config (`config show`: daemon/config_dump.h).
    const DaemonConfig& config() const { return config_; }
    // Control commands served outside the shell (daemon/ops_commands.h), asked for
    // by name once the core runs; the access rules are the control server's.
    using ExtraCommand = std::function<void(const ControlRequest& request, ControlServer::Respond respond)>;
    void add_command(std::string name, ExtraCommand handler) { extra_commands_[std::move(name)] = std::move(handler); }
    void on_left(std::function<void()> callback) { on_left_ = std::move(callback); }
    // The supervisor's pipe has reports: feed them now (also done before every input).
    void supervisor_reported();
    // Health check scripts' process groups, for the supervisor (like the resource scripts').
    void observe_health_scripts(resources::ProcessRunner::GroupObserver observer) {
        health_.observe_groups(std::move(observer));
    }

    // The start-up probe is done and the core runs (status() may be asked).
    bool started() const { return agent_ != nullptr; }

    // No hook runs or waits (a graceful exit gives the last events a moment).
    bool hooks_idle() const { return hooks_.idle(); }

    nlohmann::json status() const;
    nlohmann::json events(std::size_t limit) const;
    nlohmann::json health_status() const;

private:
    agent::Instant now() const;
    void begin(std::vector<bool> found);
    void settle_found(agent::GroupId g, const agent::GroupView& view);
    void feed(const agent::Input& input);
    void step(const agent::Input& input);
    void step_once(const agent::Input& input);
    void execute(std::vector<agent::Output> outputs);
    void record(const agent::out::Transition& t);
    void notify_hooks(const agent::out::Transition& t, std::chrono::system_clock::time_point wall);
    void handle_request(const ControlRequest& request, ControlServer::Respond respond);
    std::string node_name(agent::NodeId n) const;

    uv_loop_t* loop_;
    DaemonConfig config_;
    agent::NodeId self_;
    HmacSha256 auth_;
    GroupActions& actions_;
    ShellOptions options_;
    std::unique_ptr<agent::Agent> agent_;
    UdpTransport udp_;
    ControlServer control_;
    FenceRunner fence_;
    resources::UvHandle<uv_timer_t> tick_;
    HealthChecks health_;  // started with the core: results before it exists would be lost
    std::vector<std::vector<UdpEndpoint>> peers_;  // [node][link]
    std::vector<agent::PersistedVote> votes_;
    std::optional<agent::Policy> stored_policy_;  // loaded at start-up
    std::uint64_t next_request_ = 1;
    struct Waiting {
        std::uint64_t request;
        std::string command;  // prefixes a refusal: "switchover: unknown group 'db'"
        ControlServer::Respond respond;
    };
    std::vector<Waiting> waiting_;
    std::map<std::string, ExtraCommand> extra_commands_;
    std::deque<nlohmann::json> events_;
    std::vector<agent::GroupView> last_groups_;  // for failover timing
    std::vector<std::optional<std::chrono::system_clock::time_point>> lost_at_;
    std::vector<std::optional<agent::NodeId>> lost_from_;
    nlohmann::json last_failover_;
    std::function<void()> on_left_;
    // Groups found running at start-up and not yet settled: adopted when the
    // cluster places them here, stopped otherwise (docs/design.md §8).
    struct Found {
        agent::GroupId group;
        agent::Instant since;
    };
    std::vector<Found> found_;
    std::vector<agent::in::SupervisorStop> early_reports_;  // read before the core existed
    // Readiness reports made while the core is being stepped (a keeper reacting
    // to the plan it was just given): fed right after that step.
    std::vector<agent::in::GroupReady> ready_reports_;
    std::vector<agent::in::Escalated> escalated_reports_;  // answers to out::Escalate, fed after the step
    bool stepping_ = false;
    bool left_ = false;
    bool leave_pending_ = false;  // SIGTERM before the core existed
    // What hooks are told as HACLUSTER_PREVIOUS_STATE: this node's role per group
    // as of the last transition, and the quorum state before the current step.
    std::vector<agent::Role> hook_roles_;
    agent::wire::QuorumState hook_quorum_ = agent::wire::QuorumState::pending;
    std::uint64_t hook_sequence_ = 0;
    HookRunner hooks_;  // last: its runs are killed before anything they might ask about goes

    static constexpr std::size_t max_events = 1000;
};

}  // namespace hacluster::daemon
