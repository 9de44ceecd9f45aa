#pragma once
// Watches one group while it runs here as primary: a periodic `monitor` of each
// resource (its monitor_interval_ms and monitor_timeout_ms). A resource found
// stopped or failed counts a failure; below its max_failures the whole group is
// restarted in place (stop in reverse order, start in order: what follows a
// resource depends on it), at max_failures, or when the restart itself fails,
// the group is reported failed and the core moves it (in::GroupFailed).
//
// Fail counts start at zero each time the group starts here and stay visible
// after it moved away, until the next start. A restart in place never delays the
// core: when the core stops the group (stopped()), a restart in flight is
// cancelled, so the core's stop waits only for that kill (the stop budget allows
// for it, daemon/group_actions.cpp).
#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "agent/config.h"
#include "agent/io.h"
#include "resources/group_executor.h"
#include "resources/uv_handle.h"

namespace hacluster::daemon {

// Ids for the daemon's own actions (restarts in place, start-up cleanups): from a
// range the core's op counter never reaches.
std::uint64_t next_local_op();

class GroupMonitor {
public:
    using Failed = std::function<void(const agent::in::GroupFailed&)>;

    // The loop and the executor must outlive the monitor.
    GroupMonitor(uv_loop_t* loop, resources::GroupExecutor& executor, agent::GroupId group,
                 const agent::GroupConfig& config, std::vector<resources::ResourceConfig> resources);
    GroupMonitor(const GroupMonitor&) = delete;
    GroupMonitor& operator=(const GroupMonitor&) = delete;

    void on_failed(Failed failed) { failed_ = std::move(failed); }

    // The group became primary here under term: counts reset, monitoring begins.
    void running(agent::Term term);
    // It no longer runs here as primary: monitors end, a restart is cancelled.
    void stopped();

    // Per resource, in config order.
    const std::vector<std::int64_t>& fail_counts() const { return fail_counts_; }
    void clear_fail_counts();
    bool restarting() const { return restart_op_.has_value(); }

private:
    struct Watch {
        GroupMonitor* owner = nullptr;
        std::size_t index = 0;
        resources::UvHandle<uv_timer_t> timer;
    };

    void schedule(std::size_t index);
    void check(std::size_t index);
    void on_result(std::size_t index, std::uint64_t generation, const resources::MonitorResult& result);
    void restart(std::size_t index);
    std::int64_t count_failure(std::size_t index);
    void give_up(const std::string& reason, agent::Fatal fatal = agent::Fatal::no);
    void stop_timers();

    uv_loop_t* loop_;
    resources::GroupExecutor& executor_;
    agent::GroupId group_;
    agent::GroupConfig config_;
    std::vector<resources::ResourceConfig> resources_;
    std::vector<std::unique_ptr<Watch>> watches_;  // stable addresses: timers point at them
    std::vector<std::int64_t> fail_counts_;
    // Per resource, when each counted failure happened (uv_now, ms): failures
    // older than the resource's failure_expiry_s are forgotten.
    std::vector<std::deque<std::uint64_t>> failed_at_;
    std::optional<agent::Term> term_;   // running here under this term
    std::uint64_t generation_ = 0;      // bumped on every running()/stopped(): stale results are dropped
    std::optional<std::uint64_t> restart_op_;
    Failed failed_;
};

}  // namespace hacluster::daemon
