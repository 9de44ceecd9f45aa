#pragma once
// A restarted daemon takes over the groups its predecessor still ran (docs/design.md
// §8): the previous daemon's supervisor, once its daemon is gone, offers on
// STATE_DIR/handover.sock every guard it holds and the state-dir lock itself.
//
//   supervisor -> new daemon   "guard G TERM STOP_AT_NS" lines, then "end", with the
//                              lock's descriptor attached (SCM_RIGHTS)
//                              or "alive" (its daemon still runs) / "busy" (a stop of
//                              its own is running: wait for the lock instead)
//   new daemon -> supervisor   "taken" once its own supervisor guards them: the old
//                              supervisor forgets them and exits without stopping
//                              anything. Closing without "taken" leaves them with it.
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
};

// Asks the supervisor of a previous daemon for its groups. nullopt: nobody offers
// (no socket, a live daemon, a stop in progress); the caller waits for the lock.
// Blocking, bounded by about a second.
std::optional<Handover> request_handover(const std::filesystem::path& state_dir);

// Tells the old supervisor that the new one guards the groups now; closes.
void finish_handover(Handover& handover);

}  // namespace hacluster::daemon
