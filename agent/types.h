#pragma once
// Basic vocabulary of the core. Time is an input: an Instant is a reading of the
// node's own monotonic clock, handed in by the shell or the simulator. There is
// deliberately no now() anywhere in agent/.
#include <chrono>
#include <cstdint>
#include <limits>

namespace hacluster::agent {

// A clock type without now(): it only gives std::chrono arithmetic to instants
// that come from outside.
struct NodeClock {
    using rep = std::int64_t;
    using period = std::nano;
    using duration = std::chrono::nanoseconds;
    using time_point = std::chrono::time_point<NodeClock>;
    static constexpr bool is_steady = true;
};

using Duration = std::chrono::nanoseconds;
using Instant = NodeClock::time_point;

using NodeId = std::uint16_t;   // index into ClusterConfig::nodes
using GroupId = std::uint16_t;  // index into ClusterConfig::groups
using Term = std::uint64_t;     // fencing token, cluster-wide monotonic
using Incarnation = std::uint64_t;
using Seq = std::uint64_t;

inline constexpr NodeId no_node = std::numeric_limits<NodeId>::max();

// Limits on everything (TigerBeetle style): the codec and the config reject more.
inline constexpr std::size_t max_nodes = 64;
inline constexpr std::size_t max_groups = 64;
inline constexpr std::size_t max_links = 4;
inline constexpr std::size_t max_pending_requests = 8;

inline constexpr std::int64_t to_ms(Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace hacluster::agent
