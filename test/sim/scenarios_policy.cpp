// The operator's policy (design §3.5): maintenance, TTLs, blocked groups, cleanup.
#include "test/sim/scenario_support.h"

using namespace hacluster;
using namespace hacluster::sim;
using namespace hacluster::sim::scenario;

namespace {

agent::in::Command maintenance(agent::Switch state, std::string group = "",
                               std::optional<Duration> ttl = std::nullopt) {
    agent::in::Command c;
    c.kind = agent::CommandKind::maintenance;
    c.state = state;
    c.group = std::move(group);
    c.ttl = ttl;
    return c;
}

agent::in::Command cleanup(std::string group) {
    agent::in::Command c;
    c.kind = agent::CommandKind::cleanup;
    c.group = std::move(group);
    return c;
}

bool in_maintenance_everywhere(const SimCluster& sim, GroupId g, bool expected) {
    for (NodeId n = 0; n < sim.node_count(); ++n) {
        const auto v = sim.view(n);
        if (v && v->groups.at(g).maintenance != expected) return false;
    }
    return true;
}

}  // namespace

TEST_CASE("policy: a group in maintenance whose primary's daemon dies is started nowhere else",
          "[scenario]") {
    SimCluster sim(three_nodes(41));
    const NodeId n1 = settle(sim, "web");
    const GroupId web = sim.group_id("web");
    const auto r = sim.run_command(sim.node_id("n2"), maintenance(agent::Switch::on, "web"), 1s);
    SIM_REQUIRE(sim, r.has_value());
    SIM_CHECK(sim, r->ok);
    SIM_REQUIRE(sim, sim.run_until([&] { return in_maintenance_everywhere(sim, web, true); }, 1s));
    // The daemon dies: its supervisor has no guard, so nothing stops the group,
    // and nobody else starts it.
    sim.kill_daemon(n1);
    sim.run_for(5s);
    SIM_CHECK(sim, sim.running_nodes("web") == std::vector<NodeId>{n1});
    sim.restart(n1);
    sim.run_for(3s);
    SIM_CHECK(sim, sim.running_nodes("web") == std::vector<NodeId>{n1});
    // The policy survived the restart (persisted) and is the same everywhere.
    SIM_CHECK(sim, in_maintenance_everywhere(sim, web, true));
    // Managed again: re-learned and adopted where it runs, exactly one primary.
    const auto off = sim.run_command(sim.node_id("n3"), maintenance(agent::Switch::off, "web"), 1s);
    SIM_REQUIRE(sim, off.has_value());
    SIM_CHECK(sim, off->ok);
    SIM_REQUIRE(sim, sim.run_until([&] { return sim.primary_of("web").has_value(); }, 5s));
    SIM_CHECK(sim, sim.primary_of("web") == n1);
    sim.run_for(2s);
    SIM_CHECK(sim, sim.running_nodes("web") == std::vector<NodeId>{n1});
    SIM_CHECK_FALSE(sim, sim.convergence_problem().has_value());
    require_safe(sim);
}

TEST_CASE("policy: cluster maintenance while the primary's machine crashes, then off: exactly one primary",
          "[scenario]") {
    SimCluster sim(three_nodes(42));
    const NodeId n1 = settle(sim, "web");
    const auto r = sim.run_command(sim.node_id("n3"), maintenance(agent::Switch::on), 1s);
    SIM_REQUIRE(sim, r.has_value());
    SIM_CHECK(sim, r->ok);
    sim.run_for(500ms);
    sim.crash(n1);
    sim.run_for(5s);
    SIM_CHECK(sim, sim.running_nodes("web").empty());
    const auto off = sim.run_command(sim.node_id("n3"), maintenance(agent::Switch::off), 1s);
    SIM_REQUIRE(sim, off.has_value());
    SIM_REQUIRE(sim, sim.run_until([&] { return sim.primary_of("web").has_value(); }, 5s));
    sim.run_for(2s);
    SIM_CHECK(sim, sim.running_nodes("web").size() == 1);
    sim.restart(n1);
    sim.run_for(3s);
    SIM_CHECK(sim, sim.running_nodes("web").size() == 1);
    SIM_CHECK_FALSE(sim, sim.convergence_problem().has_value());
    require_safe(sim);
}

TEST_CASE("policy: maintenance and standby with a TTL end by themselves", "[scenario]") {
    SimCluster sim(three_nodes(43));
    const NodeId n1 = settle(sim, "web");
    const GroupId web = sim.group_id("web");
    const auto r = sim.run_command(sim.node_id("n2"), maintenance(agent::Switch::on, "web", 2s), 1s);
    SIM_REQUIRE(sim, r.has_value());
    SIM_CHECK(sim, r->ok);
    SIM_REQUIRE(sim, sim.run_until([&] { return in_maintenance_everywhere(sim, web, true); }, 1s));
    SIM_REQUIRE(sim, sim.run_until([&] { return in_maintenance_everywhere(sim, web, false); }, 3s));
    SIM_REQUIRE(sim, sim.run_until([&] { return sim.primary_of("web").has_value(); }, 5s));
    SIM_CHECK(sim, sim.primary_of("web") == n1);

    agent::in::Command standby;
    standby.kind = agent::CommandKind::standby;
    standby.node = "n1";
    standby.ttl = 3s;
    const auto s = sim.run_command(sim.node_id("n2"), standby, 2s);
    SIM_REQUIRE(sim, s.has_value());
    SIM_CHECK(sim, s->ok);
    const Duration took = time_to_new_primary(sim, "web", n1);
    SIM_CHECK(sim, took < 3s);
    SIM_REQUIRE(sim, sim.run_until([&] { return !sim.view(n1)->standby; }, 4s));
    sim.run_for(1s);
    SIM_CHECK(sim, sim.running_nodes("web").size() == 1);
    require_safe(sim);
}

TEST_CASE("policy: a start that exits 6 blocks the group everywhere until a cleanup", "[scenario]") {
    SimCluster sim(three_nodes(44));
    const NodeId n1 = settle(sim, "web");
    // A switchover's start on n2 says "not configured".
    const NodeId n2 = sim.node_id("n2");
    sim.next_script(n2, agent::ScriptAction::start, Behaviour::not_configured);
    agent::in::Command sw;
    sw.kind = agent::CommandKind::switchover;
    sw.group = "web";
    sw.node = "n2";
    sim.command(n1, sw);
    const GroupId web = sim.group_id("web");
    SIM_REQUIRE(sim, sim.run_until([&] { return sim.view(n1)->groups.at(web).blocked; }, 5s));
    sim.run_for(5s);
    SIM_CHECK(sim, sim.running_nodes("web").empty());
    for (NodeId n = 0; n < sim.node_count(); ++n) SIM_CHECK(sim, sim.view(n)->groups.at(web).blocked);
    const auto c = sim.run_command(sim.node_id("n3"), cleanup("web"), 1s);
    SIM_REQUIRE(sim, c.has_value());
    SIM_CHECK(sim, c->ok);
    SIM_REQUIRE(sim, sim.run_until([&] { return sim.primary_of("web").has_value(); }, 5s));
    sim.run_for(1s);
    SIM_CHECK(sim, sim.running_nodes("web").size() == 1);
    require_safe(sim);
}
