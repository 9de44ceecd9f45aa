#include "daemon/group_monitor.h"

#include <spdlog/spdlog.h>

#include "agent/timing.h"
#include "resources/res_logger.h"
#include "resources/resource_config.h"

namespace hacluster::daemon {

std::uint64_t next_local_op() {
    static std::uint64_t next = std::uint64_t{1} << 62;
    return next++;
}

GroupMonitor::GroupMonitor(uv_loop_t* loop, resources::GroupExecutor& executor, agent::GroupId group,
                           const agent::GroupConfig& config, std::vector<resources::ResourceConfig> resources)
    : loop_(loop), executor_(executor), group_(group), config_(config), resources_(std::move(resources)) {
    clear_fail_counts();
    for (std::size_t i = 0; i < resources_.size(); ++i) {
        auto w = std::make_unique<Watch>();
        w->owner = this;
        w->index = i;
        w->timer.init(w.get(), [&](uv_timer_t* h) { return uv_timer_init(loop_, h); });
        watches_.push_back(std::move(w));
    }
}

void GroupMonitor::running(agent::Term term) {
    ++generation_;
    term_ = term;
    restart_op_.reset();
    clear_fail_counts();
    for (std::size_t i = 0; i < resources_.size(); ++i) schedule(i);
}

void GroupMonitor::clear_fail_counts() {
    fail_counts_.assign(resources_.size(), 0);
    failed_at_.assign(resources_.size(), {});
}

std::int64_t GroupMonitor::count_failure(std::size_t index) {
    const std::uint64_t now = uv_now(loop_);
    std::deque<std::uint64_t>& at = failed_at_[index];
    at.push_back(now);
    const std::int64_t expiry_s = resources_[index].failure_expiry_s;
    if (expiry_s > 0) {
        const auto window = static_cast<std::uint64_t>(expiry_s) * 1000;
        while (!at.empty() && now - at.front() >= window) at.pop_front();
    }
    // Bounded: the group moves once the count reaches max_failures.
    while (at.size() > static_cast<std::size_t>(max_failures_limit)) at.pop_front();
    fail_counts_[index] = static_cast<std::int64_t>(at.size());
    return fail_counts_[index];
}

void GroupMonitor::stopped() {
    ++generation_;
    term_.reset();
    stop_timers();
    if (restart_op_) {
        resources::res_logger()->info("cancelling the restart of {}: the group stops here", config_.name);
        executor_.cancel(*restart_op_);
        restart_op_.reset();
    }
}

void GroupMonitor::stop_timers() {
    for (auto& w : watches_) uv_timer_stop(w->timer.get());
}

void GroupMonitor::schedule(std::size_t index) {
    const auto interval = static_cast<std::uint64_t>(agent::to_ms(resources::monitor_interval(resources_[index])));
    uv_timer_start(watches_[index]->timer.get(),
                   [](uv_timer_t* t) noexcept {
                       auto* w = static_cast<Watch*>(t->data);
                       if (w != nullptr) w->owner->check(w->index);
                   },
                   interval, 0);
}

void GroupMonitor::check(std::size_t index) {
    if (!term_ || restart_op_) return;
    const std::uint64_t generation = generation_;
    resources::MonitorRequest request{*term_, resources::Role::primary, "monitor"};
    executor_.monitor(resources_[index].name, request,
                      [this, index, generation](resources::MonitorResult result) {
                          on_result(index, generation, result);
                      });
}

void GroupMonitor::on_result(std::size_t index, std::uint64_t generation, const resources::MonitorResult& result) {
    if (generation != generation_ || !term_ || restart_op_) return;
    const resources::ResourceConfig& r = resources_[index];
    // On the primary a promotable resource must be promoted (8): running
    // unpromoted (0) means it lost its promotion.
    const bool healthy = r.promotable ? result.state == resources::ResourceState::promoted
                                      : resources::is_running(result.state);
    if (healthy) {
        schedule(index);
        return;
    }
    if (result.status == agent::ExecStatus::done && (result.exit_code == 5 || result.exit_code == 6)) {
        // OCF "not installed" / "not configured": no restart or other node helps;
        // the core blocks the group cluster-wide (docs/design.md §3.5).
        count_failure(index);
        give_up("monitor_exit_" + std::to_string(result.exit_code) + "_" + r.name, agent::Fatal::yes);
        return;
    }
    const std::int64_t count = count_failure(index);
    const std::int64_t limit = resources::max_failures(r);
    resources::res_logger()->warn("resource {} of {} is {} | fail_count={}/{} term={}", r.name, config_.name,
                                  r.promotable && result.state == resources::ResourceState::running
                                      ? "running but not promoted"
                                      : resources::to_string(result.state),
                                  count, limit, *term_);
    if (count >= limit) {
        give_up("monitor_failed_" + r.name);
        return;
    }
    restart(index);
}

void GroupMonitor::restart(std::size_t index) {
    stop_timers();
    const agent::Term term = *term_;
    const std::uint64_t generation = generation_;
    const std::string reason = "restart_" + resources_[index].name;
    resources::res_logger()->warn("restarting {} in place | reason={} term={}", config_.name, reason, term);
    const std::uint64_t stop_op = next_local_op();
    restart_op_ = stop_op;
    executor_.run(resources::GroupAction{stop_op, agent::ScriptAction::stop, term, reason, config_.stop_timeout},
                  [this, term, generation, reason](resources::GroupResult stopped) {
                      if (generation != generation_) return;
                      if (stopped.status != agent::ExecStatus::done || stopped.exit_code != 0) {
                          restart_op_.reset();
                          give_up("restart_stop_failed_" + stopped.resource);
                          return;
                      }
                      const std::uint64_t start_op = next_local_op();
                      restart_op_ = start_op;
                      executor_.run(
                          resources::GroupAction{start_op, agent::ScriptAction::start, term, reason,
                                                 config_.start_timeout},
                          [this, generation](resources::GroupResult started) {
                              if (generation != generation_) return;
                              restart_op_.reset();
                              if (started.status != agent::ExecStatus::done || started.exit_code != 0) {
                                  give_up("restart_failed_" + started.resource);
                                  return;
                              }
                              resources::res_logger()->info("restarted {} in place | term={}", config_.name,
                                                            *term_);
                              for (std::size_t i = 0; i < resources_.size(); ++i) schedule(i);
                          });
                  });
}

void GroupMonitor::give_up(const std::string& reason, agent::Fatal fatal) {
    const agent::Term term = *term_;
    resources::res_logger()->error("{} failed here, moving it | reason={} term={}", config_.name, reason, term);
    // Monitoring ends here; the core's stop follows through stopped().
    ++generation_;
    stop_timers();
    if (failed_) failed_(agent::in::GroupFailed{group_, term, reason, fatal});
}

}  // namespace hacluster::daemon
