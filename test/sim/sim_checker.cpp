#include "test/sim/sim_checker.h"

#include <cstdio>

#include "agent/assert.h"

namespace hacluster::sim {

const char* to_string(ViolationKind kind) {
    switch (kind) {
        case ViolationKind::split_brain: return "split_brain";
        case ViolationKind::promotion_without_quorum: return "promotion_without_quorum";
        case ViolationKind::term_not_increasing: return "term_not_increasing";
        case ViolationKind::liveness: return "liveness";
        case ViolationKind::colocation: return "colocation";
        case ViolationKind::ordering: return "ordering";
    }
    return "unknown";
}

std::string format_time(SimTime at) {
    const std::int64_t us = at.count() / 1000;
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "t=%lld.%03lld", static_cast<long long>(us / 1000),
                  static_cast<long long>(us % 1000));
    return buffer;
}

std::string describe(const Violation& v, const agent::ClusterConfig& config) {
    std::string line = format_time(v.at) + " " + to_string(v.kind);
    // A liveness failure names its group in the detail (it may be any of them).
    if (v.kind != ViolationKind::liveness) {
        line += " group=" + (v.group < config.groups.size() ? config.groups[v.group].name : "?");
    }
    if (!v.nodes.empty()) {
        line += " nodes=";
        for (std::size_t i = 0; i < v.nodes.size(); ++i) {
            if (i != 0) line += ',';
            line += v.nodes[i] < config.nodes.size() ? config.nodes[v.nodes[i]].name : "?";
        }
    }
    if (!v.detail.empty()) line += " | " + v.detail;
    return line;
}

GroundTruth::GroundTruth(std::size_t nodes, std::size_t groups)
    : nodes_(nodes), cells_(nodes * groups), count_(groups, 0) {}

bool GroundTruth::running(NodeId node, GroupId group) const {
    const Cell& c = cell(node, group);
    return c.up || c.starts_in_flight != 0;
}

void GroundTruth::update(NodeId node, GroupId group, bool was_running) {
    const bool now_running = running(node, group);
    if (now_running && !was_running) ++count_[group];
    if (!now_running && was_running) --count_[group];
}

void GroundTruth::start_begun(NodeId node, GroupId group) {
    const bool was = running(node, group);
    ++cell(node, group).starts_in_flight;
    update(node, group, was);
}

void GroundTruth::start_ended(NodeId node, GroupId group) {
    const bool was = running(node, group);
    Cell& c = cell(node, group);
    HA_ASSERT(c.starts_in_flight > 0);
    --c.starts_in_flight;
    c.up = true;
    update(node, group, was);
}

void GroundTruth::stop_succeeded(NodeId node, GroupId group) {
    const bool was = running(node, group);
    // A start still in flight keeps it running; when that start ends it is up again.
    cell(node, group).up = false;
    update(node, group, was);
}

void GroundTruth::machine_crashed(NodeId node) {
    for (GroupId g = 0; g < count_.size(); ++g) {
        const bool was = running(node, g);
        cell(node, g) = Cell{};
        update(node, g, was);
    }
}

std::vector<NodeId> GroundTruth::running_nodes(GroupId group) const {
    std::vector<NodeId> nodes;
    for (NodeId n = 0; n < nodes_; ++n) {
        if (running(n, group)) nodes.push_back(n);
    }
    return nodes;
}

void FailoverTracker::fault(GroupId group, NodeId primary, SimTime at) {
    pending_[group] = Pending{primary, at};
}

void FailoverTracker::fault_ended_still_primary(GroupId group, NodeId node) {
    if (pending_[group] && pending_[group]->primary == node) pending_[group].reset();
}

void FailoverTracker::start_begun(GroupId group, NodeId node, SimTime at) {
    std::optional<Pending>& p = pending_[group];
    if (!p) return;
    if (node != p->primary && at - p->since <= horizon) measured_.push_back(at - p->since);
    p.reset();
}

}  // namespace hacluster::sim
