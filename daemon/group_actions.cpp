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

void ScriptGroupActions::cancel(std::uint64_t op) {
    auto it = ops_.find(op);
    if (it == ops_.end()) return;
    executors_[it->second]->cancel(op);
}

}  // namespace hacluster::daemon
