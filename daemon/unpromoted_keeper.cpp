#include "daemon/unpromoted_keeper.h"

#include "agent/timing.h"
#include "daemon/group_monitor.h"
#include "resources/res_logger.h"
#include "resources/resource_config.h"

namespace hacluster::daemon {

namespace {

std::uint64_t ms_of(std::chrono::nanoseconds d) { return static_cast<std::uint64_t>(agent::to_ms(d)); }

}  // namespace

UnpromotedKeeper::UnpromotedKeeper(uv_loop_t* loop, resources::GroupExecutor& executor, agent::GroupId group,
                                   const agent::GroupConfig& config,
                                   std::vector<resources::ResourceConfig> resources)
    : loop_(loop), executor_(executor), group_(group), config_(config) {
    for (resources::ResourceConfig& r : resources) {
        if (r.promotable) resources_.push_back(std::move(r));
    }
    for (std::size_t i = 0; i < resources_.size(); ++i) {
        auto w = std::make_unique<Watch>();
        w->owner = this;
        w->index = i;
        w->timer.init(w.get(), [&](uv_timer_t* h) { return uv_timer_init(loop_, h); });
        watches_.push_back(std::move(w));
    }
    retry_.init(this, [&](uv_timer_t* h) { return uv_timer_init(loop_, h); });
}

UnpromotedKeeper::~UnpromotedKeeper() { stop_timers(); }

const char* UnpromotedKeeper::state() const {
    switch (phase_) {
        case Phase::stopped: return "stopped";
        case Phase::starting: return "starting";
        case Phase::running: return "unpromoted";
        case Phase::restarting: return "restarting";
        case Phase::stopping: return "stopping";
        case Phase::failed: return "failed";
        case Phase::held: return "promoted";
    }
    return "unknown";
}

void UnpromotedKeeper::plan(UnpromotedPlan plan) {
    if (plan.wanted == plan_.wanted && plan.held_here == plan_.held_here) return;
    plan_ = plan;
    update();
}

void UnpromotedKeeper::update() {
    if (plan_.held_here) {
        if (phase_ == Phase::held) return;
        // A start or restart of ours still queued or running finishes first (the
        // executor runs one action at a time); its result no longer matters.
        ++generation_;
        stop_timers();
        phase_ = Phase::held;
        return;
    }
    switch (phase_) {
        case Phase::stopped:
        case Phase::held:
            // After the core's stop the instance runs unpromoted (or was stopped
            // when its demote failed): start is idempotent either way.
            if (plan_.wanted) {
                start(phase_ == Phase::held ? "demoted" : "eligible");
            } else if (phase_ == Phase::held) {
                stop("not_eligible", Phase::stopped);
            }
            break;
        case Phase::starting:
        case Phase::running:
        case Phase::restarting:
        case Phase::failed:
            if (!plan_.wanted) stop("not_eligible", Phase::stopped);
            break;
        case Phase::stopping:
            break;  // its end calls update()
    }
}

std::uint64_t UnpromotedKeeper::run(agent::ScriptAction action, resources::Scope scope, const std::string& reason,
                                    std::function<void(const resources::GroupResult&)> done) {
    const std::uint64_t op = next_local_op();
    op_ = op;
    const auto timeout = action == agent::ScriptAction::start ? config_.start_timeout : config_.stop_timeout;
    executor_.run(resources::GroupAction{op, action, 0, reason, timeout, scope},
                  [this, done = std::move(done)](resources::GroupResult result) {
                      if (op_ == result.op) op_.reset();
                      done(result);
                  });
    return op;
}

void UnpromotedKeeper::start(const std::string& reason) {
    ++generation_;
    const std::uint64_t generation = generation_;
    stop_timers();
    phase_ = Phase::starting;
    resources::res_logger()->info("starting the unpromoted instance of {} | reason={}", config_.name, reason);
    run(agent::ScriptAction::start, resources::Scope::unpromoted, reason,
        [this, generation](const resources::GroupResult& result) {
            if (generation != generation_) return;
            if (result.status != agent::ExecStatus::done || result.exit_code != 0) {
                give_up("start_failed_" + result.resource);
                return;
            }
            phase_ = Phase::running;
            fail_count_ = 0;
            report(true, "unpromoted_running");
            for (std::size_t i = 0; i < resources_.size(); ++i) schedule(i);
        });
}

void UnpromotedKeeper::stop(const std::string& reason, Phase after) {
    ++generation_;
    const std::uint64_t generation = generation_;
    stop_timers();
    if (op_) executor_.cancel(*op_);
    phase_ = Phase::stopping;
    report(false, reason);
    resources::res_logger()->info("stopping the unpromoted instance of {} | reason={}", config_.name, reason);
    run(agent::ScriptAction::stop, resources::Scope::unpromoted, reason,
        [this, generation, after](const resources::GroupResult& result) {
            if (generation != generation_) return;
            if (result.status != agent::ExecStatus::done || result.exit_code != 0) {
                resources::res_logger()->error("could not stop the unpromoted instance of {} | resource={} exit={}",
                                               config_.name, result.resource, result.exit_code);
            }
            phase_ = after;
            if (after == Phase::failed && plan_.wanted && !plan_.held_here) {
                uv_timer_start(retry_.get(),
                               [](uv_timer_t* t) noexcept {
                                   auto* self = static_cast<UnpromotedKeeper*>(t->data);
                                   if (self != nullptr && self->phase_ == Phase::failed && self->plan_.wanted &&
                                       !self->plan_.held_here) {
                                       self->start("retry");
                                   }
                               },
                               ms_of(retry_delay), 0);
                return;
            }
            update();
        });
}

void UnpromotedKeeper::give_up(const std::string& reason) {
    resources::res_logger()->error("the unpromoted instance of {} cannot be kept running: this node is not ready "
                                   "to be promoted | reason={} retry_in_s={}",
                                   config_.name, reason, retry_delay.count());
    stop(reason, Phase::failed);
}

void UnpromotedKeeper::report(bool ready, const std::string& reason) {
    if (reported_ == ready) return;
    reported_ = ready;
    if (ready_) ready_(agent::in::GroupReady{group_, ready, reason});
}

void UnpromotedKeeper::stop_timers() {
    for (auto& w : watches_) uv_timer_stop(w->timer.get());
    uv_timer_stop(retry_.get());
}

void UnpromotedKeeper::schedule(std::size_t index) {
    uv_timer_start(watches_[index]->timer.get(),
                   [](uv_timer_t* t) noexcept {
                       auto* w = static_cast<Watch*>(t->data);
                       if (w != nullptr) w->owner->check(w->index);
                   },
                   ms_of(resources::monitor_interval(resources_[index])), 0);
}

void UnpromotedKeeper::check(std::size_t index) {
    if (phase_ != Phase::running) return;
    const std::uint64_t generation = generation_;
    executor_.monitor(resources_[index].name, resources::MonitorRequest{0, resources::Role::standby, "monitor"},
                      [this, index, generation](resources::MonitorResult result) {
                          on_result(index, generation, result);
                      });
}

void UnpromotedKeeper::on_result(std::size_t index, std::uint64_t generation,
                                 const resources::MonitorResult& result) {
    if (generation != generation_ || phase_ != Phase::running) return;
    if (result.state == resources::ResourceState::running) {
        schedule(index);
        return;
    }
    const resources::ResourceConfig& r = resources_[index];
    const bool promoted = result.state == resources::ResourceState::promoted;
    ++fail_count_;
    const std::int64_t limit = resources::max_failures(r);
    resources::res_logger()->warn("unpromoted instance {} of {} is {} | fail_count={}/{}", r.name, config_.name,
                                  promoted ? "promoted, which only the primary may be" : resources::to_string(result.state),
                                  fail_count_, limit);
    if (fail_count_ >= limit) {
        give_up("monitor_failed_" + r.name);
        return;
    }
    restart("restart_" + r.name, promoted);
}

// An unexpected promotion is undone by the group's stop (demote; what is not
// promotable is not running here, and stop is idempotent); anything else by a
// stop of the instances. Then they start again, unpromoted.
void UnpromotedKeeper::restart(const std::string& reason, bool promoted) {
    ++generation_;
    const std::uint64_t generation = generation_;
    stop_timers();
    phase_ = Phase::restarting;
    resources::res_logger()->warn("restarting the unpromoted instance of {} in place | reason={}", config_.name,
                                  reason);
    run(agent::ScriptAction::stop, promoted ? resources::Scope::group : resources::Scope::unpromoted, reason,
        [this, generation, reason](const resources::GroupResult& stopped) {
            if (generation != generation_) return;
            if (stopped.status != agent::ExecStatus::done || stopped.exit_code != 0) {
                give_up("restart_stop_failed_" + stopped.resource);
                return;
            }
            run(agent::ScriptAction::start, resources::Scope::unpromoted, reason,
                [this, generation](const resources::GroupResult& started) {
                    if (generation != generation_) return;
                    if (started.status != agent::ExecStatus::done || started.exit_code != 0) {
                        give_up("restart_failed_" + started.resource);
                        return;
                    }
                    phase_ = Phase::running;
                    for (std::size_t i = 0; i < resources_.size(); ++i) schedule(i);
                });
        });
}

}  // namespace hacluster::daemon
