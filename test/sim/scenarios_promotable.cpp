// Promotable groups (README "Promotable resources"): the group's primary is the
// node whose instance is promoted; only nodes whose unpromoted instance is ready
// (in::GroupReady) may be promoted. The core's stop is the demotion, so "never two
// promoted" is the split-brain checker's "never two primaries".
#include "test/sim/scenario_support.h"

namespace hacluster::sim::scenario {

namespace {

SimOptions promotable_cluster(std::uint64_t seed) {
    SimOptions o = three_nodes(seed);
    agent::ClusterConfig config = make_sim_config(3, {"db"}, 1);
    config.groups[0].promotable = true;
    o.config = config;
    return o;
}

// Some node ever became primary (starting) for the group in the transcript.
bool ever_started(const SimCluster& sim, NodeId node) {
    const std::string who = " " + sim.node_name(node) + " starting";
    for (const std::string& line : sim.transcript()) {
        if (line.find(who) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("promotable: a node whose instance is not ready is never promoted", "[scenario][promotable]") {
    SimCluster sim(promotable_cluster(61));
    const GroupId db = sim.group_id("db");
    const NodeId n1 = sim.node_id("n1");
    sim.set_ready(n1, db, false);  // before it boots: its instance never started
    const NodeId first = settle(sim, "db");
    SIM_CHECK(sim, first == sim.node_id("n2"));
    // The primary dies: the only other ready node takes over, not n1.
    sim.crash(first);
    time_to_new_primary(sim, "db", first);
    SIM_CHECK(sim, sim.primary_of("db") == sim.node_id("n3"));
    sim.run_for(3s);
    SIM_CHECK_FALSE(sim, ever_started(sim, n1));
    // Ready again: eligible, but the running primary stays (no failback).
    sim.set_ready(n1, db, true);
    sim.run_for(3s);
    SIM_CHECK(sim, sim.primary_of("db") == sim.node_id("n3"));
    require_safe(sim);
}

TEST_CASE("promotable: killing the primary promotes the best ready standby", "[scenario][promotable]") {
    SimCluster sim(promotable_cluster(62));
    const GroupId db = sim.group_id("db");
    const NodeId n1 = settle(sim, "db");
    SIM_REQUIRE(sim, n1 == sim.node_id("n1"));
    sim.set_ready(sim.node_id("n2"), db, false);  // n2 would be next by priority
    sim.run_for(1s);
    sim.crash(n1);
    time_to_new_primary(sim, "db", n1);
    SIM_CHECK(sim, sim.primary_of("db") == sim.node_id("n3"));
    require_safe(sim);
}

TEST_CASE("promotable: the primary's own readiness does not move it", "[scenario][promotable]") {
    SimCluster sim(promotable_cluster(63));
    const NodeId n1 = settle(sim, "db");
    // Readiness is about the unpromoted instance; the primary's is the promoted one.
    sim.set_ready(n1, sim.group_id("db"), false);
    sim.run_for(3s);
    SIM_CHECK(sim, sim.primary_of("db") == n1);
    // Once it stops being primary (standby), it is not eligible until ready.
    REQUIRE(sim.run_command(n1, agent::in::Command{0, agent::CommandKind::standby, "", "n1"}, 5s));
    sim.run_for(3s);
    REQUIRE(sim.run_command(n1, agent::in::Command{0, agent::CommandKind::online, "", "n1"}, 5s));
    const NodeId next = *sim.primary_of("db");
    SIM_CHECK(sim, next != n1);
    REQUIRE(sim.run_command(n1, agent::in::Command{0, agent::CommandKind::switchover, "db", "n1"}, 5s)
                .has_value());
    sim.run_for(3s);
    SIM_CHECK(sim, sim.primary_of("db") == next);
    require_safe(sim);
}

TEST_CASE("promotable: a partitioned primary is demoted when its lease runs out; never two promoted",
          "[scenario][promotable]") {
    SimCluster sim(promotable_cluster(64));
    const NodeId old = settle(sim, "db");
    sim.isolate(old);
    time_to_new_primary(sim, "db", old);
    // Demoted (the core's stop) before the new primary was promoted: the checker
    // saw no overlap; and it stays unpromoted after the heal.
    const auto running = sim.running_nodes("db");
    SIM_CHECK(sim, std::find(running.begin(), running.end(), old) == running.end());
    sim.heal();
    sim.run_for(5s);
    SIM_CHECK(sim, sim.primary_of("db") != old);
    SIM_CHECK(sim, sim.running_nodes("db").size() == 1);
    require_safe(sim);
}

}  // namespace hacluster::sim::scenario
