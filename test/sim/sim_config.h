#pragma once
// The cluster config the simulator runs when a test does not bring its own.
#include <cstddef>
#include <string>
#include <vector>

#include "agent/config.h"

namespace hacluster::sim {

// Nodes n1..nN with `links` addresses each (198.18.<link>.<node>, the benchmarking
// range), default TimingConfig, and one group per name, eligible on every node with
// the priority order rotated by the group's index so that different groups prefer
// different nodes (g0: n1 n2 n3, g1: n2 n3 n1, ...). start_timeout is 2 s: long
// enough for the simulated scripts, short enough that a hung start resolves within
// a run.
agent::ClusterConfig make_sim_config(std::size_t nodes, const std::vector<std::string>& groups,
                                     std::size_t links);

// Adds one fence device ("sim", every node) so that the cores fence; what the
// device does is SimOptions::fencing.
void with_fencing(agent::ClusterConfig& config);

// Group names g1..gN for the sweep.
std::vector<std::string> numbered_groups(std::size_t count);

}  // namespace hacluster::sim
