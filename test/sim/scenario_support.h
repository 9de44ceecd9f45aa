#pragma once
// Shared helpers of the Catch2 scenario tests: a cluster brought up to a settled
// primary, and the checks every scenario ends with.
#include <catch2/catch.hpp>

#include <sstream>

#include "agent/timing.h"
#include "test/sim/sim_cluster.h"
#include "test/sim/sim_config.h"

namespace hacluster::sim::scenario {

using namespace std::chrono_literals;

inline std::string dump(const SimCluster& sim) {
    std::ostringstream out;
    for (const std::string& line : sim.log()) out << line << '\n';
    for (const Violation& v : sim.violations()) out << describe(v, sim.config()) << '\n';
    return out.str();
}

// Catch2 checks that show the simulator's log when they fail.
#define SIM_CHECK(sim, ...)                                       \
    do {                                                          \
        INFO(::hacluster::sim::scenario::dump(sim));              \
        CHECK(__VA_ARGS__);                                       \
    } while (0)
#define SIM_CHECK_FALSE(sim, ...)                                 \
    do {                                                          \
        INFO(::hacluster::sim::scenario::dump(sim));              \
        CHECK_FALSE(__VA_ARGS__);                                 \
    } while (0)
#define SIM_CHECK_THAT(sim, ...)                                  \
    do {                                                          \
        INFO(::hacluster::sim::scenario::dump(sim));              \
        CHECK_THAT(__VA_ARGS__);                                  \
    } while (0)
#define SIM_REQUIRE(sim, ...)                                     \
    do {                                                          \
        INFO(::hacluster::sim::scenario::dump(sim));              \
        REQUIRE(__VA_ARGS__);                                     \
    } while (0)

// Safety held for the whole run (split brain, quorum, terms).
inline void require_safe(const SimCluster& sim) {
    INFO(dump(sim));
    REQUIRE(sim.violations().empty());
}

// Runs until `group` has a settled primary, at most `limit`.
inline NodeId settle(SimCluster& sim, std::string_view group, Duration limit = 5s) {
    const bool ok = sim.run_until([&] { return sim.primary_of(group).has_value(); }, limit);
    INFO(dump(sim));
    REQUIRE(ok);
    return *sim.primary_of(group);
}

// How long until `group` runs on a node other than `old` (a settled primary).
inline Duration time_to_new_primary(SimCluster& sim, std::string_view group, NodeId old,
                                    Duration limit = 5s) {
    const SimTime from = sim.now();
    const bool ok = sim.run_until(
        [&] {
            const auto p = sim.primary_of(group);
            return p && *p != old;
        },
        limit);
    INFO(dump(sim));
    REQUIRE(ok);
    return sim.now() - from;
}

inline agent::GroupTiming timing_of(const SimCluster& sim, std::string_view group) {
    const agent::ClusterConfig& c = sim.config();
    return agent::group_timing(c, c.groups.at(sim.group_id(group)));
}

inline SimOptions three_nodes(std::uint64_t seed = 1) {
    SimOptions o;
    o.nodes = 3;
    o.groups = {"web"};
    o.seed = seed;
    return o;
}

}  // namespace hacluster::sim::scenario
