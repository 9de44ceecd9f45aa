#include "test/sim/sim_sweep.h"

#include <algorithm>

#include "agent/group_relations.h"
#include "agent/timing.h"
#include "test/sim/sim_config.h"

namespace hacluster::sim {

namespace {
using namespace std::chrono_literals;
// The faults need at least this much time between the warm-up and the heal point.
constexpr Duration min_fault_window = 1s;
// How often convergence is sampled between the liveness deadline and the end of
// the run (a view of each running node each time).
constexpr Duration stable_sample = 50ms;
}  // namespace

Duration liveness_bound(const agent::ClusterConfig& config, const ScriptKnobs& scripts) {
    const agent::TimingConfig& t = config.timing;
    // A group with or after others converges only once they did: its bound adds
    // to theirs (placement order, design §3.4).
    const agent::GroupRelations relations = agent::relate_groups(config);
    std::vector<Duration> until(config.groups.size());
    Duration bound{};
    for (const agent::GroupId id : relations.order) {
        const agent::GroupConfig& group = config.groups[id];
        const agent::GroupTiming g = agent::group_timing(config, group);
        // From the heal point (or, later, the end of the last script that was given
        // an injected fault) every group must run on exactly one node whose agent
        // says primary within:
        //   failover_bound        a claimant may have to wait out the grant a dead or
        //                         cut-off holder still has (timing.cpp, design §5 B1)
        // + grant_hold            nodes rebooted at the heal point grant nothing
        //                         during their quiet period, at most one grant hold
        // + timeout + 3 interval  the healed membership is detected (one failure
        //                         timeout), then heartbeat rounds to agree on the
        //                         coordinator, send its assignment and claim
        // + stop_timeout          the group may first have to stop where it runs
        // + start_max             the start script must end before the role is primary
        Duration before{};
        for (const auto* list : {&relations.with[id], &relations.after[id]}) {
            for (const agent::GroupId d : *list) before = std::max(before, until[d]);
        }
        // A group with another can run only on that one's node: after a start that
        // failed there (an injected fault) it waits out the backoff instead of moving.
        const Duration backoff = relations.with[id].empty() ? Duration{} : g.start_failure_backoff;
        until[id] = before + g.failover_bound + g.grant_hold + t.timeout + 3 * t.interval +
                    group.stop_timeout + scripts.start_max + backoff;
        bound = std::max(bound, until[id]);
    }
    return bound;
}

Duration settle_time(const agent::ClusterConfig& config, const ScriptKnobs& scripts) {
    Duration longest_script{};
    for (const agent::GroupConfig& group : config.groups) {
        longest_script = std::max({longest_script, group.start_timeout, group.stop_timeout});
    }
    return longest_script + liveness_bound(config, scripts) + stable_window;
}

agent::ClusterConfig sweep_config(const SweepOptions& options) {
    agent::ClusterConfig config =
        make_sim_config(options.nodes, numbered_groups(options.groups), options.links);
    if (options.relations == Relations::linked && config.groups.size() >= 2) {
        config.groups[1].with = {config.groups[0].name};
        config.groups[1].after = {config.groups[0].name};
        if (config.groups.size() >= 3) config.groups[2].away_from = {config.groups[0].name};
    }
    // Every second group promotable (g2, g4, ...): readiness faults hit those. Not
    // with relations, whose sweep judges placement rules on plain groups.
    if (options.relations != Relations::linked) {
        for (std::size_t g = 1; g < config.groups.size(); g += 2) config.groups[g].promotable = true;
    }
    if (options.fencing) with_fencing(config);
    return config;
}

std::optional<std::string> check_duration(const SweepOptions& options) {
    const agent::ClusterConfig config = sweep_config(options);
    const Duration needed =
        options.faults.warmup + min_fault_window + settle_time(config, ScriptKnobs{});
    if (options.duration < needed) {
        return "must be at least " + std::to_string((agent::to_ms(needed) + 999) / 1000) +
               " s: " + std::to_string(agent::to_ms(options.faults.warmup)) + " ms warm-up + " +
               std::to_string(agent::to_ms(min_fault_window)) + " ms of faults + " +
               std::to_string(agent::to_ms(settle_time(config, ScriptKnobs{}))) +
               " ms to settle and check liveness";
    }
    return std::nullopt;
}

RunResult run_seed(std::uint64_t seed, const SweepOptions& options) {
    RunResult result;
    result.seed = seed;
    result.config = sweep_config(options);
    SimCluster sim(SimOptions{
        .nodes = options.nodes,
        .groups = numbered_groups(options.groups),
        .seed = seed,
        .links = options.links,
        .config = result.config,
        .safety = options.safety,
        .clocks = ClockSetup::random_drift,
        .start_spread = 500ms,  // a cold start where the daemons come up one by one
        .scripts = faulty_scripts(options.faults),
        .network = faulty_links(options.faults),
        .recording = options.recording,
        .fencing = FenceKnobs{.fail_ppm = options.faults.fence_fail_ppm,
                              .slow_ppm = options.faults.fence_slow_ppm,
                              .reboot_min = 300ms,
                              .reboot_max = 5s},
        // g1 holds only addresses (a vip): a stuck stop is ended by removing them;
        // the other groups need the self-fence (design §4.8).
        .address_only = {true},
    });
    const ScriptKnobs normal_scripts{};
    const SimTime heal_at = options.duration - settle_time(result.config, normal_scripts);
    schedule_faults(sim, options.faults, heal_at);

    auto finish = [&] {
        result.violations = sim.violations();
        result.failovers = sim.failovers();
        if (!result.violations.empty() || result.liveness) result.log = sim.log();
        return result;
    };

    // Safety is checked by the cluster after every event; a run that broke it
    // stops early (one violation makes the run fail).
    while (sim.now() < heal_at) {
        sim.run_until(std::min(heal_at, sim.now() + 1s));
        if (!sim.violations().empty()) return finish();
    }
    sim.run_until(heal_at);  // includes heal_all() at heal_at

    // Liveness: by `deadline` every group runs on exactly one node whose agent is
    // primary, and it stays so to the end of the run. Before the deadline the
    // cluster may still reshuffle (a resumed or rebooted node sorting itself out).
    const SimTime from = std::max(heal_at, sim.faulty_scripts_settled());
    const SimTime deadline = from + liveness_bound(result.config, normal_scripts);
    sim.run_until(deadline);
    if (!sim.violations().empty()) return finish();
    if (auto problem = sim.convergence_problem()) {
        result.liveness = Violation{sim.now(), ViolationKind::liveness, 0, {},
                                    "not converged " + std::to_string(agent::to_ms(sim.now() - heal_at)) +
                                        " ms after the heal point: " + *problem};
        sim.note(describe(*result.liveness, result.config));
        return finish();
    }
    while (sim.now() < options.duration) {
        sim.run_until(std::min(options.duration, sim.now() + stable_sample));
        if (!sim.violations().empty()) return finish();
        if (auto lost = sim.convergence_problem()) {
            result.liveness = Violation{sim.now(), ViolationKind::liveness, 0, {},
                                        "converged by the deadline, then lost it: " + *lost};
            sim.note(describe(*result.liveness, result.config));
            return finish();
        }
    }
    return finish();
}

}  // namespace hacluster::sim
