#pragma once
// Executes the core's whole-group actions (out::RunScript) for one group on this
// node, and single monitors of its resources:
//
// - start: each resource's `start`, in order. When one fails, the resources from
//   that one back to the first are stopped in reverse order (the failed one too:
//   a half-done start, an address added but not announced, must not stay behind),
//   and the result is the failure: status, exit code and which resource.
// - stop: each resource's `stop` in reverse order; every one is attempted even
//   when one fails, and the result is the first failure.
// - promotable resources (Scope): the group's start starts them (unpromoted) and
//   promotes them, in order, before it starts the others; its stop stops the others
//   and then demotes them. A failed demote is followed by a stop of that resource
//   (a stopped instance is as safe as a demoted one); only if that fails too does
//   the action fail. A rollback demotes what it promoted and leaves the unpromoted
//   instances running.
// - the action's timeout bounds the whole action: each script's timeout is the
//   smaller of its own and what is left, so when the time is up the running script
//   is killed (TERM, grace, KILL of its process group) and the result is
//   timed_out. A start that ran out of time is not rolled back (there is no time
//   left; the core follows a failed start with a stop).
// - OCF `validate-all` never runs on the failover path (it took 217 ms for
//   IPaddr2): validate() runs it for every OCF resource ahead of time (the
//   daemon: at start-up and on reload) and keeps the result. A start of a group
//   one of whose resources failed it (not 0, not 3 "not implemented") fails at
//   once with that exit code (2 invalid, 5 not installed, 6 not configured),
//   without running anything, and validate() runs again in the background so the
//   next start sees a fixed agent. A resource not validated yet just starts.
//
// One action runs at a time. An action that arrives while another runs waits for
// it (the core cancels a start and asks for a stop at once: the stop must not run
// while the start's process group is still being killed). Its timeout counts from
// when it begins. Results come from the loop, never from inside run() or cancel().
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/io.h"
#include "resources/process_runner.h"
#include "resources/res_logger.h"
#include "resources/resource_config.h"
#include "resources/script_class.h"

namespace hacluster::resources {

struct GroupInfo {
    std::string group;                      // HACLUSTER_GROUP
    std::string node;                       // HACLUSTER_NODE: this node's name
    std::vector<ResourceConfig> resources;  // in start order
};

struct ExecutorOptions {
    ScriptDirs dirs;  // usually ScriptDirs::standard()
    std::chrono::nanoseconds kill_grace = std::chrono::seconds(2);  // time to clean up after SIGTERM
    std::size_t output_limit = 4096;  // per script run: a screenful of diagnostics in the log
};

// Which instances an action is about (README "Promotable resources"): the core's
// group role (for promotable resources: start = start unpromoted if needed, then
// promote; stop = demote), or only the unpromoted instances of the promotable
// resources, which run on every eligible node (start / stop them).
enum class Scope : std::uint8_t { group, unpromoted };

// out::RunScript with the group already resolved to this executor.
struct GroupAction {
    std::uint64_t op = 0;  // echoed in the result
    agent::ScriptAction action = agent::ScriptAction::start;
    agent::Term term = 0;
    std::string reason;
    std::chrono::nanoseconds timeout{};  // bounds the whole action
    Scope scope = Scope::group;

    static GroupAction from(const agent::out::RunScript& run);
};

struct GroupResult {
    std::uint64_t op = 0;
    agent::ScriptAction action = agent::ScriptAction::start;
    agent::ExecStatus status = agent::ExecStatus::done;
    int exit_code = 0;     // of the resource that decided the result; -1 when it did not exit
    std::string resource;  // the resource that decided a failure; empty on success
    std::string message;   // why, when nothing ran (lookup errors, queue full)
    std::chrono::nanoseconds duration{};

    agent::in::ScriptDone script_done() const { return {op, status, exit_code}; }
};

struct MonitorRequest {
    agent::Term term = 0;       // HACLUSTER_TERM
    Role role = Role::standby;  // HACLUSTER_ROLE: primary when this node runs the group
    std::string reason = "monitor";
};

struct MonitorResult {
    std::string resource;
    ResourceState state = ResourceState::failed;
    agent::ExecStatus status = agent::ExecStatus::done;
    int exit_code = -1;
    std::string message;  // why, when nothing ran
    std::chrono::nanoseconds duration{};
};

// Called exactly once per run() / monitor(), from the loop. They may call run(),
// cancel() and monitor(), and may destroy the executor.
using OnGroupDone = std::function<void(GroupResult result)>;
using OnMonitorDone = std::function<void(MonitorResult result)>;

class GroupExecutor {
public:
    // Actions waiting behind the running one: the core has at most one action per
    // group plus one being cancelled; more means a bug in the caller.
    static constexpr std::size_t max_queued = 4;

    // The runner must outlive the executor.
    GroupExecutor(ProcessRunner& runner, GroupInfo group, ExecutorOptions options);
    // Cancels what runs (its process groups are still killed by the runner) and
    // drops every callback not yet made.
    ~GroupExecutor();
    GroupExecutor(const GroupExecutor&) = delete;
    GroupExecutor& operator=(const GroupExecutor&) = delete;

    void run(GroupAction action, OnGroupDone on_done);

    // Cancels an action: a queued one is reported cancelled without running; the
    // running one has its script killed (TERM, grace, KILL), nothing more runs for
    // it (no rollback), and it is reported cancelled. False when op is unknown.
    bool cancel(std::uint64_t op);

    // design §4.8: whatever runs for this group dies now — the action's script and
    // every monitor, SIGKILL to their process groups without a grace — and nothing
    // more of the action runs; the action is reported cancelled.
    void kill_now();

    // One `monitor` of the named resource, with the resource's monitor timeout. At
    // most one per resource at a time (a second is refused as spawn_failed).
    void monitor(const std::string& resource, MonitorRequest request, OnMonitorDone on_done);

    bool idle() const { return !current_ && queue_.empty(); }

    // validate-all of every OCF resource of the group, each in its own process
    // with its start timeout, results kept (validation()); on_done once all ended.
    // A validation already running is not started twice.
    void validate(std::function<void()> on_done = nullptr);
    struct Validation {
        agent::ExecStatus status = agent::ExecStatus::done;
        int exit_code = 0;
        bool ok() const;  // 0, or 3: an agent without validate-all
    };
    // Per resource index; nullopt: not an OCF resource, or not validated yet.
    std::optional<Validation> validation(std::size_t resource) const;
    const GroupInfo& info() const { return group_; }

private:
    struct Step {
        std::size_t index = 0;
        ResourceAction action = ResourceAction::start;
    };
    struct Action {
        GroupAction request;
        OnGroupDone on_done;
        bool begun = false;
        bool cancel_requested = false;
        bool rolling_back = false;
        std::deque<Step> plan;
        std::vector<Step> done;  // steps that ran, for the rollback
        std::optional<ProcessId> child;
        std::optional<Step> last_step;
        bool child_limited_by_budget = false;
        std::uint64_t begin_ns = 0;
        std::uint64_t deadline_ns = 0;
        std::optional<GroupResult> failure;  // the first one
        std::optional<std::string> ran_out_at;  // resource at which the time ran out
    };

    void begin();
    std::deque<Step> plan_for(const GroupAction& action) const;
    std::deque<Step> rollback_for(const Action& action, const Step& failed) const;
    void advance();
    bool on_step_done(const Step& step, const ProcessResult& result);
    void out_of_time(const Step& step);
    void finish();
    void start_next_queued();
    void defer(std::function<void()> fn);
    void log_step(const Action& action, const Step& step, const ProcessResult& result) const;
    void log_output(const std::string& resource, ResourceAction action, const ProcessResult& result,
                    bool failed) const;

    ProcessRunner& runner_;
    GroupInfo group_;
    ExecutorOptions options_;
    std::shared_ptr<spdlog::logger> logger_;
    std::optional<Action> current_;
    std::deque<Action> queue_;
    std::map<std::string, ProcessId> monitors_;  // resource name -> running monitor
    std::map<std::size_t, Validation> validations_;  // OCF resources: the last validate-all
    std::set<std::size_t> validating_;               // running now
    std::vector<std::function<void()>> validated_callbacks_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // callbacks hold a weak_ptr
};

}  // namespace hacluster::resources
