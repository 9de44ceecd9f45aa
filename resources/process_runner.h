#pragma once
// Runs child processes on a caller-owned libuv loop, the way keepalived's
// notify.c and Pacemaker's executor do (STYLE.md "Child processes"):
//
// - each child leads its own process group (UV_PROCESS_DETACHED: setsid), so the
//   whole tree it starts can be signalled at once;
// - stdin is /dev/null, or ProcessSpec::input (fence agents read their
//   arguments there), stdout and stderr go to one pipe, every other descriptor
//   is closed at exec, and the environment is exactly ProcessSpec::env;
// - on timeout (or cancel) the group gets SIGTERM, then after kill_grace SIGKILL;
//   the result is reported once the leader has exited and the group is either
//   empty or has been sent SIGKILL, so no part of the tree is still being asked
//   to stop when the caller hears about it;
// - how the child ended (agent::ExecStatus) is kept apart from its exit code.
//
// Every result is delivered from the loop, never from inside run() or cancel():
// the caller is never re-entered while it is in the middle of its own update.
#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/io.h"
#include "resources/uv_handle.h"

namespace hacluster::resources {

struct ProcessSpec {
    std::vector<std::string> argv;  // argv[0] is the program (absolute path, or found through env's PATH)
    std::vector<std::string> env;   // "K=V" entries; nothing is inherited from the daemon
    std::string cwd = "/";          // never the daemon's own working directory
    std::chrono::nanoseconds timeout = std::chrono::seconds(20);  // Pacemaker's default operation timeout
    std::chrono::nanoseconds kill_grace = std::chrono::seconds(2);  // time to clean up after SIGTERM
    std::size_t output_limit = 4096;  // a screenful of diagnostics; more goes only to the count
    // Written to the child's stdin before it starts, then end of file. Bounded by
    // max_input so that it always fits in the pipe without blocking the loop.
    std::string input;
};

inline constexpr std::size_t max_input = 4096;  // POSIX's smallest pipe capacity (PIPE_BUF)

struct ProcessResult {
    agent::ExecStatus status = agent::ExecStatus::done;
    // The exit status when the process exited (also after a timeout if it exited
    // on its own after SIGTERM); -1 when it died of a signal or never ran, so it
    // can never read as success.
    int exit_code = -1;
    int term_signal = 0;  // the signal that ended it, 0 when it exited
    // stdout and stderr together, bounded (BoundedOutput); for spawn_failed the
    // reason it did not start.
    std::string output;
    std::chrono::nanoseconds duration{};  // from spawn to the result
};

using ProcessId = std::uint64_t;
// Called exactly once per run(), from the loop. It may call run() and cancel().
using OnProcessDone = std::function<void(ProcessId id, ProcessResult result)>;

class ProcessRunner {
public:
    // Children at once: a bound on processes, pipes and timers. A daemon runs one
    // action per group (64 groups at most) plus monitors.
    static constexpr std::size_t max_processes = 64;

    // The loop must outlive the runner; after the runner is destroyed, run the loop
    // until the handles it closed are freed (uv_loop_close then succeeds).
    explicit ProcessRunner(uv_loop_t* loop);
    // Sends SIGKILL to the group of every child still running and closes the
    // handles; results not yet delivered are dropped (on_done is not called).
    ~ProcessRunner();
    ProcessRunner(const ProcessRunner&) = delete;
    ProcessRunner& operator=(const ProcessRunner&) = delete;

    // Starts a child. A child that cannot start (missing or non-executable
    // program, bad cwd, max_processes reached) is reported as spawn_failed with
    // the reason in output, also from the loop.
    ProcessId run(ProcessSpec spec, OnProcessDone on_done);

    // Asks a running child to stop: SIGTERM to its group, SIGKILL after its grace;
    // it is then reported as cancelled (unless it had already timed out). False
    // when the id is not running (unknown, or ended and waiting to be reported).
    bool cancel(ProcessId id);
    // SIGKILL to the child's group now, no grace (design §4.8: a stop that cannot
    // be confirmed before the lease ends); reported as cancelled unless it had
    // already timed out. False when the id is not running.
    bool kill_now(ProcessId id);

    // Runs fn from the loop on its next iteration (never from inside the caller);
    // dropped if the runner is destroyed first. For callers that need to report
    // their own results the same way (GroupExecutor).
    void defer(std::function<void()> fn);

    std::size_t running() const { return running_.size(); }

    // Told the process group of every child when it starts (true) and when it has
    // been reaped (false): the daemon's supervisor kills what is still running if
    // the daemon dies or freezes (daemon/supervisor.h).
    using GroupObserver = std::function<void(int pgid, bool running)>;
    void observe_groups(GroupObserver observer) { observer_ = std::move(observer); }
    uv_loop_t* loop() const { return loop_; }

private:
    struct Child;

    void on_exit(Child& child, std::int64_t exit_status, int term_signal) noexcept;
    void on_timer(Child& child) noexcept;
    void on_read(Child& child, ssize_t nread, const uv_buf_t* buf) noexcept;
    void begin_kill(Child& child, agent::ExecStatus reason) noexcept;
    void finish(Child& child) noexcept;
    void schedule_delivery() noexcept;
    void deliver() noexcept;
    ProcessId fail(ProcessId id, std::string reason, OnProcessDone on_done);

    uv_loop_t* loop_;
    GroupObserver observer_;
    ProcessId next_id_ = 1;
    std::map<ProcessId, std::unique_ptr<Child>> running_;
    std::vector<std::unique_ptr<Child>> finished_;  // ended, waiting for delivery
    std::vector<std::function<void()>> deferred_;
    UvHandle<uv_idle_t> delivery_;  // delivers results and deferred calls next iteration
    std::shared_ptr<bool> alive_;   // false once destroyed (on_done may destroy the runner)
    char read_buffer_[16384];       // one read at a time on the loop thread
};

}  // namespace hacluster::resources
