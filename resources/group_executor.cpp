#include "resources/group_executor.h"

#include <uv.h>

#include <algorithm>
#include <string_view>
#include <utility>

#include "agent/assert.h"
#include "resources/ocf_class.h"

namespace hacluster::resources {

using agent::ExecStatus;
using agent::ScriptAction;

namespace {

std::int64_t ms(std::chrono::nanoseconds d) { return agent::to_ms(d); }

std::chrono::nanoseconds since(std::uint64_t start_ns) {
    return std::chrono::nanoseconds(uv_hrtime() - start_ns);
}

// How a run ended, for a log line: its exit code, or the signal that ended it.
std::string ending(const ProcessResult& r) {
    if (r.term_signal != 0) return "signal=" + std::to_string(r.term_signal);
    return "exit=" + std::to_string(r.exit_code);
}

// The word a log line uses for how a script run ended.
const char* outcome(const ProcessResult& r) {
    if (r.status == ExecStatus::done) return r.exit_code == ocf_success ? "ok" : "failed";
    return agent::to_string(r.status);
}

}  // namespace

GroupAction GroupAction::from(const agent::out::RunScript& run) {
    return GroupAction{run.op, run.action, run.term, run.reason, run.timeout, Scope::group};
}

GroupExecutor::GroupExecutor(ProcessRunner& runner, GroupInfo group, ExecutorOptions options)
    : runner_(runner), group_(std::move(group)), options_(std::move(options)), logger_(res_logger()) {}

GroupExecutor::~GroupExecutor() {
    alive_.reset();
    if (current_ && current_->child) runner_.cancel(*current_->child);
    for (const auto& [name, id] : monitors_) runner_.cancel(id);
}

void GroupExecutor::defer(std::function<void()> fn) {
    runner_.defer([alive = std::weak_ptr<int>(alive_), fn = std::move(fn)] {
        if (alive.lock()) fn();
    });
}

void GroupExecutor::run(GroupAction action, OnGroupDone on_done) {
    if (current_ && queue_.size() >= max_queued) {
        GroupResult refused{action.op, action.action, ExecStatus::spawn_failed, -1, "",
                            "too many queued actions for group " + group_.group, {}};
        logger_->error("{} of group {} refused | op={} reason=queue_full queued={}",
                       to_string(to_resource_action(action.action)), group_.group, action.op,
                       queue_.size());
        defer([on_done = std::move(on_done), refused = std::move(refused)] { on_done(refused); });
        return;
    }
    Action a;
    a.request = std::move(action);
    a.on_done = std::move(on_done);
    if (current_) {
        queue_.push_back(std::move(a));
        return;
    }
    current_ = std::move(a);
    defer([this] { begin(); });
}

bool GroupExecutor::cancel(std::uint64_t op) {
    if (current_ && current_->request.op == op) {
        if (!current_->cancel_requested) {
            current_->cancel_requested = true;
            // If the child already ended, its result is on its way and the flag
            // decides; if the action has not begun, begin() sees the flag.
            if (current_->child) runner_.cancel(*current_->child);
        }
        return true;
    }
    const auto it = std::find_if(queue_.begin(), queue_.end(),
                                 [op](const Action& a) { return a.request.op == op; });
    if (it == queue_.end()) return false;
    GroupResult result{op, it->request.action, ExecStatus::cancelled, -1, "", "cancelled before it began", {}};
    defer([on_done = std::move(it->on_done), result = std::move(result)] { on_done(result); });
    queue_.erase(it);
    return true;
}

void GroupExecutor::kill_now() {
    if (current_) {
        current_->cancel_requested = true;
        if (current_->child) runner_.kill_now(*current_->child);
    }
    for (const auto& [resource, child] : monitors_) runner_.kill_now(child);
}

void GroupExecutor::begin() {
    HA_ASSERT(current_ && !current_->begun);
    Action& a = *current_;
    a.begun = true;
    a.begin_ns = uv_hrtime();
    a.deadline_ns = a.begin_ns + static_cast<std::uint64_t>(std::max<std::int64_t>(a.request.timeout.count(), 0));
    a.plan = plan_for(a.request);
    if (a.request.action == ScriptAction::start) {
        for (const Step& step : a.plan) {
            const auto v = validation(step.index);
            if (step.action != ResourceAction::start || !v || v->ok()) continue;
            // Known to fail (validate-all ahead of time): fail now, run nothing,
            // and validate again for the next start.
            const ResourceConfig& r = group_.resources[step.index];
            logger_->error("start of group {} refused: validate-all of {} failed | status={} exit={} term={}",
                           group_.group, r.name, agent::to_string(v->status), v->exit_code, a.request.term);
            a.failure = GroupResult{a.request.op, a.request.action, v->status, v->exit_code, r.name,
                                    "validate-all failed", {}};
            a.plan.clear();
            validate();
            break;
        }
    }
    advance();
}

bool GroupExecutor::Validation::ok() const {
    return status == ExecStatus::done && (exit_code == ocf_success || exit_code == ocf_unimplemented);
}

std::optional<GroupExecutor::Validation> GroupExecutor::validation(std::size_t resource) const {
    const auto it = validations_.find(resource);
    if (it == validations_.end()) return std::nullopt;
    return it->second;
}

void GroupExecutor::validate(std::function<void()> on_done) {
    if (on_done) validated_callbacks_.push_back(std::move(on_done));
    const auto all_done = [this] {
        if (!validating_.empty()) return;
        for (auto& callback : std::exchange(validated_callbacks_, {})) callback();
    };
    for (std::size_t i = 0; i < group_.resources.size(); ++i) {
        const ResourceConfig& r = group_.resources[i];
        if (!is_ocf_agent(r.agent) || validating_.contains(i)) continue;
        const ScriptContext context{group_.group, group_.node, 0, "validate", Role::standby};
        auto made = script_spec(r, ResourceAction::validate, context, options_.dirs);
        if (auto* error = std::get_if<std::string>(&made)) {
            logger_->error("validate-all of {} not run | group={} error=\"{}\"", r.name, group_.group, printable(*error));
            validations_[i] = Validation{ExecStatus::spawn_failed, -1};
            continue;
        }
        ProcessSpec spec = std::move(std::get<ProcessSpec>(made));
        spec.kill_grace = options_.kill_grace;
        spec.output_limit = options_.output_limit;
        validating_.insert(i);
        runner_.run(std::move(spec), [this, alive = std::weak_ptr<int>(alive_), i, all_done](ProcessId, ProcessResult res) {
            if (!alive.lock()) return;
            validating_.erase(i);
            const Validation v{res.status, res.exit_code};
            validations_[i] = v;
            const ResourceConfig& resource = group_.resources[i];
            if (v.ok()) {
                logger_->info("validate-all of {} ok | group={} exit={} ms={}", resource.name, group_.group,
                              res.exit_code, ms(res.duration));
            } else {
                logger_->error("validate-all of {} failed: this node cannot start group {} | status={} {} ms={}",
                               resource.name, group_.group, agent::to_string(res.status), ending(res),
                               ms(res.duration));
            }
            log_output(resource.name, ResourceAction::validate, res, !v.ok());
            all_done();
        });
    }
    if (validating_.empty()) defer(all_done);
}

std::deque<GroupExecutor::Step> GroupExecutor::plan_for(const GroupAction& action) const {
    const std::vector<ResourceConfig>& rs = group_.resources;
    const std::size_t n = rs.size();
    std::deque<Step> plan;
    const auto each = [&](bool forward, auto&& want, ResourceAction what) {
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t i = forward ? k : n - 1 - k;
            if (!want(rs[i])) continue;
            plan.push_back({i, what});
        }
    };
    const auto promotable = [](const ResourceConfig& r) { return r.promotable; };
    const auto plain = [](const ResourceConfig& r) { return !r.promotable; };
    const bool start = action.action == ScriptAction::start;
    if (action.scope == Scope::unpromoted) {
        each(start, promotable, start ? ResourceAction::start : ResourceAction::stop);
    } else if (start) {
        // What follows a promotable resource depends on its promoted role.
        each(true, promotable, ResourceAction::start);
        each(true, promotable, ResourceAction::promote);
        each(true, plain, ResourceAction::start);
    } else {
        each(false, plain, ResourceAction::stop);
        each(false, promotable, ResourceAction::demote);
    }
    return plan;
}

// Undo what a failed start did, newest first: a promotion is demoted, a start
// stopped, except the unpromoted instance a group start found or left running
// (it is the standby instance, not the group's).
std::deque<GroupExecutor::Step> GroupExecutor::rollback_for(const Action& a, const Step& failed) const {
    std::deque<Step> plan;
    for (auto it = a.done.rbegin(); it != a.done.rend(); ++it) {
        const bool standby_instance = group_.resources[it->index].promotable && a.request.scope == Scope::group;
        if (it->action == ResourceAction::promote) {
            plan.push_back({it->index, ResourceAction::demote});
        } else if (it->action == ResourceAction::start &&
                   !(standby_instance && !(it->index == failed.index && it->action == failed.action))) {
            plan.push_back({it->index, ResourceAction::stop});
        }
    }
    return plan;
}

void GroupExecutor::advance() {
    // Steps that fail without running (lookup errors) are handled in this loop, not
    // by recursion.
    for (;;) {
        Action& a = *current_;
        if (a.cancel_requested || a.plan.empty()) {
            finish();
            return;
        }
        const Step step = a.plan.front();
        a.last_step = step;
        const ResourceConfig& resource = group_.resources[step.index];
        const bool primary = step.action == ResourceAction::promote ||
                             (step.action == ResourceAction::start && !resource.promotable);
        const ScriptContext context{group_.group, group_.node, a.request.term, a.request.reason,
                                    primary ? Role::primary : Role::standby};
        auto made = script_spec(resource, step.action, context, options_.dirs);
        if (auto* error = std::get_if<std::string>(&made)) {
            ProcessResult failed;
            failed.status = ExecStatus::spawn_failed;
            failed.output = std::move(*error);
            if (!on_step_done(step, failed)) return;
            continue;
        }
        const std::uint64_t now = uv_hrtime();
        if (now >= a.deadline_ns) {
            out_of_time(step);
            return;
        }
        ProcessSpec spec = std::move(std::get<ProcessSpec>(made));
        const std::chrono::nanoseconds left(a.deadline_ns - now);
        a.child_limited_by_budget = left <= spec.timeout;
        spec.timeout = std::min(spec.timeout, left);
        spec.kill_grace = options_.kill_grace;
        spec.output_limit = options_.output_limit;
        a.child = runner_.run(std::move(spec), [this, alive = std::weak_ptr<int>(alive_), step](
                                                   ProcessId, ProcessResult result) {
            if (!alive.lock()) return;
            HA_ASSERT(current_ && current_->child);
            current_->child.reset();
            if (on_step_done(step, result)) advance();
        });
        return;
    }
}

bool GroupExecutor::on_step_done(const Step& step, const ProcessResult& result) {
    Action& a = *current_;
    log_step(a, step, result);
    if (a.cancel_requested) {
        finish();
        return false;
    }
    a.plan.pop_front();
    a.done.push_back(step);
    const ResourceConfig& resource = group_.resources[step.index];
    const bool budget_spent = result.status == ExecStatus::timed_out && a.child_limited_by_budget;
    a.child_limited_by_budget = false;
    if (!succeeded(result) && step.action == ResourceAction::demote && !budget_spent) {
        // Not promoted any more is what a stop guarantees too (README "Promotable
        // resources"); the standby instance is started again by its keeper.
        logger_->warn("demote of {} failed; stopping it instead | group={} term={}", resource.name,
                      group_.group, a.request.term);
        a.plan.push_front({step.index, ResourceAction::stop});
        return true;
    }
    if (!succeeded(result)) {
        if (!a.failure) {
            a.failure = GroupResult{a.request.op, a.request.action, result.status, result.exit_code,
                                    resource.name, result.status == ExecStatus::spawn_failed ? result.output : "",
                                    {}};
        }
        const bool starting = step.action == ResourceAction::start || step.action == ResourceAction::promote;
        if (starting && !a.rolling_back && !budget_spent) {
            a.rolling_back = true;
            a.plan = rollback_for(a, step);
            logger_->warn("start of group {} failed at {}; undoing {} step(s) in reverse order | term={}",
                          group_.group, resource.name, a.plan.size(), a.request.term);
        }
    }
    if (budget_spent) {
        a.ran_out_at = resource.name;
        finish();
        return false;
    }
    return true;
}

void GroupExecutor::out_of_time(const Step& step) {
    Action& a = *current_;
    const std::string& name = group_.resources[step.index].name;
    a.ran_out_at = name;
    if (!a.failure && a.request.action == ScriptAction::start) {
        a.failure = GroupResult{a.request.op, a.request.action, ExecStatus::timed_out, -1, name,
                                "the action's time ran out before " + name, {}};
    }
    finish();
}

void GroupExecutor::finish() {
    Action a = std::move(*current_);
    current_.reset();
    const char* verb = to_string(to_resource_action(a.request.action));

    GroupResult result{a.request.op, a.request.action, ExecStatus::done, 0, "", "", {}};
    if (a.cancel_requested) {
        result.status = ExecStatus::cancelled;
        result.exit_code = -1;
        if (a.last_step) result.resource = group_.resources[a.last_step->index].name;
    } else if (a.request.action == ScriptAction::stop && a.ran_out_at) {
        // Not every resource could be attempted: the group's state is unknown.
        result.status = ExecStatus::timed_out;
        result.exit_code = -1;
        result.resource = *a.ran_out_at;
    } else if (a.failure) {
        result = *a.failure;
    }
    result.duration = a.begun ? since(a.begin_ns) : std::chrono::nanoseconds{};

    if (a.rolling_back && a.ran_out_at) {
        logger_->error("rollback of group {} cut short: time ran out at {} | term={}", group_.group,
                       *a.ran_out_at, a.request.term);
    }
    if (succeeded(result.status, result.exit_code)) {
        logger_->info("{} of group {} ok | term={} resources={} ms={}", verb, group_.group, a.request.term,
                      group_.resources.size(), ms(result.duration));
    } else {
        const spdlog::level::level_enum level =
            result.status == ExecStatus::cancelled ? spdlog::level::warn : spdlog::level::err;
        logger_->log(level, "{} of group {} {} | term={} resource={} exit={} ms={}", verb, group_.group,
                     result.status == ExecStatus::done ? "failed" : agent::to_string(result.status),
                     a.request.term, result.resource, result.exit_code, ms(result.duration));
    }

    start_next_queued();
    // Last: the callback may destroy this executor.
    if (a.on_done) a.on_done(std::move(result));
}

void GroupExecutor::start_next_queued() {
    if (queue_.empty()) return;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    defer([this] { begin(); });
}

void GroupExecutor::monitor(const std::string& name, MonitorRequest request, OnMonitorDone on_done) {
    const auto refuse = [&](std::string why) {
        logger_->warn("monitor {} refused | group={} error=\"{}\"", name, group_.group, printable(why));
        MonitorResult result{name, ResourceState::failed, ExecStatus::spawn_failed, -1, std::move(why), {}};
        defer([on_done = std::move(on_done), result = std::move(result)] { on_done(result); });
    };
    const auto it = std::find_if(group_.resources.begin(), group_.resources.end(),
                                 [&](const ResourceConfig& r) { return r.name == name; });
    if (it == group_.resources.end()) {
        refuse("no resource " + name + " in group " + group_.group);
        return;
    }
    if (monitors_.contains(name)) {
        refuse("a monitor of " + name + " is already running");
        return;
    }
    const ScriptContext context{group_.group, group_.node, request.term, request.reason, request.role};
    auto made = script_spec(*it, ResourceAction::monitor, context, options_.dirs);
    if (auto* error = std::get_if<std::string>(&made)) {
        refuse(std::move(*error));
        return;
    }
    ProcessSpec spec = std::move(std::get<ProcessSpec>(made));
    spec.kill_grace = options_.kill_grace;
    spec.output_limit = options_.output_limit;
    const agent::Term term = request.term;
    const ProcessId id = runner_.run(
        std::move(spec), [this, alive = std::weak_ptr<int>(alive_), name, term, agent_name = it->agent,
                          on_done = std::move(on_done)](ProcessId, ProcessResult r) {
            if (!alive.lock()) return;
            monitors_.erase(name);
            const ResourceState state = monitor_state(r, agent_name);
            if (state == ResourceState::failed) {
                logger_->warn("monitor {} failed | group={} term={} status={} {} ms={}", name, group_.group,
                              term, agent::to_string(r.status), ending(r), ms(r.duration));
            } else {
                logger_->debug("monitor {} {} | group={} term={} ms={}", name, to_string(state), group_.group,
                               term, ms(r.duration));
            }
            log_output(name, ResourceAction::monitor, r, state == ResourceState::failed);
            MonitorResult result{name, state, r.status, r.exit_code,
                                 r.status == ExecStatus::spawn_failed ? r.output : "", r.duration};
            if (on_done) on_done(std::move(result));
        });
    monitors_.emplace(name, id);
}

void GroupExecutor::log_step(const Action& a, const Step& step, const ProcessResult& r) const {
    const std::string& name = group_.resources[step.index].name;
    const char* action = to_string(step.action);
    const bool ok = succeeded(r) || (step.action == ResourceAction::validate && r.status == ExecStatus::done &&
                                     r.exit_code == ocf_unimplemented);
    if (ok) {
        logger_->info("{} {} ok | group={} term={} ms={}", action, name, group_.group, a.request.term,
                      ms(r.duration));
    } else if (r.status == ExecStatus::spawn_failed) {
        logger_->error("{} {} spawn_failed | group={} term={} error=\"{}\"", action, name, group_.group,
                       a.request.term, printable(r.output));
    } else {
        // A cancel is the core's decision, not trouble in itself.
        const spdlog::level::level_enum level =
            r.status == ExecStatus::cancelled ? spdlog::level::warn : spdlog::level::err;
        logger_->log(level, "{} {} {} | group={} term={} {} ms={}", action, name, outcome(r), group_.group,
                     a.request.term, ending(r), ms(r.duration));
    }
    if (r.status != ExecStatus::spawn_failed) log_output(name, step.action, r, !ok);
}

void GroupExecutor::log_output(const std::string& resource, ResourceAction action, const ProcessResult& r,
                               bool failed) const {
    if (r.status == ExecStatus::spawn_failed) return;  // output holds the reason, logged already
    const spdlog::level::level_enum level = failed ? spdlog::level::warn : spdlog::level::debug;
    if (!logger_->should_log(level)) return;
    std::string_view text = r.output;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        if (!line.empty()) logger_->log(level, "{} {}: {}", resource, to_string(action), printable(line));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
}

}  // namespace hacluster::resources
