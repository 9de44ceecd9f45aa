// Operator actions, graceful leave, cold start and quorum edge cases.
#include "test/sim/scenario_support.h"

using namespace hacluster;
using namespace hacluster::sim;
using namespace hacluster::sim::scenario;

namespace {

agent::in::Command command(agent::CommandKind kind, std::string group, std::string node) {
    return agent::in::Command{0, kind, std::move(group), std::move(node)};
}

}  // namespace

TEST_CASE("operations: graceful leave promotes a standby faster than the failure timeout",
          "[scenario]") {
    SimCluster sim(three_nodes(21));
    const NodeId old = settle(sim, "web");
    sim.shutdown(old);
    const Duration took = time_to_new_primary(sim, "web", old);
    SIM_CHECK(sim, took < sim.config().timing.timeout);
    SIM_CHECK(sim, sim.status(old) == NodeStatus::left);
    sim.run_for(2s);
    require_safe(sim);
}

TEST_CASE("operations: switchover to a named node, and to the best other node", "[scenario]") {
    SimCluster sim(three_nodes(22));
    const NodeId n1 = settle(sim, "web");
    SIM_REQUIRE(sim, sim.node_name(n1) == "n1");
    const NodeId n3 = sim.node_id("n3");
    const auto r1 = sim.command(sim.node_id("n2"), command(agent::CommandKind::switchover, "web", "n3"));
    const Duration took = time_to_new_primary(sim, "web", n1);
    SIM_CHECK(sim, sim.primary_of("web") == n3);
    SIM_CHECK(sim, took < sim.config().timing.timeout);
    SIM_REQUIRE(sim, sim.reply(r1).has_value());
    SIM_CHECK(sim, sim.reply(r1)->ok);
    // Without a target: the best other eligible node by priority (n1).
    const auto r2 = sim.command(n3, command(agent::CommandKind::switchover, "web", ""));
    time_to_new_primary(sim, "web", n3);
    SIM_CHECK(sim, sim.primary_of("web") == n1);
    SIM_CHECK(sim, sim.reply(r2)->ok);
    require_safe(sim);
}

TEST_CASE("operations: bad commands are refused with the reason", "[scenario]") {
    SimCluster sim(three_nodes(23));
    settle(sim, "web");
    const NodeId n2 = sim.node_id("n2");
    const auto unknown_group = sim.command(n2, command(agent::CommandKind::switchover, "db", ""));
    const auto unknown_node = sim.command(n2, command(agent::CommandKind::switchover, "web", "n9"));
    const auto unknown_standby = sim.command(n2, command(agent::CommandKind::standby, "", "n9"));
    sim.run_for(100ms);
    SIM_REQUIRE(sim, sim.reply(unknown_group).has_value());
    SIM_CHECK_FALSE(sim, sim.reply(unknown_group)->ok);
    SIM_CHECK_THAT(sim, sim.reply(unknown_group)->message, Catch::Contains("unknown group 'db'"));
    SIM_CHECK_THAT(sim, sim.reply(unknown_node)->message, Catch::Contains("unknown node 'n9'"));
    SIM_CHECK_FALSE(sim, sim.reply(unknown_standby)->ok);
    // A target in standby is not eligible.
    sim.command(sim.node_id("n3"), command(agent::CommandKind::standby, "", "n3"));
    sim.run_for(500ms);
    const auto to_standby = sim.command(n2, command(agent::CommandKind::switchover, "web", "n3"));
    sim.run_for(500ms);
    SIM_REQUIRE(sim, sim.reply(to_standby).has_value());
    SIM_CHECK_FALSE(sim, sim.reply(to_standby)->ok);
    require_safe(sim);
}

TEST_CASE("operations: standby moves the groups away, online makes the node eligible again",
          "[scenario]") {
    SimCluster sim(three_nodes(24));
    const NodeId n1 = settle(sim, "web");
    // Asked on another node: forwarded to n1, which acknowledges.
    const auto r = sim.command(sim.node_id("n3"), command(agent::CommandKind::standby, "", "n1"));
    const Duration took = time_to_new_primary(sim, "web", n1);
    SIM_CHECK(sim, took < sim.config().timing.timeout);
    SIM_REQUIRE(sim, sim.reply(r).has_value());
    SIM_CHECK(sim, sim.reply(r)->ok);
    SIM_CHECK(sim, sim.view(n1)->standby);
    const NodeId moved_to = *sim.primary_of("web");
    sim.command(n1, command(agent::CommandKind::online, "", "n1"));
    sim.run_for(3s);
    SIM_CHECK_FALSE(sim, sim.view(n1)->standby);
    SIM_CHECK(sim, sim.primary_of("web") == moved_to);  // failback is off: it stays
    require_safe(sim);
}

TEST_CASE("operations: cold start with wait_for_all waits for every node", "[scenario]") {
    SimOptions o = three_nodes(25);
    o.config = make_sim_config(3, {"web"}, 1);
    o.config->quorum.wait_for_all = agent::WaitForAll::yes;
    SimCluster sim(o);
    const NodeId n3 = sim.node_id("n3");
    sim.crash(n3);  // n3 never comes up at first
    sim.run_for(5s);
    SIM_CHECK(sim, sim.running_nodes("web").empty());
    SIM_CHECK(sim, sim.view(sim.node_id("n1"))->quorum == agent::wire::QuorumState::pending);
    sim.restart(n3);
    settle(sim, "web");
    // Once the cluster has formed, losing a node no longer blocks it.
    const NodeId p = *sim.primary_of("web");
    sim.crash(p);
    time_to_new_primary(sim, "web", p);
    require_safe(sim);
}

TEST_CASE("operations: cold start without wait_for_all runs on a majority", "[scenario]") {
    SimCluster sim(three_nodes(26));
    sim.crash(sim.node_id("n3"));
    settle(sim, "web");
    require_safe(sim);
}

TEST_CASE("operations: two nodes without a third vote refuse to promote after a partition",
          "[scenario]") {
    SimOptions o = three_nodes(27);
    o.nodes = 2;
    SimCluster sim(o);
    const NodeId old = settle(sim, "web");
    const NodeId other = old == 0 ? 1 : 0;
    sim.partition({{old}, {other}});
    sim.run_for(5s);
    // Neither side has a majority of 2 votes: the primary stopped, nobody promoted.
    SIM_CHECK(sim, sim.running_nodes("web").empty());
    SIM_CHECK(sim, sim.view(other)->quorum == agent::wire::QuorumState::lost);
    sim.heal();
    settle(sim, "web");
    require_safe(sim);
}

TEST_CASE("operations: an unhealthy primary hands its group over; healthy again it does not take it back",
          "[scenario]") {
    SimCluster sim(three_nodes(25));
    const NodeId n1 = settle(sim, "web");
    SIM_REQUIRE(sim, sim.node_name(n1) == "n1");
    sim.set_health(n1, false, "disk-root failed: 3% free < 10%");
    const Duration took = time_to_new_primary(sim, "web", n1);
    // A graceful move (stop, release, claim), not a failure timeout.
    SIM_CHECK(sim, took < sim.config().timing.timeout);
    SIM_CHECK_FALSE(sim, sim.view(n1)->healthy);
    // Others see it unhealthy, it still votes: quorum is 3 of 3.
    const NodeId n2 = sim.node_id("n2");
    sim.run_for(200ms);
    SIM_CHECK_FALSE(sim, sim.view(n2)->peers.at(n1).healthy);
    SIM_CHECK(sim, sim.view(n2)->votes_present == 3);
    const NodeId moved_to = *sim.primary_of("web");
    sim.set_health(n1, true, "all health checks pass");
    sim.run_for(3s);
    SIM_CHECK(sim, sim.view(n1)->healthy);
    SIM_CHECK(sim, sim.view(n2)->peers.at(n1).healthy);
    // failback never (the default): the group stays where it went.
    SIM_CHECK(sim, sim.primary_of("web") == moved_to);
    // Unhealthy, a node is not a switchover target either.
    sim.set_health(sim.node_id("n3"), false, "ping failed: exit 1");
    sim.run_for(300ms);
    // Asked on the coordinator, which answers with the reason itself.
    NodeId coordinator = agent::no_node;
    for (NodeId n = 0; n < sim.node_count(); ++n) {
        if (sim.view(n)->is_coordinator) coordinator = n;
    }
    SIM_REQUIRE(sim, coordinator != agent::no_node);
    const auto r = sim.command(coordinator, command(agent::CommandKind::switchover, "web", "n3"));
    sim.run_for(500ms);
    SIM_REQUIRE(sim, sim.reply(r).has_value());
    SIM_CHECK_FALSE(sim, sim.reply(r)->ok);
    SIM_CHECK_THAT(sim, sim.reply(r)->message, Catch::Contains("unhealthy"));
    SIM_CHECK(sim, sim.primary_of("web") == moved_to);
    require_safe(sim);
}

TEST_CASE("operations: with every node unhealthy nothing runs; one healthy node takes the group",
          "[scenario]") {
    SimCluster sim(three_nodes(26));
    settle(sim, "web");
    for (NodeId n = 0; n < sim.node_count(); ++n) sim.set_health(n, false, "all failing");
    const bool down = sim.run_until([&] { return sim.running_nodes("web").empty(); }, 3s);
    SIM_CHECK(sim, down);
    sim.run_for(1s);
    SIM_CHECK(sim, sim.running_nodes("web").empty());
    const NodeId n3 = sim.node_id("n3");
    sim.set_health(n3, true, "all health checks pass");
    const bool up = sim.run_until([&] { return sim.primary_of("web") == n3; }, 5s);
    SIM_CHECK(sim, up);
    require_safe(sim);
}
