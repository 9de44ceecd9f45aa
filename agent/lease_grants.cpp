// This node as a voter: lease grants per group (design §4.1) and the holder's
// bookkeeping of the grants it receives (design §4.2).
#include <algorithm>

#include "agent/agent_state.h"

namespace hacluster::agent {

// design §4.1: a restarted node has forgotten whom it granted; it grants nothing
// until any grant it might have given has run out.
bool Agent::State::in_quiet_period() const { return now < start + max_grant_hold; }

bool Agent::State::grant_expired(GroupId g) const {
    const GrantState& gr = grants[g];
    return gr.holder != no_node && now >= gr.renewed + timing[g].grant_hold;
}

// A new grant needs: the coordinator we follow placed the group on the claimant,
// and the term is above every term granted before (so terms only grow per group:
// fencing tokens), or the same term to the same node again.
bool Agent::State::may_grant(GroupId g, NodeId claimant, Term t) const {
    const GrantState& gr = grants[g];
    if (!assignment[g] || *assignment[g] != claimant) return false;
    return t > gr.max_term || (t == gr.max_term && gr.max_term_holder == claimant);
}

void Agent::State::on_claim(NodeId from, const wire::Claim& claim, Seq seq) {
    const GroupId g = claim.group;
    if (g >= groups.size() || !eligible_node[g][from]) return;
    GrantState& gr = grants[g];
    if (grant_expired(g)) gr.holder = no_node;
    const bool held_by_sender = gr.holder == from && gr.term == claim.term;
    auto renew = [&] {
        gr.renewed = now;
        gr.acked_seq = std::max(gr.acked_seq, seq);
    };
    switch (claim.state) {
        case wire::ClaimState::released:
            // The holder confirmed it stopped: free at once (design §4.4).
            if (held_by_sender) {
                gr.holder = no_node;
                urgent = true;
            }
            return;
        case wire::ClaimState::stop_failed:
            // Keep blocking everyone else while its state is unknown (design §4.5).
            if (held_by_sender) renew();
            return;
        case wire::ClaimState::stopping:
            if (held_by_sender) renew();
            return;
        case wire::ClaimState::claiming:
        case wire::ClaimState::starting:
        case wire::ClaimState::primary:
            break;
    }
    if (held_by_sender) {
        // Renew only while the placement we know still wants it there (or we know
        // no placement): a holder cut off from the coordinator then runs out of
        // lease instead of holding the group forever (design §4.3).
        if (!assignment[g] || *assignment[g] == from) renew();
        return;
    }
    if (in_quiet_period() || !may_grant(g, from, claim.term)) return;
    const bool held_by_other = gr.holder != no_node && gr.holder != from;
    if (held_by_other && options.safety != Safety::unsafe_skip_lease) {
        gr.pending = from;
        gr.pending_term = claim.term;
        gr.pending_seq = seq;
        gr.pending_at = now;
        return;
    }
    gr.pending = no_node;
    grant_to(g, from, claim.term, seq);
}

void Agent::State::grant_to(GroupId g, NodeId claimant, Term t, Seq seq) {
    GrantState& gr = grants[g];
    gr.holder = claimant;
    gr.term = t;
    gr.renewed = now;
    gr.acked_seq = seq;
    if (t != gr.max_term || claimant != gr.max_term_holder) {
        // Remembered across restarts: a voter that forgot would let terms go
        // backwards after a majority restarted (design §4.1).
        gr.max_term = t;
        gr.max_term_holder = claimant;
        outputs.emplace_back(out::PersistVote{g, t, claimant});
    }
    urgent = true;
}

void Agent::State::update_grants() {
    for (GroupId g = 0; g < grants.size(); ++g) {
        GrantState& gr = grants[g];
        if (grant_expired(g)) gr.holder = no_node;
        if (gr.pending == no_node) continue;
        // A pending claim older than two intervals is stale: the claimant would
        // have repeated it.
        const bool fresh = now - gr.pending_at <= 2 * config.timing.interval;
        const bool alive = gr.pending == self || peer_alive(gr.pending);
        if (!fresh || !alive) {
            gr.pending = no_node;
            continue;
        }
        if (gr.holder != no_node || in_quiet_period()) continue;
        const NodeId claimant = std::exchange(gr.pending, no_node);
        if (!may_grant(g, claimant, gr.pending_term)) continue;
        grant_to(g, claimant, gr.pending_term, gr.pending_seq);
    }
}

void Agent::State::forget_anchors_of(NodeId from, const wire::Heartbeat* hb) {
    for (GroupId g = 0; g < groups.size(); ++g) {
        GroupState& gs = groups[g];
        if (!gs.anchors[from]) continue;
        const bool still = hb && std::any_of(hb->grants.begin(), hb->grants.end(),
                                             [&](const wire::Grant& gr) {
                                                 return gr.group == g && gr.holder == self &&
                                                        gr.term == gs.term;
                                             });
        if (!still) gs.anchors[from].reset();
    }
}

void Agent::State::on_grant(NodeId from, const wire::Grant& grant) {
    const GroupId g = grant.group;
    if (g >= groups.size()) return;
    GroupState& gs = groups[g];
    if (gs.role == Role::standby) return;
    if (grant.holder == self && grant.term == gs.term) {
        // design §4.2: the granter renewed after receiving acked_seq, so after we
        // sent it: its send time is a safe anchor.
        if (const std::optional<Instant> at = sent_time(grant.acked_seq)) {
            if (!gs.anchors[from] || *gs.anchors[from] < *at) gs.anchors[from] = at;
        }
        return;
    }
    // A claim below what this voter already granted can never win its vote: claim
    // again above it. A free vote reports its highest term without saying to whom
    // it went; if that term is ours, it may have gone to another node, so claim
    // above it too (one extra term at worst, never a stuck claim).
    const bool outbid = grant.term > gs.term || (grant.term == gs.term && grant.holder != self);
    if (gs.role == Role::claiming && outbid) {
        term = std::max(term, grant.term);
        gs.term = mint_term();
        std::fill(gs.anchors.begin(), gs.anchors.end(), std::nullopt);
        transition(out::TransitionKind::claiming, g, self, gs.term, "term_raised");
        urgent = true;
    }
}

}  // namespace hacluster::agent
