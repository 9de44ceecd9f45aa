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
        // Pins carry over from the old coordinator's heartbeats (design §3.6); a
        // failback delay starts again: a new coordinator has not watched it.
        for (GroupId g = 0; g < placement.size(); ++g) {
            placement[g] = PlacementState{};
            placement[g].assigned = assignment[g].value_or(no_node);
            placement[g].pin = pins[g];
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
        return !standby && !unhealthy && !leaving && quorum == wire::QuorumState::won &&
               !unavailable_here(g);
    }
    const wire::Heartbeat* hb = last_of(n);
    if (!hb) return false;
    if (hb->flags & (wire::flag_standby | wire::flag_unhealthy | wire::flag_leaving)) return false;
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

NodeId Agent::State::best_allowed(GroupId g, NodeId except) const {
    for (const std::string& name : config.groups[g].nodes) {
        const NodeId n = config.node_index(name);
        if (n != except && node_eligible(g, n) && related_ok(g, n, Placing::fresh)) return n;
    }
    return no_node;
}

// design §3.4: with and away_from are mandatory. Groups are placed in
// relations.order, so a with partner's placement of this pass is known; for
// away_from, a group kept where it runs yields only to groups placed before it.
bool Agent::State::related_ok(GroupId g, NodeId n, Placing how) const {
    for (GroupId w : relations.with[g]) {
        if (placement[w].assigned != n) return false;
    }
    for (GroupId a : relations.away[g]) {
        if (how == Placing::keep && relations.rank[a] > relations.rank[g]) continue;
        if (placement[a].assigned == n || holder_of(a) == n) return false;
    }
    return true;
}

bool Agent::State::settled_on(GroupId g, NodeId holder) const {
    if (holder == self) return groups[g].role == Role::primary;
    const wire::Heartbeat* hb = last_of(holder);
    const wire::Claim* c = hb ? claim_for(*hb, g) : nullptr;
    return c && c->state == wire::ClaimState::primary;
}

// after (design §3.4): a group is placed only while every group it is after runs
// settled where it is placed and is not about to move.
std::optional<GroupId> Agent::State::unready_predecessor(GroupId g) const {
    for (GroupId d : relations.after[g]) {
        const NodeId h = holder_of(d);
        if (h == no_node || placement[d].assigned != h || placement[d].draining ||
            !settled_on(d, h)) {
            return d;
        }
    }
    return std::nullopt;
}

bool Agent::State::followers_held(GroupId g) const {
    return std::any_of(relations.followers[g].begin(), relations.followers[g].end(),
                       [&](GroupId f) { return holder_of(f) != no_node; });
}

bool Agent::State::follower_held_here(GroupId g) const {
    return std::any_of(relations.followers[g].begin(), relations.followers[g].end(),
                       [&](GroupId f) { return holds(f); });
}

// The holder's own check of design §3.4, against what surely runs here rather
// than the coordinator's picture: no away_from partner held here, and a group
// that is with and after another starts only once that one is primary here.
bool Agent::State::may_claim_here(GroupId g) const {
    for (GroupId a : relations.away[g]) {
        if (holds(a) || groups[a].role == Role::claiming) return false;
    }
    for (GroupId d : relations.after[g]) {
        const auto& with = relations.with[g];
        if (std::find(with.begin(), with.end(), d) != with.end() &&
            groups[d].role != Role::primary) {
            return false;
        }
    }
    return true;
}

// A node running a group keeps it (stickiness) while it is alive, has quorum,
// is not in standby, unhealthy or leaving, and its start did not fail. Unlike placing a group
// anew, this does not require it to hear the coordinator: its lease votes say it
// is healthy, and moving it would cost an outage for nothing.
bool Agent::State::keeps_running(GroupId g, NodeId n) const {
    if (!eligible_node[g][n]) return false;
    if (n == self) {
        return (groups[g].role == Role::starting || groups[g].role == Role::primary) &&
               !standby && !unhealthy && !leaving && quorum == wire::QuorumState::won;
    }
    const wire::Heartbeat* hb = last_of(n);
    if (!hb) return false;
    const wire::Claim* c = claim_for(*hb, g);
    if (!c || (c->state != wire::ClaimState::starting && c->state != wire::ClaimState::primary)) {
        return false;
    }
    if (hb->flags & (wire::flag_standby | wire::flag_unhealthy | wire::flag_leaving)) return false;
    if (hb->quorum != wire::QuorumState::won) return false;
    return std::find(hb->failed_groups.begin(), hb->failed_groups.end(), g) ==
           hb->failed_groups.end();
}

// design §3.3-§3.6: ordering, switchover and pins, stickiness, failback,
// priorities, colocation.
void Agent::State::update_placement() {
    for (GroupId g : relations.order) {
        PlacementState& p = placement[g];
        const GroupConfig& group = config.groups[g];
        const NodeId holder = holder_of(g);
        NodeId next = p.assigned;
        std::string reason;
        if (p.pin.node != no_node && now >= p.pin.until) p.pin = Pin{};
        // design §3.5: nowhere while unmanaged, blocked, or until every live node
        // has probed it after maintenance; then where it was found running.
        const bool frozen = policy.in_maintenance(g) || policy.blocked(g) || relearn_pending(g);
        const NodeId found = frozen || (holder != no_node && keeps_running(g, holder))
                                 ? no_node
                                 : found_node(g);
        // A pinned group goes back to its node whenever that is eligible again.
        if (!frozen && p.pin.node != no_node && p.switch_to == no_node && holder != p.pin.node &&
            node_eligible(g, p.pin.node) && related_ok(g, p.pin.node, Placing::fresh)) {
            p.switch_to = p.pin.node;
        }
        if (p.switch_to != no_node &&
            (!node_eligible(g, p.switch_to) || !related_ok(g, p.switch_to, Placing::fresh))) {
            p.switch_to = no_node;
        }
        const NodeId failback_to = p.failback_to;
        p.failback_to = no_node;
        if (frozen) {
            p.switch_to = no_node;
            next = no_node;
            reason = policy.in_maintenance(g) ? "maintenance"
                     : policy.blocked(g)      ? "blocked"
                                              : "probing";
        } else if (const std::optional<GroupId> d = unready_predecessor(g)) {
            next = no_node;
            reason = "waiting_for_" + config.groups[*d].name;
        } else if (found != no_node) {
            next = found;
            reason = "found_running";
        } else if (p.switch_to != no_node) {
            next = p.switch_to;
            reason = "switchover";
            if (holder == p.switch_to && settled_on(g, holder)) p.switch_to = no_node;
        } else if (holder != no_node && keeps_running(g, holder) &&
                   related_ok(g, holder, Placing::keep)) {
            next = holder;
            reason = "running_there";
            const NodeId best = best_allowed(g, no_node);
            if (group.failback == Failback::automatic && p.pin.node != holder && best != no_node &&
                best != holder && settled_on(g, holder)) {
                // failback_delay: the clock restarts whenever the better node
                // changes or stops being eligible.
                p.failback_to = best;
                p.failback_since = failback_to == best ? p.failback_since : now;
                if (now - p.failback_since >= group.failback_delay) {
                    // Carried out like a switchover: the old primary stops first.
                    p.switch_to = best;
                    p.failback_to = no_node;
                    next = best;
                    reason = "failback";
                }
            }
        } else if (next != no_node && node_eligible(g, next) &&
                   related_ok(g, next, Placing::fresh)) {
            // Placed but not running yet (typically at cold start, before every
            // node was heard): a better-priority node takes over the placement.
            const NodeId best = best_allowed(g, no_node);
            if (best != next) {
                next = best;
                reason = "better_priority";
            }
        } else {
            const NodeId before = next;
            next = best_allowed(g, no_node);
            reason = before == no_node ? "placement"
                                       : config.nodes[before].name + "_not_eligible";
        }
        // Groups after this one stop before it moves or stops; a holder that
        // stops by itself (standby, leave) orders its own stops (update_roles).
        p.draining = !frozen && holder != no_node && next != holder && keeps_running(g, holder) &&
                     followers_held(g);
        if (p.draining) {
            next = holder;
            reason = "followers_stop_first";
        }
        if (next != p.assigned) {
            p.assigned = next;
            const bool waiting = reason.starts_with("waiting_for_");
            transition(out::TransitionKind::assigned, g, next, term,
                       next == no_node && !frozen && !waiting ? reason + "_no_eligible_node"
                                                              : reason);
            urgent = true;
        }
        pins[g] = p.pin;
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
    adopt_pins();
}

// design §3.6: pins are learnt from whichever node acts as coordinator, even one
// this node does not follow (a node about to take over prefers itself already).
// Without one, the last known pins stay until they run out, so that the next
// coordinator carries them on. A coordinator that does not place yet takes any
// pin a peer knows for a group it has none for: it may have been elected before
// it heard the old coordinator or a node that followed it.
void Agent::State::adopt_pins() {
    if (is_coordinator) {
        if (placing()) return;
        for (NodeId n = 0; n < config.nodes.size(); ++n) {
            const wire::Heartbeat* hb = n == self ? nullptr : last_of(n);
            if (!hb) continue;
            for (const wire::PinEntry& pin : hb->pins) {
                Pin& mine = placement[pin.group].pin;
                const Instant until = now + std::chrono::milliseconds(pin.remaining_ms);
                if (mine.node == no_node || (mine.node == pin.node && until > mine.until)) {
                    mine = Pin{pin.node, until};
                }
            }
        }
        for (GroupId g = 0; g < pins.size(); ++g) pins[g] = placement[g].pin;
        return;
    }
    const wire::Heartbeat* source = nullptr;
    for (NodeId n = 0; n < config.nodes.size(); ++n) {
        const wire::Heartbeat* hb = n == self ? nullptr : last_of(n);
        if (hb && (hb->flags & wire::flag_coordinator) &&
            (!source || hb->coordinator_term > source->coordinator_term)) {
            source = hb;
        }
    }
    for (GroupId g = 0; g < pins.size(); ++g) {
        if (source) {
            pins[g] = Pin{};
            for (const wire::PinEntry& pin : source->pins) {
                if (pin.group == g) {
                    pins[g] = Pin{pin.node, now + std::chrono::milliseconds(pin.remaining_ms)};
                }
            }
        }
        if (pins[g].node != no_node && now >= pins[g].until) pins[g] = Pin{};
    }
}

}  // namespace hacluster::agent
