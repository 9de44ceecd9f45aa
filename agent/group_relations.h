#pragma once
// The relations between groups (with, away_from, after; design §3.4) resolved to
// group ids once, for the coordinator's placement and the simulator's checker.
#include <vector>

#include "agent/config.h"

namespace hacluster::agent {

struct GroupRelations {
    std::vector<std::vector<GroupId>> with;       // [g]: groups g must share a node with
    std::vector<std::vector<GroupId>> away;       // [g]: away_from either way (symmetric)
    std::vector<std::vector<GroupId>> after;      // [g]: groups that must be primary first
    std::vector<std::vector<GroupId>> followers;  // [d]: groups with d in their after
    // Every group after the groups it is with or after: placing in this order
    // decides a group's node before the groups that depend on it.
    std::vector<GroupId> order;
    std::vector<std::size_t> rank;  // [g]: position of g in order
};

// Requires a config that validate() accepted (names resolve, no cycles).
GroupRelations relate_groups(const ClusterConfig& config);

}  // namespace hacluster::agent
