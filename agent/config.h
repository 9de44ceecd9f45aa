#pragma once
// The cluster configuration as pure data, plus validation and the timing
// explanation (docs/design.md §5). Loading it from JSON is the daemon's job; the
// core only needs the validated values.
#include <map>
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
    // With failback automatic: how long the better node must have been eligible
    // without a break before the group moves back (a bouncing node must not pull it).
    Duration failback_delay = Duration::zero();  // 0: at once, as before the key existed
    // Relations to other groups by name (design §3.4), all mandatory:
    std::vector<std::string> with{};       // runs only on the node these groups are placed on
    std::vector<std::string> away_from{};  // never on a node that runs or is given these
    std::vector<std::string> after{};      // starts once these are primary; stops before they move
    Duration start_timeout = std::chrono::seconds(20);  // a start may be slow; it is not on the safety path
    Duration stop_timeout = std::chrono::milliseconds(200);  // the stop budget: it adds to every failover
    // Some resource is promotable: its instance runs unpromoted on every eligible
    // node, and only nodes whose instance is ready may become primary (promoted).
    bool promotable = false;
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

enum class FenceAction { off, reboot };

// One fence device (docs/design.md §4.7): a Debian fence-agents style program run
// with key=value lines on stdin. The core only needs which nodes it covers; the
// daemon runs it.
struct FenceDevice {
    std::string name;
    std::string agent;  // a name searched in /usr/sbin, or an absolute path
    std::map<std::string, std::string> params;
    std::vector<std::string> nodes;  // which nodes it can fence; empty: every node
    std::map<std::string, std::string> host_map;  // node -> plug= value; default the node name
};

struct FencingConfig {
    std::vector<FenceDevice> devices;  // tried in order until one succeeds; empty: no fencing
    Duration timeout = std::chrono::seconds(20);  // fence_ipmilan's own power wait plus a BMC round trip
    FenceAction action = FenceAction::off;  // off: a fenced node stays down until an operator looks
    // Whether some device can fence the node.
    bool covers(const std::string& node) const;
};

// What a node does when a stop of one of its groups cannot be confirmed before
// its lease ends and the resources are not all addresses it removed itself
// (docs/design.md §4.8): the last step of the escalation.
enum class SelfFence : std::uint8_t {
    reboot,   // the kernel reboots at once (sysrq 'b', as sbd does): nothing runs on
    command,  // an operator's executable is run, given the group and term (tests, IPMI)
    off,      // nothing: the group may run on two nodes (--check-config says so)
};

struct ClusterConfig {
    std::string cluster;
    std::vector<NodeConfig> nodes;
    TimingConfig timing;
    QuorumConfig quorum;
    std::vector<GroupConfig> groups;
    FencingConfig fencing;
    // Local behaviour, not part of the config hash: every node may choose its own.
    // reboot: the guarantee holds whatever a stop does (sbd, Pacemaker's on-fail=fence).
    SelfFence self_fence = SelfFence::reboot;

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
const char* to_string(FenceAction action);
const char* to_string(SelfFence action);
std::uint64_t cluster_id(const std::string& cluster_name);

}  // namespace hacluster::agent
