// Fencing scenarios (docs/design.md §4.7): a fence that works makes failover
// faster, one that fails or is slow changes nothing about safety.
#include <algorithm>

#include "test/sim/scenario_support.h"

using namespace hacluster;
using namespace hacluster::sim;
using namespace hacluster::sim::scenario;

namespace {

enum class Fencing : std::uint8_t { off, on };

// Three nodes, one group with a long stop budget: without fencing a failover waits
// out a lease that includes it, with fencing it does not.
SimOptions with_stop_budget(Fencing fencing, std::uint64_t seed) {
    SimOptions o = three_nodes(seed);
    agent::ClusterConfig config = make_sim_config(3, {"web"}, 1);
    config.groups[0].stop_timeout = 2s;
    if (fencing == Fencing::on) with_fencing(config);
    o.config = config;
    o.fencing.delay_min = o.fencing.delay_max = 50ms;
    return o;
}

std::size_t count(const SimCluster& sim, std::string_view kind) {
    return static_cast<std::size_t>(
        std::count_if(sim.transcript().begin(), sim.transcript().end(), [&](const std::string& line) {
            return line.find(std::string(" ") + std::string(kind) + " ") != std::string::npos;
        }));
}

// Freezes the primary (SIGSTOP of the whole machine's daemon) and measures the
// time until another node runs the group.
Duration frozen_primary_failover(SimCluster& sim, NodeId& old) {
    old = settle(sim, "web");
    sim.run_for(1s);
    sim.pause(old);
    return time_to_new_primary(sim, "web", old, 10s);
}

}  // namespace

TEST_CASE("fencing: a frozen primary is fenced and the group moves before its lease ends",
          "[scenario]") {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        // (SIM_CHECK's first argument must be called sim.)
        Duration without{};
        {
            SimCluster sim(with_stop_budget(Fencing::off, seed));
            NodeId old = agent::no_node;
            without = frozen_primary_failover(sim, old);
            SIM_CHECK(sim, count(sim, "fencing") == 0);
            require_safe(sim);
        }
        SimCluster sim(with_stop_budget(Fencing::on, seed));
        NodeId old = agent::no_node;
        const Duration with = frozen_primary_failover(sim, old);
        INFO("seed " << seed << ": without fencing " << agent::to_ms(without)
                     << " ms, with fencing " << agent::to_ms(with) << " ms");
        // The lease holds the group for timeout + stop budget + tick; fencing skips
        // the stop budget (2 s): failure detection + fence + a round trip or two.
        SIM_CHECK(sim, with + 1s < without);
        SIM_CHECK(sim, with <= timing_of(sim, "web").failover_bound);
        SIM_CHECK(sim, sim.status(old) == NodeStatus::machine_down);
        SIM_CHECK(sim, count(sim, "fencing") == 1);
        SIM_CHECK(sim, count(sim, "fenced") == 1);
        sim.restart(old);
        sim.run_for(3s);
        // The rebooted node (a new incarnation) is not touched by the old announcement.
        SIM_CHECK(sim, sim.status(old) == NodeStatus::up);
        SIM_CHECK(sim, sim.running_nodes("web").size() == 1);
        require_safe(sim);
    }
}

TEST_CASE("fencing: a fence that keeps failing is retried, the lease still moves the group",
          "[scenario]") {
    SimOptions o = with_stop_budget(Fencing::on, 4);
    o.fencing.fail_ppm = 1'000'000;
    SimCluster sim(o);
    NodeId old = agent::no_node;
    const Duration took = frozen_primary_failover(sim, old);
    // No faster than the lease allows: nothing freed the grants early.
    SIM_CHECK(sim, took >= timing_of(sim, "web").grant_hold / 2);
    SIM_CHECK(sim, took <= timing_of(sim, "web").failover_bound + 100ms);
    sim.run_for(4s);  // backoff 1 s, 2 s: at least three attempts in all
    SIM_CHECK(sim, count(sim, "fence_failed") >= 3);
    SIM_CHECK(sim, count(sim, "fenced") == 0);
    SIM_CHECK(sim, sim.status(old) == NodeStatus::paused);
    // The frozen node's supervisor stopped its resources when its lease ran out.
    SIM_CHECK_FALSE(sim, sim.ground_truth().running(old, sim.group_id("web")));
    sim.resume(old);
    sim.run_for(3s);
    SIM_CHECK(sim, sim.running_nodes("web").size() == 1);
    require_safe(sim);
}

TEST_CASE("fencing: a fence slower than the lease powers off a node that already stopped",
          "[scenario]") {
    SimOptions o = with_stop_budget(Fencing::on, 5);
    o.fencing.delay_min = o.fencing.delay_max = 6s;
    SimCluster sim(o);
    NodeId old = agent::no_node;
    const Duration took = frozen_primary_failover(sim, old);
    SIM_CHECK(sim, took <= timing_of(sim, "web").failover_bound + 100ms);
    SIM_CHECK(sim, count(sim, "fenced") == 0);  // the lease was faster
    const NodeId next = *sim.primary_of("web");
    sim.run_for(6s);
    SIM_CHECK(sim, count(sim, "fenced") == 1);
    SIM_CHECK(sim, sim.status(old) == NodeStatus::machine_down);
    SIM_CHECK(sim, sim.primary_of("web") == next);  // the late announcement moves nothing
    require_safe(sim);
}

TEST_CASE("fencing: a crashed primary is fenced too, and nothing waits for the lease",
          "[scenario]") {
    SimCluster sim(with_stop_budget(Fencing::on, 6));
    const NodeId old = settle(sim, "web");
    sim.run_for(1s);
    sim.crash(old);
    const Duration took = time_to_new_primary(sim, "web", old, 10s);
    SIM_CHECK(sim, took < timing_of(sim, "web").grant_hold);
    SIM_CHECK(sim, count(sim, "fenced") == 1);
    require_safe(sim);
}
