#include "test/sim/sim_faults.h"

#include <algorithm>
#include <memory>

#include "agent/timing.h"

namespace hacluster::sim {

namespace {

using namespace std::chrono_literals;

enum class FaultKind : std::uint8_t { crash, kill, pause, partition, flap, drift, delay, leave, health, ready };

Duration between(agent::Prng& prng, Duration lo, Duration hi) {
    if (hi <= lo) return lo;
    return Duration(prng.range(lo.count(), hi.count()));
}

NodeId any_node(SimCluster& sim) {
    return static_cast<NodeId>(sim.fault_prng().below(sim.node_count()));
}

// Half the time the primary of a random group (the interesting victim), else any node.
NodeId pick_victim(SimCluster& sim) {
    agent::Prng& prng = sim.fault_prng();
    if (prng.below(2) == 0) {
        const GroupId g = static_cast<GroupId>(prng.below(sim.config().groups.size()));
        if (auto p = sim.current_primary(g)) return *p;
    }
    return any_node(sim);
}

std::vector<NodeId> all_but(const SimCluster& sim, NodeId node) {
    std::vector<NodeId> rest;
    for (NodeId n = 0; n < sim.node_count(); ++n) {
        if (n != node) rest.push_back(n);
    }
    return rest;
}

// The longest grant hold: pauses around it are where the lease logic is tested.
Duration longest_hold(const agent::ClusterConfig& config) {
    Duration hold{};
    for (const agent::GroupConfig& g : config.groups) {
        hold = std::max(hold, agent::group_timing(config, g).grant_hold);
    }
    return hold;
}

// A cut that outlasts the heal point is cleared by heal_all() there.
void partition_fault(SimCluster& sim) {
    agent::Prng& prng = sim.fault_prng();
    const SimNetwork& net = sim.network();
    const Duration duration = between(prng, 200ms, 6s);
    const NodeId victim = pick_victim(sim);
    const std::vector<NodeId> me{victim};
    const std::vector<NodeId> rest = all_but(sim, victim);
    switch (prng.below(7)) {
        case 0: {
            auto cuts = net.links_between(me, rest);
            auto back = net.links_between(rest, me);
            cuts.insert(cuts.end(), back.begin(), back.end());
            sim.cut_for(cuts, duration, "isolate " + sim.node_name(victim));
            break;
        }
        case 1:
            sim.cut_for(net.links_between(rest, me), duration, "inbound cut to " + sim.node_name(victim));
            break;
        case 2:
            sim.cut_for(net.links_between(me, rest), duration,
                        "outbound cut from " + sim.node_name(victim));
            break;
        case 3:
        case 4: {
            // A random split into two non-empty sides.
            std::vector<NodeId> a{victim};
            std::vector<NodeId> b;
            for (NodeId n : rest) (prng.below(2) == 0 ? a : b).push_back(n);
            if (b.empty()) {
                b.push_back(a.back());
                a.pop_back();
            }
            if (a.empty()) break;
            auto cuts = net.links_between(a, b);
            std::string what = "split";
            if (prng.below(2) == 0) {
                auto back = net.links_between(b, a);
                cuts.insert(cuts.end(), back.begin(), back.end());
            } else {
                what += " one-way";
            }
            for (NodeId n : a) what += " " + sim.node_name(n);
            what += " |";
            for (NodeId n : b) what += " " + sim.node_name(n);
            sim.cut_for(cuts, duration, what);
            break;
        }
        case 5: {
            if (rest.empty()) break;
            const NodeId other = rest[prng.below(rest.size())];
            sim.cut_for(net.links_between(me, {other}), duration,
                        "cut " + sim.node_name(victim) + "->" + sim.node_name(other));
            break;
        }
        case 6: {
            // One link of one node down both ways: redundant links must carry on.
            const auto link = static_cast<std::uint8_t>(prng.below(net.links()));
            std::vector<DirectedLink> cuts;
            for (NodeId other : rest) {
                cuts.push_back({victim, other, link});
                cuts.push_back({other, victim, link});
            }
            sim.cut_for(cuts, duration,
                        "link " + std::to_string(link) + " of " + sim.node_name(victim) + " down");
            break;
        }
    }
}

void flap_fault(SimCluster& sim, SimTime heal_at) {
    agent::Prng& prng = sim.fault_prng();
    const NodeId a = any_node(sim);
    const std::vector<NodeId> rest = all_but(sim, a);
    if (rest.empty()) return;
    const NodeId b = rest[prng.below(rest.size())];
    const Duration period = between(prng, 50ms, 800ms);
    const std::uint64_t flaps = 3 + prng.below(10);
    auto cuts = sim.network().links_between({a}, {b});
    auto back = sim.network().links_between({b}, {a});
    cuts.insert(cuts.end(), back.begin(), back.end());
    const std::string what = "flap " + sim.node_name(a) + "<->" + sim.node_name(b);
    for (std::uint64_t i = 0; i < flaps; ++i) {
        sim.after(2 * period * static_cast<std::int64_t>(i),
                  [&sim, cuts, period, what, heal_at] {
                      if (sim.now() < heal_at) sim.cut_for(cuts, period, what);
                  });
    }
}

// Restarts a node once its graceful leave is done (it may still be handing its
// groups over, also past the heal point: then heal_all() did not restart it).
void come_back_after_leaving(SimCluster& sim, NodeId n, Duration delay, int tries) {
    sim.after(delay, [&sim, n, tries] {
        if (sim.status(n) == NodeStatus::left) {
            sim.restart(n);
        } else if (sim.status(n) == NodeStatus::up && tries > 0) {
            come_back_after_leaving(sim, n, 200ms, tries - 1);
        }
    });
}

void fire(SimCluster& sim, FaultKind kind, SimTime heal_at) {
    agent::Prng& prng = sim.fault_prng();
    const agent::ClusterConfig& config = sim.config();
    switch (kind) {
        case FaultKind::crash: {
            const NodeId n = pick_victim(sim);
            sim.crash(n);
            sim.after(between(prng, 300ms, 5s), [&sim, n] { sim.restart(n); });
            break;
        }
        case FaultKind::kill: {
            const NodeId n = pick_victim(sim);
            sim.kill_daemon(n);
            sim.after(between(prng, 100ms, 3s), [&sim, n] { sim.restart(n); });
            break;
        }
        case FaultKind::pause: {
            const NodeId n = pick_victim(sim);
            const Duration hold = longest_hold(config);
            Duration d;
            switch (prng.below(3)) {
                case 0: d = between(prng, 5ms, config.timing.timeout); break;  // unnoticed or nearly
                case 1: d = between(prng, config.timing.timeout, 2 * hold); break;  // around the lease
                default: d = between(prng, 2 * hold, 5s); break;  // the supervisor must act
            }
            sim.pause(n, d);
            break;
        }
        case FaultKind::partition: partition_fault(sim); break;
        case FaultKind::flap: flap_fault(sim, heal_at); break;
        case FaultKind::drift: {
            const NodeId n = any_node(sim);
            const auto bound = static_cast<std::int32_t>(config.timing.max_clock_drift_ppm);
            std::int32_t ppm;
            switch (prng.below(4)) {
                case 0: ppm = bound; break;
                case 1: ppm = -bound; break;
                default: ppm = static_cast<std::int32_t>(prng.range(-bound, bound));
            }
            sim.set_drift(n, ppm);
            break;
        }
        case FaultKind::delay: {
            const NodeId n = any_node(sim);
            const Duration extra = between(prng, 2ms, 200ms);
            sim.note(format_time(sim.now()) + " sim: fault delay spike +" +
                     std::to_string(agent::to_ms(extra)) + " ms on " + sim.node_name(n));
            sim.network().set_node_delay(n, extra);
            sim.after(between(prng, 500ms, 4s), [&sim, n] { sim.network().set_node_delay(n, {}); });
            break;
        }
        case FaultKind::leave: {
            const NodeId n = any_node(sim);
            sim.shutdown(n);
            come_back_after_leaving(sim, n, between(prng, 500ms, 4s), 20);
            break;
        }
        case FaultKind::health: {
            const NodeId n = pick_victim(sim);
            sim.set_health(n, false, "sim-check failed: injected");
            sim.after(between(prng, 300ms, 5s), [&sim, n] { sim.set_health(n, true, "all health checks pass"); });
            break;
        }
        case FaultKind::ready: {
            // The unpromoted instance of a promotable group fails on some node (the
            // primary too: its own readiness must not move it) and comes back.
            std::vector<GroupId> promotable;
            for (GroupId g = 0; g < config.groups.size(); ++g) {
                if (config.groups[g].promotable) promotable.push_back(g);
            }
            if (promotable.empty()) break;
            const GroupId g = promotable[prng.below(promotable.size())];
            const NodeId n = pick_victim(sim);
            sim.set_ready(n, g, false);
            sim.after(between(prng, 200ms, 4s), [&sim, n, g] { sim.set_ready(n, g, true); });
            break;
        }
    }
}

}  // namespace

LinkSettings faulty_links(const FaultKnobs& knobs) {
    LinkSettings s;
    s.loss_ppm = knobs.loss_ppm;
    s.duplicate_ppm = knobs.duplicate_ppm;
    s.reorder_ppm = knobs.reorder_ppm;
    s.corrupt_ppm = knobs.corrupt_ppm;
    return s;
}

ScriptKnobs faulty_scripts(const FaultKnobs& knobs) {
    ScriptKnobs s;
    s.start_fail_ppm = knobs.start_fail_ppm;
    s.start_hang_ppm = knobs.start_hang_ppm;
    s.start_slow_ppm = knobs.start_slow_ppm;
    s.stop_fail_ppm = knobs.stop_fail_ppm;
    s.stop_hang_ppm = knobs.stop_hang_ppm;
    s.stop_slow_ppm = knobs.stop_slow_ppm;
    s.stop_overrun_ppm = knobs.stop_overrun_ppm;
    return s;
}

void schedule_faults(SimCluster& sim, const FaultKnobs& knobs, SimTime heal_at) {
    const std::pair<FaultKind, std::uint32_t> rates[] = {
        {FaultKind::crash, knobs.crash_per_min},       {FaultKind::kill, knobs.kill_per_min},
        {FaultKind::pause, knobs.pause_per_min},       {FaultKind::partition, knobs.partition_per_min},
        {FaultKind::flap, knobs.flap_per_min},         {FaultKind::drift, knobs.drift_per_min},
        {FaultKind::delay, knobs.delay_per_min},       {FaultKind::leave, knobs.leave_per_min},
        {FaultKind::health, knobs.health_per_min},
        {FaultKind::ready, knobs.ready_per_min},
    };
    agent::Prng& prng = sim.fault_prng();
    for (const auto& [kind, per_min] : rates) {
        if (per_min == 0) continue;
        // Gaps uniform in [0, 2 × mean]: the right rate without floating point.
        const Duration mean = Duration(std::chrono::minutes(1)) / per_min;
        SimTime t = knobs.warmup;
        while (true) {
            t += between(prng, Duration::zero(), 2 * mean);
            if (t >= heal_at) break;
            sim.at(t, [&sim, kind, heal_at] { fire(sim, kind, heal_at); });
        }
    }
    sim.at(heal_at, [&sim] { sim.heal_all(); });
}

}  // namespace hacluster::sim
