#pragma once
// The `status`, `nodes` and `groups` answers (ctl/PROTOCOL.md) as compact text:
// a header line, a NODES table, a GROUPS table and the last failover. States an
// operator must act on stand out in upper case (OFFLINE, LOST, FAILED, DOWN); no
// colours, so the output reads the same in a log, a pipe or a ticket.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ctl/control_client.h"

namespace hacluster::ctl {

// Only what the tables show; decode_status() reads these fields and no others.
struct LinkStatus {
    std::string address;
    std::string state;
    std::optional<std::int64_t> last_heard_ms;  // null: never heard
};

struct NodeStatus {
    std::string name;
    std::string state;
    std::optional<std::string> health;  // healthy | unhealthy; none: offline or an older daemon
    std::vector<LinkStatus> links;
    std::optional<std::int64_t> standby_ttl_s;  // a standby that ends by itself
};

struct ResourceStatus {
    std::string name;
    std::string state;
    std::uint64_t fail_count = 0;
};

// A switchover --ttl in force.
struct PinStatus {
    std::string node;
    std::uint64_t ttl_remaining_s = 0;
};

struct GroupStatus {
    std::string name;
    std::string state;
    std::optional<std::string> primary;
    std::optional<PinStatus> pin;
    std::uint64_t term = 0;
    std::optional<std::int64_t> maintenance_ttl_s;
    std::vector<ResourceStatus> resources;
};

struct QuorumStatus {
    std::string state;
    std::uint64_t votes = 0;
    std::uint64_t needed = 0;
    std::optional<std::uint64_t> total;  // all configured votes
};

struct FailoverRecord {
    std::string group;
    std::optional<std::string> from;
    std::string to;
    std::string at;
    std::int64_t duration_ms = 0;
};

struct HealthCheckRow {
    std::string name;
    std::string type;
    std::string state;  // passing | failing
    std::uint64_t consecutive = 0;
    std::string message;
};

// This node's own health: the verdict and the checks behind it.
struct LocalHealth {
    std::string state;  // healthy | unhealthy
    std::optional<std::string> reason;
    std::vector<HealthCheckRow> checks;
};

struct ClusterStatus {
    std::string cluster;
    std::string node;
    std::uint64_t term = 0;
    std::optional<std::string> coordinator;
    QuorumStatus quorum;
    std::vector<NodeStatus> nodes;
    std::vector<GroupStatus> groups;
    std::optional<FailoverRecord> last_failover;
    // Set while the whole cluster is in maintenance: the remaining TTL, -1 without one.
    std::optional<std::int64_t> cluster_maintenance_ttl_s;
    std::optional<LocalHealth> health;  // none from an older daemon
};

// The status data, or "PATH: what is wrong" for the first field that is missing or
// of the wrong type.
[[nodiscard]] std::variant<ClusterStatus, std::string> decode_status(const Json& data);

// `cluster demo · node n1 · quorum won (3/3 votes, need 2) · coordinator n1 · term 7`
[[nodiscard]] std::string status_header(const ClusterStatus& status);
// NODE STATE LINKS, with a HEALTH column after STATE when the daemon reports health
[[nodiscard]] std::string nodes_table(const ClusterStatus& status);
// `health of n1: UNHEALTHY (disk-root failed: ...)` and CHECK TYPE STATE COUNT
// MESSAGE; empty when the node has no health checks.
[[nodiscard]] std::string health_section(const ClusterStatus& status);
// GROUP STATE PRIMARY TERM RESOURCES; a pinned group's PRIMARY adds
// "(pinned 297 s)", or "(pinned to n2, 297 s)" while it runs elsewhere.
[[nodiscard]] std::string groups_table(const ClusterStatus& status);
// `last failover: web n2 → n1 in 712 ms at 2026-11-22T18:40:00.123Z` or `last failover: none`
[[nodiscard]] std::string last_failover_line(const ClusterStatus& status);
// All of the above, sections separated by blank lines.
[[nodiscard]] std::string status_report(const ClusterStatus& status);

}  // namespace hacluster::ctl
