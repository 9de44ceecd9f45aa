#pragma once
// The random fault schedule of the seed sweep: which faults happen when, driven by
// the cluster's fault PRNG, up to a heal point after which the run must converge.
#include <cstdint>

#include "test/sim/sim_cluster.h"

namespace hacluster::sim {

struct FaultKnobs {
    // Rates: expected events per simulated minute for the whole cluster, between
    // the warm-up and the heal point.
    std::uint32_t crash_per_min = 3;      // machine crash, reboot 0.3..5 s later
    std::uint32_t kill_per_min = 3;       // daemon killed, restarted 0.1..3 s later
    std::uint32_t pause_per_min = 6;      // process stalls, short and longer than a lease
    std::uint32_t partition_per_min = 6;  // isolation, splits, one-way cuts, one link down
    std::uint32_t flap_per_min = 2;       // a link cut and healed repeatedly
    std::uint32_t drift_per_min = 3;      // a clock changes rate (within the bound)
    std::uint32_t delay_per_min = 2;      // delay spike on everything to and from a node
    std::uint32_t leave_per_min = 1;      // graceful leave, back 0.5..4 s later
    std::uint32_t health_per_min = 2;     // a node's health checks fail, pass again 0.3..5 s later
    std::uint32_t ready_per_min = 4;      // a promotable group's instance not ready for 0.2..4 s
    // Background link trouble on every link until the heal point.
    std::uint32_t loss_ppm = 5'000;
    std::uint32_t duplicate_ppm = 5'000;
    std::uint32_t reorder_ppm = 20'000;
    std::uint32_t corrupt_ppm = 1'000;
    // Script trouble until the heal point. Stops that fail, hang or overrun their
    // budget leave the group running: a node cut off from the cluster is made safe
    // only by the escalation (design §4.8), which these exercise.
    std::uint32_t start_fail_ppm = 20'000;
    std::uint32_t start_hang_ppm = 5'000;
    std::uint32_t start_slow_ppm = 20'000;
    std::uint32_t stop_fail_ppm = 50'000;
    std::uint32_t stop_hang_ppm = 50'000;
    std::uint32_t stop_slow_ppm = 50'000;
    std::uint32_t stop_overrun_ppm = 50'000;
    // Fence devices (only with SweepOptions::fencing): attempts that fail, and
    // attempts slower than a lease (1-4 s).
    std::uint32_t fence_fail_ppm = 300'000;
    std::uint32_t fence_slow_ppm = 100'000;
    // Faults begin after this (the cluster first forms under the background trouble).
    Duration warmup = std::chrono::seconds(2);
};

// The link and script settings of the knobs, for SimOptions.
LinkSettings faulty_links(const FaultKnobs& knobs);
ScriptKnobs faulty_scripts(const FaultKnobs& knobs);

// Schedules random faults between knobs.warmup and heal_at, and heal_all() at
// heal_at. Targets are chosen when a fault fires (half the time the current
// primary of some group) with sim.fault_prng(), so the run stays a function of
// the seed.
void schedule_faults(SimCluster& sim, const FaultKnobs& knobs, SimTime heal_at);

}  // namespace hacluster::sim
