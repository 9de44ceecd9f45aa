#pragma once
// Replay protection per sender (docs/design.md §2.3): an incarnation number that
// only grows across restarts, and a sliding window of the last 64 sequence numbers.
#include <cstdint>

#include "agent/types.h"

namespace hacluster::agent {

enum class ReplayVerdict : std::uint8_t {
    fresh,            // accept
    new_incarnation,  // accept: the peer restarted
    duplicate,        // seen already (also the same packet on a second link)
    too_old,          // below the window
    old_incarnation,  // from before the peer's last restart
};

class ReplayWindow {
public:
    static constexpr Seq window = 64;
    // Records (incarnation, seq) when accepted.
    ReplayVerdict check_and_record(Incarnation incarnation, Seq seq);
    Incarnation incarnation() const { return incarnation_; }
    Seq highest() const { return highest_; }

private:
    Incarnation incarnation_ = 0;
    Seq highest_ = 0;
    std::uint64_t seen_ = 0;  // bit i: highest_ - i was seen
    bool any_ = false;
};

}  // namespace hacluster::agent
