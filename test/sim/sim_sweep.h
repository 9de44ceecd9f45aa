#pragma once
// One run of the seed sweep: a generated cluster, a random fault schedule up to
// the heal point, safety checked throughout, liveness after the heal.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "test/sim/sim_faults.h"

namespace hacluster::sim {

// Relations between the groups (design §3.4) in the generated config.
enum class Relations : std::uint8_t {
    none,
    // g2 with and after g1, g3 (if any) away_from g1: colocation, ordering and
    // anti-colocation under the same faults.
    linked,
};

struct SweepOptions {
    std::size_t nodes = 3;
    std::size_t groups = 2;
    std::size_t links = 2;  // redundant networks: single-link faults must not matter
    Duration duration = std::chrono::seconds(30);
    FaultKnobs faults{};
    agent::Safety safety = agent::Safety::normal;
    // A fence device on every node (docs/design.md §4.7), behaving per the fence
    // knobs of `faults`; a fenced node reboots 0.3-5 s later.
    bool fencing = false;
    Relations relations = Relations::none;
    Recording recording = Recording::off;  // transcript: keep the log of failing runs
};

struct RunResult {
    std::uint64_t seed = 0;
    std::vector<Violation> violations;  // safety
    std::optional<Violation> liveness;
    std::vector<Duration> failovers;
    std::vector<std::string> log;  // failing runs, when recorded
    agent::ClusterConfig config;
};

// The time the cluster gets after the heal point to have one primary per group
// (see the formula in sim_sweep.cpp), the largest over the groups.
Duration liveness_bound(const agent::ClusterConfig& config, const ScriptKnobs& scripts);
// Heal point to end of run: scripts with injected faults still running at the heal
// point end, the liveness bound, then a window in which it must stay converged.
Duration settle_time(const agent::ClusterConfig& config, const ScriptKnobs& scripts);
inline constexpr Duration stable_window = std::chrono::seconds(2);

agent::ClusterConfig sweep_config(const SweepOptions& options);
// nullopt when the run fits: faults need some time between warm-up and heal point.
std::optional<std::string> check_duration(const SweepOptions& options);

RunResult run_seed(std::uint64_t seed, const SweepOptions& options);

}  // namespace hacluster::sim
