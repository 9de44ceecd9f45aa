#pragma once
// A restarted daemon takes over the groups its predecessor still ran (docs/design.md
// §8): the previous daemon's supervisor, once its daemon is gone, offers on
// STATE_DIR/handover.sock every guard it holds and the state-dir lock itself.
//
//   supervisor -> new daemon   "config HASH", "guard G TERM STOP_AT_NS" lines, then
//                              "end", with the lock's descriptor attached (SCM_RIGHTS)
//                              or "alive" (its daemon still runs) / "busy" (a stop of
//                              its own is running, or another successor is asking:
//                              wait for the lock instead)
//   new daemon -> supervisor   "taken" once its own supervisor guards them
//   supervisor -> new daemon   "ok": it forgot them and exits without stopping
//                              anything; "busy": a stop_at came first, it keeps them
//                              all and exits once its stops are done.
// Closing without "taken" leaves them with the old supervisor. An offer made under
// another config (group indexes may differ) is declined.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "agent/agent.h"

namespace hacluster::daemon {

inline constexpr const char* handover_socket_name = "handover.sock";

struct Handover {
    int connection = -1;  // to the old supervisor; send "taken" with finish()
    int lock_fd = -1;     // the state-dir lock, still held
    std::vector<agent::ResumedGroup> groups;

    // Every group's stop_at is at least `room` away (uv_hrtime's clock): enough to
    // fork our supervisor and say "taken" before the old one would stop them.
    bool in_time(std::chrono::milliseconds room) const;
};

// Asks the supervisor of a previous daemon for its groups. nullopt: nobody offers
// (no socket, a live daemon, a stop in progress, another config); the caller waits
// for the lock. Blocking, bounded by about a second.
std::optional<Handover> request_handover(const std::filesystem::path& state_dir, std::uint64_t config_hash);

// Tells the old supervisor that the new one guards the groups now. True: they are
// ours. False: the old supervisor kept them and stops them; this waits (up to
// `wait`) until it is gone. Closes the connection either way.
bool finish_handover(Handover& handover, std::chrono::milliseconds wait);
// Leaves the groups with the old supervisor (it stops them at their stop_at) and
// gives the lock back; closes.
void decline_handover(Handover& handover);

}  // namespace hacluster::daemon
