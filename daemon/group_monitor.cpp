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
    fail_counts_.assign(resources_.size(), 0);
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
    fail_counts_.assign(resources_.size(), 0);
    for (std::size_t i = 0; i < resources_.size(); ++i) schedule(i);
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
    if (result.state == resources::ResourceState::running) {
        schedule(index);
        return;
    }
    const resources::ResourceConfig& r = resources_[index];
    const std::int64_t count = ++fail_counts_[index];
    const std::int64_t limit = resources::max_failures(r);
    resources::res_logger()->warn("resource {} of {} is {} | fail_count={}/{} term={}", r.name, config_.name,
                                  resources::to_string(result.state), count, limit, *term_);
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

void GroupMonitor::give_up(const std::string& reason) {
    const agent::Term term = *term_;
    resources::res_logger()->error("{} failed here, moving it | reason={} term={}", config_.name, reason, term);
    // Monitoring ends here; the core's stop follows through stopped().
    ++generation_;
    stop_timers();
    if (failed_) failed_(agent::in::GroupFailed{group_, term, reason});
}

}  // namespace hacluster::daemon
