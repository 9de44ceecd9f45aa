#include "test/sim/sim_clock.h"

#include <cstdlib>

#include "agent/assert.h"

namespace hacluster::sim {

namespace {

std::int64_t floor_div(__int128 num, std::int64_t den) {
    __int128 q = num / den;
    if ((num % den != 0) && (num < 0)) --q;
    return static_cast<std::int64_t>(q);
}

}  // namespace

SimClock::SimClock(SimTime at, Instant local, std::int32_t drift_ppm)
    : anchor_(at), anchor_local_(local), drift_ppm_(drift_ppm) {
    HA_ASSERT(std::abs(drift_ppm) < million);
}

std::int64_t SimClock::elapsed_local(std::int64_t d) const {
    // d + floor(d × drift / 1e6): non-decreasing in d for any drift > -1e6.
    return d + floor_div(static_cast<__int128>(d) * drift_ppm_, million);
}

Instant SimClock::local(SimTime global) const {
    HA_ASSERT(global >= anchor_);
    return anchor_local_ + Duration(elapsed_local((global - anchor_).count()));
}

void SimClock::set_drift(SimTime at, std::int32_t drift_ppm) {
    HA_ASSERT(std::abs(drift_ppm) < million);
    anchor_local_ = local(at);
    anchor_ = at;
    drift_ppm_ = drift_ppm;
}

void SimClock::jump(SimTime at, Duration forward) {
    HA_ASSERT(forward >= Duration::zero());
    anchor_local_ = local(at) + forward;
    anchor_ = at;
}

SimTime SimClock::when_reads(SimTime from, Instant target) const {
    if (local(from) >= target) return from;
    const std::int64_t want = (target - anchor_local_).count();
    // First guess from the inverse rate, then correct the rounding both ways.
    std::int64_t d = static_cast<std::int64_t>(
        (static_cast<__int128>(want) * million + (million + drift_ppm_) - 1) / (million + drift_ppm_));
    while (elapsed_local(d) < want) ++d;
    while (d > 0 && elapsed_local(d - 1) >= want) --d;
    const SimTime at = anchor_ + Duration(d);
    return at < from ? from : at;
}

SimTime SimClock::after(SimTime from, Duration elapsed) const {
    return when_reads(from, local(from) + elapsed);
}

}  // namespace hacluster::sim
