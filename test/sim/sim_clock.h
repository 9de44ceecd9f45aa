#pragma once
// Simulated global time and one node's monotonic clock (TigerBeetle's TimeSim idea):
// the node reads offset + global time × (1 + drift), piecewise linear so that the
// drift can change during a run without the clock ever going backwards.
#include <cstdint>

#include "agent/types.h"

namespace hacluster::sim {

using agent::Duration;
using agent::Instant;

// Global simulated time: nanoseconds since the start of the run. Only the simulator
// sees it; every agent sees its own clock.
using SimTime = Duration;

class SimClock {
public:
    static constexpr std::int64_t million = 1'000'000;

    SimClock() = default;
    // The clock reads `local` at global time `at` and then runs at 1 + drift_ppm/1e6.
    SimClock(SimTime at, Instant local, std::int32_t drift_ppm);

    // Never decreases as global grows (global must be >= the last anchor).
    Instant local(SimTime global) const;
    std::int32_t drift_ppm() const { return drift_ppm_; }

    // Rate change at global time `at`, continuous in value.
    void set_drift(SimTime at, std::int32_t drift_ppm);
    // A forward step of the reading (a monotonic clock never steps back).
    void jump(SimTime at, Duration forward);

    // The earliest global time >= from at which the clock reads >= target.
    SimTime when_reads(SimTime from, Instant target) const;
    // The earliest global time at which `elapsed` of this clock's time has passed
    // since global time `from`.
    SimTime after(SimTime from, Duration elapsed) const;

private:
    // Local nanoseconds elapsed over d global nanoseconds since the anchor.
    std::int64_t elapsed_local(std::int64_t d) const;

    SimTime anchor_{};
    Instant anchor_local_{};
    std::int32_t drift_ppm_ = 0;
};

}  // namespace hacluster::sim
