// Placement rules of design §3.3: priorities, stickiness, failback, adoption.
#include "test/sim/scenario_support.h"

using namespace hacluster;
using namespace hacluster::sim;
using namespace hacluster::sim::scenario;

TEST_CASE("placement: each group starts on its highest-priority node", "[scenario]") {
    SimOptions o = three_nodes(31);
    o.groups = {"a", "b", "c"};  // rotated priorities: a→n1, b→n2, c→n3
    SimCluster sim(o);
    SIM_CHECK(sim, sim.node_name(settle(sim, "a")) == "n1");
    SIM_CHECK(sim, sim.node_name(settle(sim, "b")) == "n2");
    SIM_CHECK(sim, sim.node_name(settle(sim, "c")) == "n3");
    require_safe(sim);
}

TEST_CASE("placement: a node listed only in some groups never runs the others", "[scenario]") {
    SimOptions o = three_nodes(32);
    o.config = make_sim_config(3, {"web"}, 1);
    o.config->groups[0].nodes = {"n2", "n3"};
    SimCluster sim(o);
    const NodeId p = settle(sim, "web");
    SIM_CHECK(sim, sim.node_name(p) == "n2");
    sim.crash(p);
    time_to_new_primary(sim, "web", p);
    SIM_CHECK(sim, sim.node_name(*sim.primary_of("web")) == "n3");
    sim.crash(sim.node_id("n3"));
    sim.run_for(3s);
    SIM_CHECK(sim, sim.running_nodes("web").empty());  // n1 is not eligible, and has no quorum alone
    require_safe(sim);
}

TEST_CASE("placement: stickiness keeps the group where it runs when the preferred node returns",
          "[scenario]") {
    SimCluster sim(three_nodes(33));
    const NodeId n1 = settle(sim, "web");
    sim.crash(n1);
    time_to_new_primary(sim, "web", n1);
    const NodeId n2 = *sim.primary_of("web");
    sim.restart(n1);
    sim.run_for(5s);
    SIM_CHECK(sim, sim.primary_of("web") == n2);
    require_safe(sim);
}

TEST_CASE("placement: failback automatic moves the group back to the preferred node",
          "[scenario]") {
    SimOptions o = three_nodes(34);
    o.config = make_sim_config(3, {"web"}, 1);
    o.config->groups[0].failback = agent::Failback::automatic;
    SimCluster sim(o);
    const NodeId n1 = settle(sim, "web");
    sim.crash(n1);
    time_to_new_primary(sim, "web", n1);
    sim.restart(n1);
    const bool back = sim.run_until([&] { return sim.primary_of("web") == n1; }, 5s);
    SIM_CHECK(sim, back);
    require_safe(sim);
}

TEST_CASE("placement: a coordinator change does not move a healthy group", "[scenario]") {
    SimOptions o = three_nodes(35);
    o.config = make_sim_config(3, {"web"}, 1);
    o.config->groups[0].nodes = {"n2", "n3", "n1"};
    SimCluster sim(o);
    const NodeId n2 = settle(sim, "web");
    SIM_REQUIRE(sim, sim.node_name(n2) == "n2");
    sim.crash(sim.node_id("n1"));  // the coordinator
    sim.run_for(3s);
    SIM_CHECK(sim, sim.primary_of("web") == n2);
    SIM_CHECK(sim, sim.view(n2)->is_coordinator);
    require_safe(sim);
}

TEST_CASE("placement: terms grow with every new primary (fencing tokens)", "[scenario]") {
    SimCluster sim(three_nodes(36));
    NodeId p = settle(sim, "web");
    agent::Term last = sim.view(p)->groups[0].term;
    for (int i = 0; i < 4; ++i) {
        sim.crash(p);
        time_to_new_primary(sim, "web", p);
        sim.restart(p);
        p = *sim.primary_of("web");
        const agent::Term t = sim.view(p)->groups[0].term;
        SIM_CHECK(sim, t > last);
        last = t;
        sim.run_for(2s);
    }
    require_safe(sim);
}

TEST_CASE("placement: a group whose resource failed here moves, and does not come straight back",
          "[scenario]") {
    SimCluster sim(three_nodes(38));
    const NodeId n1 = settle(sim, "web");
    sim.resource_failed(n1, sim.group_id("web"), "monitor_failed_web-res");
    time_to_new_primary(sim, "web", n1);
    const NodeId next = *sim.primary_of("web");
    SIM_CHECK(sim, next != n1);
    sim.run_for(3s);
    SIM_CHECK(sim, sim.primary_of("web") == next);
    // A failure report about an older tenure changes nothing.
    sim.resource_failed(n1, sim.group_id("web"), "late");
    sim.run_for(2s);
    SIM_CHECK(sim, sim.primary_of("web") == next);
    require_safe(sim);
}
