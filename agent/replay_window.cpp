// Anti-replay window per sender (docs/design.md §2.3), the IPsec scheme
// (RFC 4303 §3.4.3): the highest sequence number seen and a 64-bit map of which
// of the 64 numbers ending at it have been seen. Sequence numbers below the window
// are rejected even if never seen: a peer sends every interval, so a packet that
// old carries nothing a newer one does not.
#include "agent/replay_window.h"

namespace hacluster::agent {

ReplayVerdict ReplayWindow::check_and_record(Incarnation incarnation, Seq seq) {
    static_assert(window == 64, "seen_ is a 64-bit map");

    // A larger incarnation is a restart: the sequence numbers start over, so the
    // old window says nothing about the new ones.
    if (!any_ || incarnation > incarnation_) {
        const bool restarted = any_;
        incarnation_ = incarnation;
        highest_ = seq;
        seen_ = 1;
        any_ = true;
        return restarted ? ReplayVerdict::new_incarnation : ReplayVerdict::fresh;
    }
    if (incarnation < incarnation_) return ReplayVerdict::old_incarnation;

    if (seq > highest_) {
        const Seq shift = seq - highest_;
        seen_ = shift >= window ? 0 : seen_ << shift;
        seen_ |= 1;
        highest_ = seq;
        return ReplayVerdict::fresh;
    }
    const Seq age = highest_ - seq;
    if (age >= window) return ReplayVerdict::too_old;
    const std::uint64_t bit = std::uint64_t{1} << age;
    if ((seen_ & bit) != 0) return ReplayVerdict::duplicate;
    seen_ |= bit;
    return ReplayVerdict::fresh;
}

}  // namespace hacluster::agent
