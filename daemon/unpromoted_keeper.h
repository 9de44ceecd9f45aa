#pragma once
// Keeps the unpromoted instances of one promotable group running on this node
// (README "Promotable resources"): started after the start-up probe while the
// node may run the group (listed in it, not in standby, not leaving), monitored
// (exit 0 expected: 8 is an unexpected promotion, 7 a stop, anything else a
// failure), restarted in place below max_failures. At max_failures, or when its
// start fails, the instance is stopped (a stopped instance is safe) and the node
// is not ready to be promoted (in::GroupReady) until a later start works; that
// start is retried every retry_delay.
//
// While the group is held here (starting, primary, stopping) the instance is the
// group's promoted one, watched by GroupMonitor: the keeper steps back and takes
// over again once the core released the group (its stop demoted the instance).
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/io.h"
#include "resources/group_executor.h"
#include "resources/uv_handle.h"

namespace hacluster::daemon {

// What the shell wants of the keeper, from the core's view after every step.
struct UnpromotedPlan {
    bool wanted = false;     // the node may run the group: keep an instance running
    bool held_here = false;  // the core holds the group here: the instance is the group's
};

class UnpromotedKeeper {
public:
    using Ready = std::function<void(const agent::in::GroupReady&)>;

    // Between a failed instance and the next try: a broken instance is not
    // restarted in a tight loop, and an operator's fix is picked up soon enough.
    static constexpr std::chrono::seconds retry_delay{10};

    // The loop and the executor must outlive the keeper.
    UnpromotedKeeper(uv_loop_t* loop, resources::GroupExecutor& executor, agent::GroupId group,
                     const agent::GroupConfig& config, std::vector<resources::ResourceConfig> resources);
    ~UnpromotedKeeper();
    UnpromotedKeeper(const UnpromotedKeeper&) = delete;
    UnpromotedKeeper& operator=(const UnpromotedKeeper&) = delete;

    void on_ready(Ready ready) { ready_ = std::move(ready); }
    void plan(UnpromotedPlan plan);

    // For status: stopped, starting, unpromoted, restarting, stopping, failed,
    // promoted (held here).
    const char* state() const;
    std::int64_t fail_count() const { return fail_count_; }

private:
    enum class Phase : std::uint8_t { stopped, starting, running, restarting, stopping, failed, held };
    struct Watch {
        UnpromotedKeeper* owner = nullptr;
        std::size_t index = 0;  // into resources_
        resources::UvHandle<uv_timer_t> timer;
    };

    void update();
    void start(const std::string& reason);
    void stop(const std::string& reason, Phase after);
    void schedule(std::size_t index);
    void check(std::size_t index);
    void on_result(std::size_t index, std::uint64_t generation, const resources::MonitorResult& result);
    void restart(const std::string& reason, bool promoted);
    void give_up(const std::string& reason);
    void report(bool ready, const std::string& reason);
    void stop_timers();
    std::uint64_t run(agent::ScriptAction action, resources::Scope scope, const std::string& reason,
                      std::function<void(const resources::GroupResult&)> done);

    uv_loop_t* loop_;
    resources::GroupExecutor& executor_;
    agent::GroupId group_;
    agent::GroupConfig config_;
    std::vector<resources::ResourceConfig> resources_;  // the promotable ones
    std::vector<std::unique_ptr<Watch>> watches_;
    resources::UvHandle<uv_timer_t> retry_;
    UnpromotedPlan plan_;
    Phase phase_ = Phase::stopped;
    std::uint64_t generation_ = 0;  // bumped whenever the phase changes course
    std::optional<std::uint64_t> op_;  // the keeper's action in flight
    std::int64_t fail_count_ = 0;
    std::optional<bool> reported_;  // the last GroupReady sent
    Ready ready_;
};

}  // namespace hacluster::daemon
