#pragma once
// The cluster configuration as pure data, plus validation and the timing
// explanation (docs/design.md §5). Loading it from JSON is the daemon's job; the
// core only needs the validated values.
#include <string>
#include <vector>

#include "agent/types.h"

namespace hacluster::agent {

// Longest name of the cluster, a node, a group or a resource (agent/message_text.h).
inline constexpr std::size_t max_name_length = 64;

enum class Failback { never, automatic };
enum class WaitForAll { no, yes };

struct NodeConfig {
    std::string name;
    std::vector<std::string> addresses;  // one per link, same link order on every node
    std::uint32_t votes = 1;             // each node one vote: plain majority
};

struct GroupConfig {
    std::string name;
    std::vector<std::string> nodes;       // eligible nodes, best priority first
    Failback failback = Failback::never;  // a running primary stays: moves cost an outage
    Duration start_timeout = std::chrono::seconds(20);  // a start may be slow; it is not on the safety path
    Duration stop_timeout = std::chrono::milliseconds(200);  // the stop budget: it adds to every failover
};

struct TimingConfig {
    Duration interval = std::chrono::milliseconds(100);  // 10 heartbeats per failure timeout
    Duration timeout = std::chrono::milliseconds(500);   // tolerates 4 lost heartbeats in a row
    std::uint32_t max_clock_drift_ppm = 10'000;  // 1%: far above real clock rate error, costs ~2% of the lease
    Duration lease_margin = std::chrono::milliseconds(20);  // covers tick granularity and scheduling delay
    Duration tick = std::chrono::milliseconds(10);          // how often the shell steps the core
};

struct QuorumConfig {
    WaitForAll wait_for_all = WaitForAll::no;  // off: a cluster with a dead node can still cold start
};

struct ClusterConfig {
    std::string cluster;
    std::vector<NodeConfig> nodes;
    TimingConfig timing;
    QuorumConfig quorum;
    std::vector<GroupConfig> groups;

    std::uint32_t total_votes() const;
    std::uint32_t majority() const { return total_votes() / 2 + 1; }
    // Index of a node or group by name, or no_node when absent.
    NodeId node_index(const std::string& name) const;
    std::size_t group_index(const std::string& name) const;  // groups.size() when absent
};

// One problem with the config: where (a JSON-style path such as
// "heartbeat.timeout_ms" or "groups[0].nodes[2]") and what is wrong, with numbers.
struct ConfigError {
    std::string path;
    std::string message;
};

// Every problem found, empty when the config is valid. Enforces the timing
// inequalities of docs/design.md §5.
std::vector<ConfigError> validate(const ClusterConfig& config);

// Stable 64-bit hash of everything that must agree across nodes (FNV-1a over a
// canonical rendering). Carried in every heartbeat.
// The supervisor's detection slack (docs/design.md §8) must fit in the lease margin.
inline constexpr Duration min_lease_margin = std::chrono::milliseconds(2);

std::uint64_t config_hash(const ClusterConfig& config);
std::uint64_t cluster_id(const std::string& cluster_name);

}  // namespace hacluster::agent
