// Relations between groups, design §3.4: with, away_from, after.
#include "test/sim/scenario_support.h"

using namespace hacluster;
using namespace hacluster::sim;
using namespace hacluster::sim::scenario;

namespace {

// db and web, both preferring n1, n2, n3 (web would rotate to n2 first).
SimOptions db_and_web(std::uint64_t seed) {
    SimOptions o = three_nodes(seed);
    o.groups = {"db", "web"};
    o.config = make_sim_config(3, {"db", "web"}, 1);
    return o;
}

agent::in::Command switchover(std::string group, std::string to) {
    return agent::in::Command{0, agent::CommandKind::switchover, std::move(group), std::move(to)};
}

}  // namespace

TEST_CASE("relations: a group with db runs where db runs and follows it on failover",
          "[scenario]") {
    SimOptions o = db_and_web(51);
    o.config->groups[1].with = {"db"};
    SimCluster sim(o);
    const NodeId db = settle(sim, "db");
    SIM_CHECK(sim, settle(sim, "web") == db);  // web alone would go to n2
    sim.crash(db);
    time_to_new_primary(sim, "db", db);
    const NodeId next = *sim.primary_of("db");
    SIM_CHECK(sim, sim.run_until([&] { return sim.primary_of("web") == next; }, 3s));
    sim.run_for(1s);
    SIM_CHECK(sim, sim.primary_of("web") == sim.primary_of("db"));
    require_safe(sim);
}

TEST_CASE("relations: away_from never shares a node, also when the other group fails over",
          "[scenario]") {
    SimOptions o = db_and_web(52);
    o.groups = {"db", "batch"};
    o.config = make_sim_config(3, {"db", "batch"}, 1);
    o.config->groups[1].nodes = {"n1", "n2", "n3"};  // both prefer n1
    o.config->groups[1].away_from = {"db"};
    SimCluster sim(o);
    const NodeId db = settle(sim, "db");
    const NodeId batch = settle(sim, "batch");
    SIM_CHECK(sim, sim.node_name(db) == "n1");
    SIM_CHECK(sim, sim.node_name(batch) == "n2");
    // db fails over: not onto batch's node, to the third one.
    sim.crash(db);
    time_to_new_primary(sim, "db", db);
    SIM_CHECK(sim, sim.node_name(*sim.primary_of("db")) == "n3");
    SIM_CHECK(sim, sim.primary_of("batch") == batch);
    // A switchover onto batch's node is refused with the reason.
    const auto refused = sim.run_command(sim.node_id("n3"), switchover("db", "n2"), 2s);
    SIM_REQUIRE(sim, refused.has_value());
    SIM_CHECK_FALSE(sim, refused->ok);
    require_safe(sim);  // includes the colocation check of every start
}

TEST_CASE("relations: web with and after db starts only once db is primary, and stops first "
          "when db moves",
          "[scenario]") {
    SimOptions o = db_and_web(53);
    o.config->groups[1].with = {"db"};
    o.config->groups[1].after = {"db"};
    SimCluster sim(o);
    const GroundTruth& truth = sim.ground_truth();
    const GroupId db_id = sim.group_id("db");
    const GroupId web_id = sim.group_id("web");
    // After every event: web never runs on a node where db does not.
    bool web_alone = false;
    const auto watch = [&] {
        for (NodeId n = 0; n < sim.node_count(); ++n) {
            web_alone = web_alone || (truth.running(n, web_id) && !truth.running(n, db_id));
        }
    };
    const auto both_on = [&](NodeId n) {
        watch();
        return sim.primary_of("db") == n && sim.primary_of("web") == n;
    };
    const NodeId n1 = sim.node_id("n1");
    SIM_REQUIRE(sim, sim.run_until([&] { return both_on(n1); }, 5s));
    // A switchover of db: web stops first, db moves, then web starts after it.
    const NodeId n2 = sim.node_id("n2");
    const auto reply = sim.run_command(n1, switchover("db", "n2"), 2s);
    SIM_REQUIRE(sim, (reply.has_value() && reply->ok));
    SIM_CHECK(sim, sim.run_until([&] { return both_on(n2); }, 5s));
    // A crash of db's node: db fails over, web follows once db is primary.
    sim.crash(n2);
    SIM_CHECK(sim, sim.run_until([&] {
        const auto p = sim.primary_of("db");
        return p && *p != n2 && both_on(*p);
    }, 5s));
    SIM_CHECK_FALSE(sim, web_alone);
    require_safe(sim);  // includes the ordering check of every start
}

TEST_CASE("relations: after alone waits for db to be primary somewhere; a standby stops web "
          "before db",
          "[scenario]") {
    SimOptions o = db_and_web(54);
    o.config->groups[1].nodes = {"n1", "n2", "n3"};
    o.config->groups[1].after = {"db"};
    SimCluster sim(o);
    const GroundTruth& truth = sim.ground_truth();
    const GroupId db_id = sim.group_id("db");
    const GroupId web_id = sim.group_id("web");
    bool web_without_db = false;
    const auto watch = [&] {
        web_without_db = web_without_db ||
                         (truth.running_count(web_id) > 0 && truth.running_count(db_id) == 0);
        return false;
    };
    sim.run_until(watch, 3s);
    SIM_CHECK(sim, sim.primary_of("db") == sim.node_id("n1"));
    SIM_CHECK(sim, sim.primary_of("web") == sim.node_id("n1"));
    // n1 into standby: both move away, web stops before db on n1.
    const auto reply = sim.run_command(sim.node_id("n2"),
                                       agent::in::Command{0, agent::CommandKind::standby, "", "n1"},
                                       2s);
    SIM_REQUIRE(sim, (reply.has_value() && reply->ok));
    sim.run_until(watch, 4s);
    SIM_CHECK(sim, sim.primary_of("db") == sim.node_id("n2"));
    SIM_CHECK(sim, sim.primary_of("web") == sim.node_id("n2"));
    SIM_CHECK_FALSE(sim, web_without_db);
    require_safe(sim);
}
