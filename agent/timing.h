#pragma once
// The derived timing of docs/design.md §5: leases, how long a granter holds a
// grant, when a holder must begin stopping, and the resulting failover bound.
// These functions are the single source of the numbers: the core, the config
// explanation and the simulator's liveness checker all use them.
#include <string>

#include "agent/config.h"

namespace hacluster::agent {

struct GroupTiming {
    Duration lease;          // L = timeout + stop lead, on the holder's clock
    Duration grant_hold;     // W = L * (1 + rho) / (1 - rho) + margin, on each granter's clock
    Duration stop_budget;    // the group's stop timeout
    Duration stop_lead;      // the holder starts stopping this long before its lease ends
    // A stop not confirmed this long before the lease ends is escalated (kill,
    // remove addresses, self-fence: design §4.8); the lease margin.
    Duration escalate_lead;
    Duration safety_margin;  // real time between the holder's worst-case stop and the earliest new grant
    Duration failover_bound; // primary crash -> another node begins starting the group, worst case
    Duration start_failure_backoff;  // a node whose start failed is not placed there again for this long
    Duration stop_retry;     // delay before a failed stop is retried (within the budget when it fails fast)
};

// Worst-case one-way network delay assumed by the explanation's failover bound
// (not by safety: late packets only make leases shorter, see design §5).
inline constexpr Duration assumed_network_delay = std::chrono::milliseconds(5);

GroupTiming group_timing(const ClusterConfig& config, const GroupConfig& group);

// Multi-line explanation in words and numbers: per group the lease, the grant
// hold, the worst-case failover time and the safety margin.
std::string explain_timing(const ClusterConfig& config);

}  // namespace hacluster::agent
