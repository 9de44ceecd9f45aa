// Coordinator election and group placement (design §3).
#include <algorithm>

#include "agent/agent_state.h"

namespace hacluster::agent {

namespace {

bool hears(const wire::Heartbeat& hb, NodeId node) {
    return std::any_of(hb.view.begin(), hb.view.end(),
                       [&](const wire::PeerEntry& e) { return e.node == node; });
}

const wire::Claim* claim_for(const wire::Heartbeat& hb, GroupId g) {
    for (const wire::Claim& c : hb.claims) {
        if (c.group == g) return &c;
    }
    return nullptr;
}

bool holding(wire::ClaimState s) {
    return s == wire::ClaimState::starting || s == wire::ClaimState::primary ||
           s == wire::ClaimState::stopping || s == wire::ClaimState::stop_failed;
}

}  // namespace

// design §3.2: every node prefers the lowest-numbered node that has quorum, is
// not leaving, and hears it both ways; a node acts as coordinator only while
// nodes holding a majority of votes prefer it.
void Agent::State::update_coordinator() {
    NodeId preferred = no_node;
    if (quorum == wire::QuorumState::won && !leaving) {
        preferred = self;
        for (NodeId n = 0; n < self; ++n) {
            const wire::Heartbeat* hb = last_of(n);
            if (hb && hb->quorum == wire::QuorumState::won && !(hb->flags & wire::flag_leaving) &&
                hears(*hb, self)) {
                preferred = n;
                break;
            }
        }
    }
    if (preferred != coordinator) {
        coordinator = preferred;
        if (preferred != self && preferred != no_node) {
            transition(out::TransitionKind::coordinator_changed, std::nullopt, preferred, term,
                       "preferred");
        }
        urgent = true;
    }
    bool acting = false;
    if (preferred == self) {
        std::uint32_t support = votes_of(self);
        for (NodeId n = 0; n < config.nodes.size(); ++n) {
            const wire::Heartbeat* hb = last_of(n);
            if (hb && hb->coordinator == self) support += votes_of(n);
        }
        acting = support >= config.majority();
    }
    if (acting && !is_coordinator) {
        is_coordinator = true;
        coordinator_term = mint_term();
        transition(out::TransitionKind::coordinator_elected, std::nullopt, self, coordinator_term,
                   std::to_string(votes_present) + "/" + std::to_string(config.total_votes()) +
                       " votes");
        // It publishes no placement until every live node had an interval to
        // tell it what runs where: placing from a partial picture would move a
        // healthy group (design §3.3). Meanwhile followers know no placement,
        // which keeps running groups running and starts nothing new.
        // A node whose membership has been stable for a timeout has heard every live
        // node's current heartbeat already: it may place at once, which keeps a
        // graceful leave of the coordinator fast.
        const bool settled = now - start >= config.timing.timeout &&
                             now - last_node_up >= config.timing.timeout;
        placement_from = settled ? now : now + config.timing.interval + config.timing.tick;
        for (GroupId g = 0; g < placement.size(); ++g) {
            placement[g].switch_to = no_node;
            placement[g].assigned = assignment[g].value_or(no_node);
        }
        urgent = true;
    } else if (!acting && is_coordinator) {
        is_coordinator = false;
        urgent = true;
    }
    if (!is_coordinator) {
        const wire::Heartbeat* hb = coordinator == no_node ? nullptr : last_of(coordinator);
        coordinator_term = hb && (hb->flags & wire::flag_coordinator) ? hb->coordinator_term : 0;
    }
}

bool Agent::State::node_eligible(GroupId g, NodeId n) const {
    if (!eligible_node[g][n]) return false;
    if (n == self) {
        return !standby && !leaving && quorum == wire::QuorumState::won &&
               !(groups[g].failed_until && now < *groups[g].failed_until);
    }
    const wire::Heartbeat* hb = last_of(n);
    if (!hb) return false;
    if (hb->flags & (wire::flag_standby | wire::flag_leaving)) return false;
    if (hb->quorum != wire::QuorumState::won || !hears(*hb, self)) return false;
    return std::find(hb->failed_groups.begin(), hb->failed_groups.end(), g) ==
           hb->failed_groups.end();
}

NodeId Agent::State::holder_of(GroupId g) const {
    NodeId best = no_node;
    Term best_term = 0;
    if (holds(g)) {
        best = self;
        best_term = groups[g].term;
    }
    for (NodeId n = 0; n < config.nodes.size(); ++n) {
        const wire::Heartbeat* hb = last_of(n);
        if (!hb) continue;
        const wire::Claim* c = claim_for(*hb, g);
        if (c && holding(c->state) && (best == no_node || c->term > best_term)) {
            best = n;
            best_term = c->term;
        }
    }
    return best;
}

NodeId Agent::State::best_eligible(GroupId g, NodeId except) const {
    for (const std::string& name : config.groups[g].nodes) {
        const NodeId n = config.node_index(name);
        if (n != except && node_eligible(g, n)) return n;
    }
    return no_node;
}

// A node running a group keeps it (stickiness) while it is alive, has quorum,
// is not in standby or leaving, and its start did not fail. Unlike placing a group
// anew, this does not require it to hear the coordinator: its lease votes say it
// is healthy, and moving it would cost an outage for nothing.
bool Agent::State::keeps_running(GroupId g, NodeId n) const {
    if (!eligible_node[g][n]) return false;
    if (n == self) {
        return (groups[g].role == Role::starting || groups[g].role == Role::primary) &&
               !standby && !leaving && quorum == wire::QuorumState::won;
    }
    const wire::Heartbeat* hb = last_of(n);
    if (!hb) return false;
    const wire::Claim* c = claim_for(*hb, g);
    if (!c || (c->state != wire::ClaimState::starting && c->state != wire::ClaimState::primary)) {
        return false;
    }
    if (hb->flags & (wire::flag_standby | wire::flag_leaving)) return false;
    if (hb->quorum != wire::QuorumState::won) return false;
    return std::find(hb->failed_groups.begin(), hb->failed_groups.end(), g) ==
           hb->failed_groups.end();
}

// design §3.3: switchover, stickiness, failback, priorities.
void Agent::State::update_placement() {
    for (GroupId g = 0; g < placement.size(); ++g) {
        PlacementState& p = placement[g];
        const NodeId holder = holder_of(g);
        NodeId next = p.assigned;
        std::string reason;
        if (p.switch_to != no_node && !node_eligible(g, p.switch_to)) p.switch_to = no_node;
        // design §3.5: nowhere while unmanaged, blocked, or until every live node
        // has probed it after maintenance; then where it was found running.
        const bool frozen = policy.in_maintenance(g) || policy.blocked(g) || relearn_pending(g);
        const NodeId found = frozen || (holder != no_node && keeps_running(g, holder))
                                 ? no_node
                                 : found_node(g);
        if (frozen) {
            p.switch_to = no_node;
            next = no_node;
            reason = policy.in_maintenance(g) ? "maintenance"
                     : policy.blocked(g)      ? "blocked"
                                              : "probing";
        } else if (found != no_node) {
            next = found;
            reason = "found_running";
        } else if (p.switch_to != no_node) {
            next = p.switch_to;
            reason = "switchover";
            const bool done = holder == p.switch_to &&
                              (holder == self ? groups[g].role == Role::primary
                                              : claim_for(*last_of(holder), g)->state ==
                                                    wire::ClaimState::primary);
            if (done) p.switch_to = no_node;
        } else if (holder != no_node && keeps_running(g, holder)) {
            next = holder;
            reason = "running_there";
            const NodeId best = best_eligible(g, no_node);
            const bool settled = holder == self ? groups[g].role == Role::primary
                                                : claim_for(*last_of(holder), g)->state ==
                                                      wire::ClaimState::primary;
            if (config.groups[g].failback == Failback::automatic && best != no_node &&
                best != holder && settled) {
                // Carried out like a switchover: the old primary stops first.
                p.switch_to = best;
                next = best;
                reason = "failback";
            }
        } else if (next != no_node && node_eligible(g, next)) {
            // Placed but not running yet (typically at cold start, before every
            // node was heard): a better-priority node takes over the placement.
            const NodeId best = best_eligible(g, no_node);
            if (best != next) {
                next = best;
                reason = "better_priority";
            }
        } else {
            const NodeId before = next;
            next = best_eligible(g, no_node);
            reason = before == no_node ? "placement"
                                       : config.nodes[before].name + "_not_eligible";
        }
        if (next != p.assigned) {
            p.assigned = next;
            transition(out::TransitionKind::assigned, g, next, term,
                       next == no_node && !frozen ? reason + "_no_eligible_node" : reason);
            urgent = true;
        }
    }
}

void Agent::State::adopt_assignments() {
    const wire::Heartbeat* hb =
        is_coordinator || coordinator == no_node ? nullptr : last_of(coordinator);
    const bool follow = hb && (hb->flags & wire::flag_coordinator);
    for (GroupId g = 0; g < assignment.size(); ++g) {
        if (is_coordinator) {
            assignment[g] = placing() ? std::optional<NodeId>(placement[g].assigned) : std::nullopt;
            continue;
        }
        assignment[g].reset();
        if (!follow) continue;
        for (const wire::Assignment& a : hb->assignments) {
            if (a.group == g) assignment[g] = a.node;
        }
    }
}

}  // namespace hacluster::agent
