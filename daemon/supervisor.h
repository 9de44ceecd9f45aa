#pragma once
// The supervisor (docs/design.md §8): a child process that haclusterd forks before
// its event loop exists. It keeps no core and no sockets. It learns from the daemon
// which groups run here and until when they may run (out::Guard), and stops a
// group itself when
//
// - the guard's stop_at has come and the daemon is gone (its pipe closed: killed,
//   crashed, exited) or showed no sign of life for longer than the silence limit
//   (frozen: SIGSTOP, a hang, a machine paused under it).
//
// Until then a daemon that is gone may be followed by a new one on the same state
// dir, which takes the groups over (daemon/handover.h): they never stop.
//
// A daemon that is alive stops its own groups at stop_at (design §4.3); the
// supervisor only checks. Every stop it makes is reported ("begun", then "done"
// once the stop succeeded) so that the core, when it runs again, holds the group
// in `stopping` until the supervisor is done. A failed stop is retried (backing
// off to a second) until it succeeds, however long that takes.
// It exits when the daemon is gone and none of its stops is left.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "agent/types.h"
#include "daemon/config_loader.h"

namespace hacluster::daemon {

struct SupervisorSetup {
    DaemonConfig config;
    agent::NodeId self = 0;
    int guard_fd = -1;   // read end: guards from the daemon
    int report_fd = -1;  // write end: reports to the daemon
    // The daemon's last sign of life, uv_hrtime() nanoseconds, in memory shared
    // with it (no syscall and no wakeup per tick).
    const std::atomic<std::uint64_t>* beat = nullptr;
    // Longer than this without a beat at stop_at: the daemon is frozen. A tick
    // plus a little: a live daemon beats every tick, and its own stop begins within
    // a tick of stop_at (the stop lead has that tick); the little is what the
    // lease margin must cover (design §8).
    std::chrono::nanoseconds silence_limit{};
    // The daemon's process: its scripts are killed before a stop only when it is
    // gone or stopped (SIGSTOP), never when it is merely late and may be stopping
    // the group itself (0: unknown, treated as stopped).
    int daemon_pid = 0;
    // The state-dir lock (daemon/node_files.h), handed to a successor with the
    // groups (daemon/handover.h); and where the successor asks. Empty: no handover.
    int lock_fd = -1;
    std::string handover_path;
};

// Runs the supervisor on a loop of its own; returns the process exit code.
int run_supervisor(const SupervisorSetup& setup);

}  // namespace hacluster::daemon
