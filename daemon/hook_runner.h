#pragma once
// Runs the notify hooks (README "Notify hooks") on the daemon's loop: every hook
// has its own FIFO queue and runs one event at a time, in the order the events
// happened; hooks never wait for each other, and nothing here ever waits for a
// hook: notify() only queues. A run past its timeout has its process group
// killed, and the next event goes on. A queue that is full drops its oldest event
// and says so; HACLUSTER_SEQUENCE lets the hook see the gap too.
#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "daemon/config_loader.h"
#include "daemon/hook_events.h"
#include "resources/process_runner.h"

namespace hacluster::daemon {

struct HookRunnerOptions {
    // Events waiting per hook: a burst of transitions (a whole cluster going down)
    // is a few dozen; a thousand means the hook is stuck, and memory stays bounded.
    std::size_t queue_limit = 1000;
    // After SIGTERM at the timeout: a notifier has nothing of ours to clean up.
    std::chrono::nanoseconds kill_grace = std::chrono::milliseconds(500);
};

class HookRunner {
public:
    HookRunner(uv_loop_t* loop, std::vector<HookConfig> hooks, HookRunnerOptions options = {});
    // Kills what still runs; queued events are dropped.
    ~HookRunner();
    HookRunner(const HookRunner&) = delete;
    HookRunner& operator=(const HookRunner&) = delete;

    // Queues the event for every hook that wants it; starts a run where none is
    // in progress (the process starts from the loop, never inside this call).
    void notify(const HookEvent& event);

    // A reloaded config: hooks whose settings did not change keep their queue and
    // their run; the others finish the run in progress and get nothing more.
    void replace(std::vector<HookConfig> hooks);

    // Per configured hook (config order): events waiting, and events dropped so far.
    std::size_t queued(std::size_t hook) const;
    std::uint64_t dropped(std::size_t hook) const;
    // True when no hook has a run in progress or an event waiting.
    bool idle() const;

private:
    struct Hook {
        HookConfig config;
        std::deque<HookEvent> queue;
        bool running = false;
        bool retired = false;  // removed by a reload
        std::uint64_t dropped = 0;
    };

    void start_next(std::shared_ptr<Hook> hook);
    void finished(const std::shared_ptr<Hook>& hook, const HookEvent& event,
                  const resources::ProcessResult& result);

    HookRunnerOptions options_;
    std::vector<std::shared_ptr<Hook>> hooks_;
    std::vector<std::shared_ptr<Hook>> retired_;  // finishing a run after a reload
    resources::ProcessRunner runner_;  // declared last: destroyed (children killed) first
};

}  // namespace hacluster::daemon
