#pragma once
// The daemon's GroupActions on top of the resource layer: one GroupExecutor and
// one GroupMonitor per group, all sharing one ProcessRunner on the daemon's loop.
#include <map>
#include <memory>
#include <vector>

#include "daemon/config_loader.h"
#include "daemon/daemon_shell.h"
#include "daemon/group_monitor.h"
#include "daemon/unpromoted_keeper.h"
#include "resources/group_executor.h"
#include "resources/process_runner.h"

namespace hacluster::daemon {

class ScriptGroupActions final : public GroupActions {
public:
    ScriptGroupActions(uv_loop_t* loop, const DaemonConfig& config, agent::NodeId self);
    void run(const agent::out::RunScript& run, Done done) override;
    void cancel(std::uint64_t op) override;
    void kill_now(agent::GroupId group) override;
    void watch(agent::GroupId group, std::optional<agent::Term> term) override;
    void on_failed(std::function<void(const agent::in::GroupFailed&)> failed) override;
    std::vector<std::int64_t> fail_counts(agent::GroupId group) const override;
    void keep_unpromoted(agent::GroupId group, UnpromotedPlan plan) override;
    void on_ready(std::function<void(const agent::in::GroupReady&)> ready) override;
    std::optional<std::string> unpromoted_state(agent::GroupId group) const override;
    void probe(Probed done) override;
    // Every script's process group as it starts and ends (ProcessRunner::observe_groups).
    void observe_groups(resources::ProcessRunner::GroupObserver observer) {
        runner_.observe_groups(std::move(observer));
    }
    void cleanup(agent::GroupId group, Done done) override;
    void probe_group(agent::GroupId group, std::function<void(bool found)> done) override;
    void clear_fail_counts(agent::GroupId group) override;
    void validate_all() override;
    std::vector<std::string> validations(agent::GroupId group) const override;

private:
    resources::ProcessRunner runner_;
    std::vector<std::unique_ptr<resources::GroupExecutor>> executors_;  // per group
    std::vector<std::unique_ptr<GroupMonitor>> monitors_;  // per group; after executors_: destroyed first
    std::vector<std::unique_ptr<UnpromotedKeeper>> keepers_;  // per group; null unless promotable
    std::map<std::uint64_t, agent::GroupId> ops_;
    std::vector<std::chrono::nanoseconds> kill_grace_;  // per group
    std::vector<agent::Duration> stop_timeout_;         // per group
    std::vector<bool> eligible_;                        // per group: this node is in its nodes
};

}  // namespace hacluster::daemon
