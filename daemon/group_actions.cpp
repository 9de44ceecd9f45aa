#include "daemon/group_actions.h"

#include <algorithm>

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
        stop_timeout_.push_back(config.cluster.groups[g].stop_timeout);
        const std::vector<std::string>& members = config.cluster.groups[g].nodes;
        eligible_.push_back(std::find(members.begin(), members.end(), config.cluster.nodes[self].name) !=
                            members.end());
        resources::GroupInfo info{config.cluster.groups[g].name, config.cluster.nodes[self].name,
                                  config.resources[g]};
        executors_.push_back(std::make_unique<resources::GroupExecutor>(runner_, std::move(info), options));
        monitors_.push_back(std::make_unique<GroupMonitor>(loop, *executors_.back(), static_cast<agent::GroupId>(g),
                                                           config.cluster.groups[g], config.resources[g]));
        keepers_.push_back(config.cluster.groups[g].promotable
                               ? std::make_unique<UnpromotedKeeper>(loop, *executors_.back(),
                                                                    static_cast<agent::GroupId>(g),
                                                                    config.cluster.groups[g], config.resources[g])
                               : nullptr);
    }
}

void ScriptGroupActions::keep_unpromoted(agent::GroupId group, UnpromotedPlan plan) {
    if (group < keepers_.size() && keepers_[group]) keepers_[group]->plan(plan);
}

void ScriptGroupActions::on_ready(std::function<void(const agent::in::GroupReady&)> ready) {
    for (auto& k : keepers_) {
        if (k) k->on_ready(ready);
    }
}

std::optional<std::string> ScriptGroupActions::unpromoted_state(agent::GroupId group) const {
    if (group >= keepers_.size() || !keepers_[group]) return std::nullopt;
    return std::string(keepers_[group]->state());
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

void ScriptGroupActions::validate_all() {
    for (std::size_t g = 0; g < executors_.size(); ++g) {
        if (eligible_[g]) executors_[g]->validate();
    }
}

std::vector<std::string> ScriptGroupActions::validations(agent::GroupId group) const {
    std::vector<std::string> out;
    if (group >= executors_.size()) return out;
    for (std::size_t i = 0; i < executors_[group]->info().resources.size(); ++i) {
        const auto v = executors_[group]->validation(i);
        out.push_back(!v ? std::string() : v->ok() ? std::string("ok")
                                                     : v->status == agent::ExecStatus::done
                                                           ? "failed (exit " + std::to_string(v->exit_code) + ")"
                                                           : std::string("failed (") + agent::to_string(v->status) + ")");
    }
    return out;
}

void ScriptGroupActions::probe(Probed done) {
    struct Pending {
        std::vector<bool> found;
        std::size_t left = 0;
        Probed done;
    };
    auto pending = std::make_shared<Pending>();
    pending->found.assign(executors_.size(), false);
    pending->done = std::move(done);
    for (const auto& e : executors_) pending->left += e->info().resources.size();
    // validate-all runs with the probe, so the node joins with its agents checked
    // and no start has to run it (issue 9: it cost 217 ms of every failover).
    for (std::size_t g = 0; g < executors_.size(); ++g) {
        if (!eligible_[g]) continue;
        ++pending->left;
        executors_[g]->validate([pending] {
            if (--pending->left == 0) pending->done(pending->found);
        });
    }
    if (pending->left == 0) {
        runner_.defer([pending] { pending->done(pending->found); });
        return;
    }
    for (std::size_t g = 0; g < executors_.size(); ++g) {
        for (const resources::ResourceConfig& r : executors_[g]->info().resources) {
            executors_[g]->monitor(r.name, resources::MonitorRequest{0, resources::Role::standby, "probe"},
                                   [pending, g, promotable = r.promotable](resources::MonitorResult result) {
                                       // An unpromoted instance is not the group: it
                                       // runs on every eligible node.
                                       const bool idle = result.state == resources::ResourceState::stopped ||
                                                         (promotable && result.state ==
                                                                            resources::ResourceState::running);
                                       if (!idle) pending->found[g] = true;
                                       if (--pending->left == 0) pending->done(pending->found);
                                   });
        }
    }
}

void ScriptGroupActions::cleanup(agent::GroupId group, Done done) {
    if (group >= executors_.size()) return;
    resources::GroupAction action{next_local_op(), agent::ScriptAction::stop, 0, "not_primary_here",
                                  stop_timeout_[group]};
    executors_[group]->run(std::move(action), [done = std::move(done)](resources::GroupResult result) {
        done(result.script_done());
    });
}

void ScriptGroupActions::probe_group(agent::GroupId group, std::function<void(bool found)> done) {
    if (group >= executors_.size()) return;
    struct Pending {
        bool found = false;
        std::size_t left = 0;
        std::function<void(bool)> done;
    };
    auto pending = std::make_shared<Pending>();
    pending->done = std::move(done);
    pending->left = executors_[group]->info().resources.size();
    if (pending->left == 0) {
        runner_.defer([pending] { pending->done(false); });
        return;
    }
    for (const resources::ResourceConfig& r : executors_[group]->info().resources) {
        executors_[group]->monitor(r.name, resources::MonitorRequest{0, resources::Role::standby, "probe"},
                                   [pending](resources::MonitorResult result) {
                                       if (result.state != resources::ResourceState::stopped) pending->found = true;
                                       if (--pending->left == 0) pending->done(pending->found);
                                   });
    }
}

void ScriptGroupActions::clear_fail_counts(agent::GroupId group) {
    if (group < monitors_.size()) monitors_[group]->clear_fail_counts();
}

void ScriptGroupActions::kill_now(agent::GroupId group) {
    if (group < executors_.size()) executors_[group]->kill_now();
}

void ScriptGroupActions::cancel(std::uint64_t op) {
    auto it = ops_.find(op);
    if (it == ops_.end()) return;
    executors_[it->second]->cancel(op);
}

}  // namespace hacluster::daemon
