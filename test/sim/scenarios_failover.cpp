// Failover scenarios: the primary disappears in the ways a real cluster sees.
#include "test/sim/scenario_support.h"

using namespace hacluster;
using namespace hacluster::sim;
using namespace hacluster::sim::scenario;

TEST_CASE("failover: primary crash", "[scenario]") {
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        SimCluster sim(three_nodes(seed));
        const NodeId old = settle(sim, "web");
        sim.crash(old);
        const Duration took = time_to_new_primary(sim, "web", old);
        // A new primary needs the grant hold to run out, then a start script.
        SIM_CHECK(sim, took >= timing_of(sim, "web").grant_hold / 2);
        SIM_CHECK(sim, took <= timing_of(sim, "web").failover_bound + 100ms);
        sim.run_for(2s);
        require_safe(sim);
    }
}

TEST_CASE("failover: primary isolated symmetrically stops itself, comes back as standby",
          "[scenario]") {
    SimCluster sim(three_nodes(2));
    const NodeId old = settle(sim, "web");
    sim.isolate(old);
    const NodeId next = [&] {
        time_to_new_primary(sim, "web", old);
        return *sim.primary_of("web");
    }();
    // The isolated node must have stopped: it lost its lease.
    SIM_CHECK_FALSE(sim, sim.ground_truth().running(old, sim.group_id("web")));
    sim.heal();
    sim.run_for(3s);
    SIM_CHECK(sim, sim.primary_of("web") == next);  // stickiness: no fail-back after the heal
    require_safe(sim);
}

TEST_CASE("failover: one-way cut in each direction", "[scenario]") {
    enum class Direction { primary_cannot_send, primary_cannot_receive };
    const Direction direction =
        GENERATE(Direction::primary_cannot_send, Direction::primary_cannot_receive);
    SimCluster sim(three_nodes(direction == Direction::primary_cannot_send ? 3 : 4));
    const NodeId old = settle(sim, "web");
    for (NodeId n = 0; n < sim.node_count(); ++n) {
        if (n == old) continue;
        if (direction == Direction::primary_cannot_send) {
            sim.cut(old, n);
        } else {
            sim.cut(n, old);
        }
    }
    time_to_new_primary(sim, "web", old);
    SIM_CHECK_FALSE(sim, sim.ground_truth().running(old, sim.group_id("web")));
    sim.heal();
    sim.run_for(3s);
    SIM_CHECK(sim, sim.running_nodes("web").size() == 1);
    require_safe(sim);
}

TEST_CASE("failover: minority partition holding the primary", "[scenario]") {
    SimOptions o = three_nodes(5);
    o.nodes = 5;
    SimCluster sim(o);
    const NodeId old = settle(sim, "web");
    std::vector<NodeId> minority{old}, majority;
    for (NodeId n = 0; n < 5; ++n) {
        if (n == old) continue;
        (minority.size() < 2 ? minority : majority).push_back(n);
    }
    sim.partition({minority, majority});
    time_to_new_primary(sim, "web", old);
    const NodeId next = *sim.primary_of("web");
    SIM_CHECK(sim, std::find(majority.begin(), majority.end(), next) != majority.end());
    for (NodeId n : minority) SIM_CHECK_FALSE(sim, sim.ground_truth().running(n, sim.group_id("web")));
    sim.run_for(3s);  // the minority never promotes anyone
    for (NodeId n : minority) SIM_CHECK_FALSE(sim, sim.ground_truth().running(n, sim.group_id("web")));
    sim.heal();
    sim.run_for(3s);
    SIM_CHECK(sim, sim.primary_of("web") == next);
    require_safe(sim);
}

TEST_CASE("failover: flapping link to the primary", "[scenario]") {
    SimCluster sim(three_nodes(6));
    const NodeId old = settle(sim, "web");
    for (int i = 0; i < 20; ++i) {
        sim.isolate(old);
        sim.run_for(std::chrono::milliseconds(150 + 40 * (i % 7)));
        sim.heal();
        sim.run_for(std::chrono::milliseconds(120 + 90 * (i % 5)));
    }
    sim.run_for(4s);
    SIM_CHECK(sim, sim.primary_of("web").has_value());
    require_safe(sim);
}

TEST_CASE("failover: clocks drifting at the bound in opposite directions", "[scenario]") {
    SimOptions o = three_nodes(7);
    o.clocks = ClockSetup::ideal;
    SimCluster sim(o);
    const std::int32_t bound = static_cast<std::int32_t>(sim.config().timing.max_clock_drift_ppm);
    const NodeId old = settle(sim, "web");
    // The holder's clock runs slow (its lease looks longer in real time), the
    // voters' clocks fast (their holds look shorter): the worst case of design §4.6.
    for (NodeId n = 0; n < sim.node_count(); ++n) sim.set_drift(n, n == old ? -bound : bound);
    sim.run_for(1s);
    sim.isolate(old);
    time_to_new_primary(sim, "web", old);
    sim.run_for(2s);
    require_safe(sim);
}

TEST_CASE("failover: daemon paused longer than the lease; the supervisor stops the group",
          "[scenario]") {
    SimCluster sim(three_nodes(8));
    const NodeId old = settle(sim, "web");
    sim.pause(old, 5s);
    time_to_new_primary(sim, "web", old);
    sim.run_for(6s);  // the paused daemon resumes and must not take the group back
    SIM_CHECK(sim, sim.status(old) == NodeStatus::up);
    SIM_CHECK(sim, sim.running_nodes("web").size() == 1);
    SIM_CHECK(sim, sim.primary_of("web") != old);
    require_safe(sim);
}

TEST_CASE("failover: daemon paused shorter than the timeout keeps the group", "[scenario]") {
    SimCluster sim(three_nodes(9));
    const NodeId old = settle(sim, "web");
    sim.pause(old, 200ms);
    sim.run_for(3s);
    SIM_CHECK(sim, sim.primary_of("web") == old);
    require_safe(sim);
}

TEST_CASE("failover: daemon killed; the supervisor stops the group", "[scenario]") {
    SimCluster sim(three_nodes(10));
    const NodeId old = settle(sim, "web");
    sim.kill_daemon(old);
    time_to_new_primary(sim, "web", old);
    sim.restart(old);
    sim.run_for(3s);
    SIM_CHECK(sim, sim.running_nodes("web").size() == 1);
    require_safe(sim);
}

TEST_CASE("failover: daemon killed and restarted within its lease takes its groups over, no failover",
          "[scenario]") {
    SimCluster sim(three_nodes(12));
    const NodeId old = settle(sim, "web");
    const agent::Term term = sim.view(old)->groups.at(sim.group_id("web")).term;
    sim.kill_daemon(old);
    sim.run_for(100ms);
    sim.restart(old);
    // Through the restart and long after: the same node, the same term, never down.
    for (int i = 0; i < 30; ++i) {
        sim.run_for(100ms);
        SIM_CHECK(sim, sim.running_nodes("web") == std::vector<NodeId>{old});
    }
    SIM_CHECK(sim, sim.primary_of("web") == old);
    SIM_CHECK(sim, sim.view(old)->groups.at(sim.group_id("web")).term == term);
    require_safe(sim);
}

TEST_CASE("failover: daemon killed and restarted after its stop_at: stopped, failed over, back as standby",
          "[scenario]") {
    SimCluster sim(three_nodes(13));
    const NodeId old = settle(sim, "web");
    sim.kill_daemon(old);
    time_to_new_primary(sim, "web", old);
    sim.restart(old);
    sim.run_for(3s);
    SIM_CHECK(sim, sim.running_nodes("web").size() == 1);
    SIM_CHECK(sim, sim.primary_of("web") != old);
    require_safe(sim);
}

TEST_CASE("failover: coordinator crash during a promotion", "[scenario]") {
    // web prefers n2 then n3; n1, the lowest-numbered node, coordinates.
    SimOptions o = three_nodes(11);
    o.config = make_sim_config(3, {"web"}, 1);
    o.config->groups[0].nodes = {"n2", "n3", "n1"};
    SimCluster sim(o);
    const NodeId n1 = sim.node_id("n1"), n2 = sim.node_id("n2"), n3 = sim.node_id("n3");
    SIM_REQUIRE(sim, settle(sim, "web") == n2);
    // Crash the primary, then the coordinator while it is promoting n3.
    sim.crash(n2);
    const bool claiming = sim.run_until(
        [&] {
            const auto v = sim.view(n3);
            return v && v->groups[0].role == agent::Role::claiming;
        },
        3s);
    SIM_REQUIRE(sim, claiming);
    sim.crash(n1);
    sim.run_for(3s);
    // n3 alone has no quorum: it must not run web.
    SIM_CHECK(sim, sim.running_nodes("web").empty());
    sim.restart(n1);
    SIM_CHECK(sim, settle(sim, "web") == n3);
    require_safe(sim);
}

TEST_CASE("failover: stop script hangs on a reachable primary blocks the takeover",
          "[scenario]") {
    SimCluster sim(three_nodes(12));
    const NodeId old = settle(sim, "web");
    const NodeId target = old == 0 ? 1 : 0;
    sim.next_script(old, agent::ScriptAction::stop, Behaviour::hang);
    sim.next_script(old, agent::ScriptAction::stop, Behaviour::fail);
    sim.command(target, agent::in::Command{0, agent::CommandKind::switchover, "web",
                                           sim.node_name(target)});
    // The stop hangs until its timeout, then fails once more: the group's state is
    // unknown there, so nobody may start it meanwhile.
    const bool blocked = sim.run_until(
        [&] {
            const auto v = sim.view(old);
            return v && v->groups[0].role == agent::Role::stop_failed;
        },
        3s);
    SIM_REQUIRE(sim, blocked);
    SIM_CHECK(sim, sim.running_nodes("web") == std::vector<NodeId>{old});
    // The retry succeeds: the switchover completes.
    const bool moved = sim.run_until([&] { return sim.primary_of("web") == target; }, 5s);
    SIM_CHECK(sim, moved);
    require_safe(sim);
}

TEST_CASE("failover: start script fails, the group moves to the next node", "[scenario]") {
    SimCluster sim(three_nodes(13));
    const NodeId first = sim.node_id("n1");
    sim.next_script(first, agent::ScriptAction::start, Behaviour::fail);
    const NodeId p = settle(sim, "web", 8s);
    SIM_CHECK(sim, p != first);
    SIM_CHECK_FALSE(sim, sim.ground_truth().running(first, sim.group_id("web")));
    require_safe(sim);
}

TEST_CASE("failover: a start that hangs is killed at its timeout and the group moves",
          "[scenario]") {
    SimCluster sim(three_nodes(14));
    const NodeId first = sim.node_id("n1");
    sim.next_script(first, agent::ScriptAction::start, Behaviour::hang);
    const NodeId p = settle(sim, "web", 10s);
    SIM_CHECK(sim, p != first);
    require_safe(sim);
}

TEST_CASE("failover: a daemon resumed while its supervisor is stopping the group waits for it",
          "[scenario]") {
    SimOptions o = three_nodes(15);
    o.scripts.stop_min = 150ms;  // a slow stop, so that the resume lands inside it
    o.scripts.stop_max = 180ms;
    SimCluster sim(o);
    const NodeId old = settle(sim, "web");
    auto logged = [&](const std::string& what) {
        for (const std::string& line : sim.log()) {
            if (line.find(what) != std::string::npos) return true;
        }
        return false;
    };
    sim.pause(old);
    SIM_REQUIRE(sim, sim.run_until([&] { return logged("supervisor stops group=web"); }, 3s));
    // The resumed daemon's own stop is quick: it ends while the supervisor's runs.
    sim.scripts().stop_min = 1ms;
    sim.scripts().stop_max = 2ms;
    sim.resume(old);
    // Until the supervisor's stop has ended, the resumed node must not treat the
    // group as released: no new claim, no start there (design §4.3).
    while (!logged("supervisor script stop group=web ended")) {
        const auto v = sim.view(old);
        SIM_REQUIRE(sim, v.has_value());
        SIM_REQUIRE(sim, v->groups[0].role == agent::Role::stopping);
        sim.run_for(1ms);
    }
    sim.run_for(3s);
    SIM_CHECK(sim, sim.running_nodes("web").size() == 1);
    require_safe(sim);
}
