#pragma once
// What the checkers judge against: the ground truth of where each group really
// runs (as opposed to what any agent believes), the violations found, and the
// failover measurements.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/config.h"
#include "test/sim/sim_clock.h"

namespace hacluster::sim {

using agent::GroupId;
using agent::NodeId;

enum class ViolationKind : std::uint8_t {
    split_brain,               // two nodes running one group at the same instant
    promotion_without_quorum,  // a start began without a majority granting that node and term
    term_not_increasing,       // a new node started a group under a term not above the last
    liveness,                  // no single primary per group within the bound after healing
    colocation,                // a start on a node that runs a group it must stay away from
    ordering,                  // a start (with and after a group) on a node where that one does not run
};
const char* to_string(ViolationKind kind);

struct Violation {
    SimTime at{};
    ViolationKind kind = ViolationKind::split_brain;
    GroupId group = 0;
    std::vector<NodeId> nodes;
    std::string detail;
};

// "t=1234.567 split_brain group=web nodes=n1,n2 | detail"
std::string describe(const Violation& violation, const agent::ClusterConfig& config);

// "t=<ms>.<3 digits>": global simulated time, microsecond resolution.
std::string format_time(SimTime at);

// Per (group, node): running from the moment a start script begins until a stop
// script completes with exit 0 (design: a start that failed, timed out or was
// killed may have left something running). Kept incrementally so the safety check
// after every event costs nothing.
class GroundTruth {
public:
    GroundTruth(std::size_t nodes, std::size_t groups);

    void start_begun(NodeId node, GroupId group);
    // Any ending (done, failed, timed out, cancelled): the start may have done its work.
    void start_ended(NodeId node, GroupId group);
    void stop_succeeded(NodeId node, GroupId group);
    // The machine is gone: nothing runs there any more.
    void machine_crashed(NodeId node);

    bool running(NodeId node, GroupId group) const;
    std::size_t running_count(GroupId group) const { return count_[group]; }
    std::vector<NodeId> running_nodes(GroupId group) const;

private:
    struct Cell {
        std::uint16_t starts_in_flight = 0;
        bool up = false;
    };
    Cell& cell(NodeId node, GroupId group) { return cells_[group * nodes_ + node]; }
    const Cell& cell(NodeId node, GroupId group) const { return cells_[group * nodes_ + node]; }
    void update(NodeId node, GroupId group, bool was_running);

    std::size_t nodes_;
    std::vector<Cell> cells_;
    std::vector<std::size_t> count_;
};

// Failover time: from a fault that took away a group's primary to the moment a
// different node begins starting it. A measurement is dropped when the old primary
// begins starting the group again, when the fault ends with the old primary still
// primary (no failover was needed), or after `horizon` (something else moved it).
class FailoverTracker {
public:
    explicit FailoverTracker(std::size_t groups) : pending_(groups) {}

    void fault(GroupId group, NodeId primary, SimTime at);
    void fault_ended_still_primary(GroupId group, NodeId node);
    void start_begun(GroupId group, NodeId node, SimTime at);
    const std::vector<Duration>& measured() const { return measured_; }

    static constexpr Duration horizon = std::chrono::seconds(10);

private:
    struct Pending {
        NodeId primary = agent::no_node;
        SimTime since{};
    };
    std::vector<std::optional<Pending>> pending_;
    std::vector<Duration> measured_;
};

}  // namespace hacluster::sim
