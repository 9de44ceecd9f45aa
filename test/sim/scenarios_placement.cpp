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

namespace {

agent::in::Command switchover(std::string group, std::string to, std::uint32_t ttl_s) {
    agent::in::Command c{0, agent::CommandKind::switchover, std::move(group), std::move(to)};
    if (ttl_s != 0) c.ttl = std::chrono::seconds(ttl_s);
    return c;
}

}  // namespace

TEST_CASE("placement: failback waits until the preferred node was eligible for failback_delay",
          "[scenario]") {
    SimOptions o = three_nodes(39);
    o.config = make_sim_config(3, {"web"}, 1);
    // n1 coordinates throughout; the preferred node n2 bounces.
    o.config->groups[0].nodes = {"n2", "n3", "n1"};
    o.config->groups[0].failback = agent::Failback::automatic;
    o.config->groups[0].failback_delay = 3s;
    SimCluster sim(o);
    const NodeId n2 = settle(sim, "web");
    SIM_REQUIRE(sim, sim.node_name(n2) == "n2");
    sim.crash(n2);
    time_to_new_primary(sim, "web", n2);
    const NodeId n3 = *sim.primary_of("web");
    const auto back_on_n2 = [&] { return sim.primary_of("web") == n2; };
    // Up for 2 s (less than the delay), down for 1 s: the group must not move.
    sim.restart(n2);
    SIM_CHECK_FALSE(sim, sim.run_until(back_on_n2, 2s));
    sim.crash(n2);
    SIM_CHECK_FALSE(sim, sim.run_until(back_on_n2, 1s));
    // Back for good: the group returns once n2 was eligible for the delay.
    sim.restart(n2);
    const SimTime restarted = sim.now();
    SIM_CHECK_FALSE(sim, sim.run_until(back_on_n2, 3s));
    SIM_CHECK(sim, sim.primary_of("web") == n3);
    SIM_CHECK(sim, sim.run_until(back_on_n2, 3s));
    SIM_CHECK(sim, sim.now() - restarted >= 3s);
    require_safe(sim);
}

TEST_CASE("placement: switchover --ttl pins the group, then failback auto takes it back",
          "[scenario]") {
    SimOptions o = three_nodes(40);
    o.config = make_sim_config(3, {"web"}, 1);
    o.config->groups[0].failback = agent::Failback::automatic;
    SimCluster sim(o);
    const NodeId n1 = settle(sim, "web");
    const NodeId n2 = sim.node_id("n2");
    const NodeId n3 = sim.node_id("n3");
    const auto reply = sim.run_command(n3, switchover("web", "n2", 4), 2s);
    SIM_REQUIRE(sim, reply.has_value());
    SIM_CHECK(sim, reply->ok);
    const SimTime asked = sim.now();
    SIM_REQUIRE(sim, sim.run_until([&] { return sim.primary_of("web") == n2; }, 2s));
    // Every node knows the pin (status shows it anywhere).
    sim.run_for(500ms);
    SIM_CHECK(sim, sim.view(n3)->groups[0].pinned_to == n2);
    SIM_CHECK(sim, sim.view(n1)->groups[0].pinned_to == n2);
    // Pinned: failback auto does not take it back before the TTL runs out.
    SIM_CHECK_FALSE(sim, sim.run_until([&] { return sim.primary_of("web") == n1; }, 2s));
    SIM_CHECK(sim, sim.run_until([&] { return sim.primary_of("web") == n1; }, 4s));
    SIM_CHECK(sim, sim.now() - asked >= 4s);
    SIM_CHECK(sim, sim.view(n3)->groups[0].pinned_to == agent::no_node);
    require_safe(sim);
}

TEST_CASE("placement: a pin survives coordinator changes; without a TTL a switchover is one-off",
          "[scenario]") {
    SimOptions o = three_nodes(41);
    o.config = make_sim_config(3, {"web"}, 1);
    o.config->groups[0].failback = agent::Failback::automatic;
    SimCluster sim(o);
    const NodeId n1 = settle(sim, "web");
    const NodeId n2 = sim.node_id("n2");
    const auto reply = sim.run_command(n1, switchover("web", "n2", 8), 2s);
    SIM_REQUIRE(sim, (reply.has_value() && reply->ok));
    SIM_CHECK_THAT(sim, reply->message, Catch::Contains("pinned there for 8 s"));
    const SimTime asked = sim.now();
    SIM_REQUIRE(sim, sim.run_until([&] { return sim.primary_of("web") == n2; }, 2s));
    // The coordinator n1 goes and comes back: n2 coordinates meanwhile, then n1
    // again, and neither forgets the pin.
    sim.crash(n1);
    sim.run_for(2s);
    SIM_CHECK(sim, sim.view(n2)->is_coordinator);
    SIM_CHECK(sim, sim.view(n2)->groups[0].pinned_to == n2);
    sim.restart(n1);
    sim.run_for(1s);
    SIM_CHECK(sim, sim.view(n1)->groups[0].pinned_to == n2);
    SIM_CHECK(sim, sim.view(n1)->is_coordinator);
    SIM_CHECK_FALSE(sim, sim.run_until([&] { return sim.primary_of("web") == n1; },
                                       asked + 7s - sim.now()));
    SIM_CHECK(sim, sim.view(n1)->is_coordinator);
    SIM_CHECK(sim, sim.run_until([&] { return sim.primary_of("web") == n1; }, 4s));
    // A switchover without --ttl under failback auto: moved, and straight back.
    const auto one_off = sim.run_command(n2, switchover("web", "n3", 0), 2s);
    SIM_REQUIRE(sim, (one_off.has_value() && one_off->ok));
    SIM_CHECK(sim, sim.run_until([&] { return sim.primary_of("web") == sim.node_id("n3"); }, 2s));
    SIM_CHECK(sim, sim.run_until([&] { return sim.primary_of("web") == n1; }, 3s));
    require_safe(sim);
}

TEST_CASE("placement: with failback never a group stays where the expired pin put it",
          "[scenario]") {
    SimCluster sim(three_nodes(42));
    settle(sim, "web");
    const NodeId n3 = sim.node_id("n3");
    const auto reply = sim.run_command(sim.node_id("n2"), switchover("web", "n3", 1), 2s);
    SIM_REQUIRE(sim, (reply.has_value() && reply->ok));
    SIM_REQUIRE(sim, sim.run_until([&] { return sim.primary_of("web") == n3; }, 2s));
    sim.run_for(4s);
    SIM_CHECK(sim, sim.primary_of("web") == n3);
    SIM_CHECK(sim, sim.view(n3)->groups[0].pinned_to == agent::no_node);
    require_safe(sim);
}
