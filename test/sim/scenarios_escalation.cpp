// Escalation scenarios (docs/design.md §4.8): a stop that cannot be confirmed
// before the lease ends — it hangs, overruns or fails on a node cut off from the
// cluster — is killed, the group's addresses are removed and, unless those were
// the whole group, the node self-fences, all before anyone else may start it.
#include <algorithm>

#include "test/sim/scenario_support.h"

using namespace hacluster;
using namespace hacluster::sim;
using namespace hacluster::sim::scenario;

namespace {

bool transcript_has(const SimCluster& sim, const std::string& a, const std::string& b = "") {
    return std::any_of(sim.transcript().begin(), sim.transcript().end(), [&](const std::string& line) {
        return line.find(a) != std::string::npos && line.find(b) != std::string::npos;
    });
}

bool log_has(const SimCluster& sim, const std::string& text) {
    return std::any_of(sim.log().begin(), sim.log().end(),
                       [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

SimOptions one_group(std::uint64_t seed, bool address_only) {
    SimOptions o = three_nodes(seed);
    o.address_only = {address_only};
    return o;
}

}  // namespace

TEST_CASE("escalation: an isolated primary whose stop hangs, address-only group: removed, not fenced",
          "[scenario][escalation]") {
    const Behaviour behaviour = GENERATE(Behaviour::hang, Behaviour::overrun, Behaviour::fail);
    SimCluster sim(one_group(11, true));
    const NodeId old = settle(sim, "web");
    for (int i = 0; i < 20; ++i) sim.next_script(old, agent::ScriptAction::stop, behaviour);
    sim.isolate(old);
    time_to_new_primary(sim, "web", old);
    SIM_CHECK(sim, transcript_has(sim, "escalating", "group=web"));
    SIM_CHECK(sim, transcript_has(sim, "stopped", "escalated_addresses_removed"));
    // No reboot was needed: the node is up, a standby.
    SIM_CHECK(sim, sim.status(old) == NodeStatus::up);
    SIM_CHECK_FALSE(sim, sim.ground_truth().running(old, sim.group_id("web")));
    sim.run_for(2s);
    require_safe(sim);
}

TEST_CASE("escalation: an isolated primary whose stop hangs, a group with a service: self-fenced",
          "[scenario][escalation]") {
    SimCluster sim(one_group(12, false));
    const NodeId old = settle(sim, "web");
    for (int i = 0; i < 20; ++i) sim.next_script(old, agent::ScriptAction::stop, Behaviour::hang);
    sim.isolate(old);
    time_to_new_primary(sim, "web", old);
    SIM_CHECK(sim, transcript_has(sim, "self_fencing", "group=web"));
    SIM_CHECK(sim, log_has(sim, "self-fenced (reboot)"));
    sim.heal();
    sim.run_for(6s);  // it reboots and joins as a standby
    SIM_CHECK(sim, sim.status(old) == NodeStatus::up);
    SIM_CHECK(sim, sim.running_nodes("web").size() == 1);
    require_safe(sim);
}

TEST_CASE("escalation: without it (or with self_fence off) the same hang runs the group twice",
          "[scenario][escalation]") {
    const bool off = GENERATE(false, true);
    SimOptions options = one_group(12, false);
    if (off) {
        agent::ClusterConfig config = make_sim_config(3, {"web"}, 1);
        config.self_fence = agent::SelfFence::off;
        options.config = config;
    } else {
        options.safety = agent::Safety::unsafe_no_escalation;
    }
    SimCluster sim(options);
    const NodeId old = settle(sim, "web");
    for (int i = 0; i < 20; ++i) sim.next_script(old, agent::ScriptAction::stop, Behaviour::hang);
    sim.isolate(old);
    sim.run_for(3s);
    INFO(dump(sim));
    CHECK_FALSE(sim.violations().empty());
}

TEST_CASE("escalation: a stop that fails on a node still in the cluster blocks the group there",
          "[scenario][escalation]") {
    SimCluster sim(one_group(13, false));
    const NodeId old = settle(sim, "web");
    for (int i = 0; i < 200; ++i) sim.next_script(old, agent::ScriptAction::stop, Behaviour::fail);
    // A switchover asks for a stop; it fails again and again. The granters keep
    // renewing the stop_failed holder: nobody starts the group elsewhere, and
    // the node is not fenced (Pacemaker: blocked until cleaned up or fenced).
    agent::in::Command switchover;
    switchover.kind = agent::CommandKind::switchover;
    switchover.group = "web";
    sim.command(old, switchover);
    sim.run_for(5s);
    const auto v = sim.view(old);
    SIM_REQUIRE(sim, v.has_value());
    SIM_CHECK(sim, v->groups.at(0).role == agent::Role::stop_failed);
    SIM_CHECK(sim, sim.running_nodes("web") == std::vector<NodeId>{old});
    SIM_CHECK_FALSE(sim, transcript_has(sim, "escalating"));
    SIM_CHECK(sim, sim.status(old) == NodeStatus::up);
    require_safe(sim);
}

TEST_CASE("escalation: the supervisor of a frozen daemon escalates a hanging stop",
          "[scenario][escalation]") {
    const bool address_only = GENERATE(true, false);
    // Every stop hangs, the supervisor's too, until the heal.
    SimOptions options = one_group(14, address_only);
    SimCluster sim(options);
    const NodeId old = settle(sim, "web");
    sim.scripts().stop_hang_ppm = 1'000'000;
    sim.pause(old);  // frozen: the supervisor stops the group at its stop_at
    time_to_new_primary(sim, "web", old);
    SIM_CHECK(sim, log_has(sim, "supervisor escalates group=web"));
    SIM_CHECK(sim, address_only != log_has(sim, "self-fenced"));
    SIM_CHECK_FALSE(sim, sim.ground_truth().running(old, sim.group_id("web")));
    sim.scripts().stop_hang_ppm = 0;
    sim.resume(old);
    sim.heal_all();
    sim.run_for(6s);
    SIM_CHECK(sim, sim.running_nodes("web").size() == 1);
    require_safe(sim);
}
