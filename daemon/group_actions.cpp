#include "daemon/group_actions.h"

namespace hacluster::daemon {

ScriptGroupActions::ScriptGroupActions(uv_loop_t* loop, const DaemonConfig& config, agent::NodeId self)
    : runner_(loop) {
    for (std::size_t g = 0; g < config.cluster.groups.size(); ++g) {
        resources::ExecutorOptions options;
        options.dirs = resources::ScriptDirs::standard();
        // A start cancelled because the lease runs out must be dead well inside the
        // stop budget (design §4.3, A3): a quarter of it for SIGTERM to work, then
        // SIGKILL of the whole process group.
        options.kill_grace = config.cluster.groups[g].stop_timeout / 4;
        kill_grace_.push_back(options.kill_grace);
        resources::GroupInfo info{config.cluster.groups[g].name, config.cluster.nodes[self].name,
                                  config.resources[g]};
        executors_.push_back(std::make_unique<resources::GroupExecutor>(runner_, std::move(info), options));
        monitors_.push_back(std::make_unique<GroupMonitor>(loop, *executors_.back(), static_cast<agent::GroupId>(g),
                                                           config.cluster.groups[g], config.resources[g]));
    }
}

void ScriptGroupActions::run(const agent::out::RunScript& run, Done done) {
    if (run.group >= executors_.size()) return;
    ops_[run.op] = run.group;
    resources::GroupAction action = resources::GroupAction::from(run);
    // A stop queued behind an action being killed starts only after that kill: its
    // own time shrinks by the kill grace, so the whole stays inside the budget.
    if (run.action == agent::ScriptAction::stop && !executors_[run.group]->idle()) {
        action.timeout -= kill_grace_[run.group];
    }
    executors_[run.group]->run(std::move(action),
                               [this, done = std::move(done)](resources::GroupResult result) {
                                   ops_.erase(result.op);
                                   done(result.script_done());
                               });
}

void ScriptGroupActions::watch(agent::GroupId group, std::optional<agent::Term> term) {
    if (group >= monitors_.size()) return;
    if (term) {
        monitors_[group]->running(*term);
    } else {
        monitors_[group]->stopped();
    }
}

void ScriptGroupActions::on_failed(std::function<void(const agent::in::GroupFailed&)> failed) {
    for (auto& m : monitors_) m->on_failed(failed);
}

std::vector<std::int64_t> ScriptGroupActions::fail_counts(agent::GroupId group) const {
    return group < monitors_.size() ? monitors_[group]->fail_counts() : std::vector<std::int64_t>{};
}

void ScriptGroupActions::cancel(std::uint64_t op) {
    auto it = ops_.find(op);
    if (it == ops_.end()) return;
    executors_[it->second]->cancel(op);
}

}  // namespace hacluster::daemon
