// Peers, links, failure detection and quorum (design §2, §3.1).
#include <algorithm>

#include "agent/agent_state.h"

namespace hacluster::agent {

namespace {

// The codec bounds ids by the protocol's limits; the core also needs them within
// this cluster's config, so that a well-formed message from a node with another
// config (or a bug) can never index past our tables.
bool fits_config(const wire::Heartbeat& hb, std::size_t nodes, std::size_t groups) {
    auto node_ok = [&](NodeId n) { return n < nodes; };
    auto node_or_none = [&](NodeId n) { return n == no_node || n < nodes; };
    auto group_ok = [&](std::size_t g) { return g < groups; };
    if (!node_or_none(hb.coordinator)) return false;
    if (hb.term >= max_plausible_term || hb.coordinator_term >= max_plausible_term) return false;
    for (const auto& e : hb.view) {
        if (!node_ok(e.node)) return false;
    }
    for (const auto& c : hb.claims) {
        if (!group_ok(c.group) || c.term >= max_plausible_term) return false;
    }
    for (const auto& g : hb.grants) {
        if (!group_ok(g.group) || !node_or_none(g.holder) || g.term >= max_plausible_term) {
            return false;
        }
    }
    for (const auto& a : hb.assignments) {
        if (!group_ok(a.group) || !node_or_none(a.node)) return false;
    }
    for (const auto g : hb.failed_groups) {
        if (!group_ok(g)) return false;
    }
    for (const auto& r : hb.requests) {
        if (!group_ok(r.group) || !node_or_none(r.node)) return false;
    }
    for (const auto& a : hb.acks) {
        if (!node_ok(a.requester)) return false;
    }
    for (const auto& p : hb.pins) {
        if (!group_ok(p.group) || !node_ok(p.node)) return false;
    }
    for (const auto& f : hb.fenced) {
        if (!node_ok(f.node) || f.term >= max_plausible_term) return false;
    }
    return true;
}

}  // namespace

void Agent::State::on_packet(const in::Packet& packet) {
    if (packet.link >= links) {
        ++packets_rejected;
        return;
    }
    auto decoded = wire::decode(packet.bytes, auth);
    if (auto* error = std::get_if<wire::DecodeError>(&decoded)) {
        (void)error;
        ++packets_rejected;
        return;
    }
    const wire::Heartbeat& hb = std::get<wire::Heartbeat>(decoded);
    // Authenticated, but it must also be ours: same cluster, same config, a
    // configured sender that is not us.
    if (hb.cluster_id != cluster_id || hb.config_hash != config_hash ||
        hb.sender >= config.nodes.size() || hb.sender == self ||
        !fits_config(hb, config.nodes.size(), config.groups.size())) {
        ++packets_rejected;
        return;
    }
    PeerState& peer = peers[hb.sender];
    // A packet inside the replay window proves the link carries traffic even when
    // the same heartbeat already came in on another link.
    const bool recent = hb.incarnation > peer.incarnation ||
                        (hb.incarnation == peer.incarnation &&
                         hb.seq + ReplayWindow::window > peer.replay.highest());
    if (recent) peer.link_heard[packet.link] = now;

    switch (peer.replay.check_and_record(hb.incarnation, hb.seq)) {
        case ReplayVerdict::fresh: break;
        case ReplayVerdict::new_incarnation:
            if (peer.incarnation != 0) {
                transition(out::TransitionKind::node_restarted, std::nullopt, hb.sender, 0,
                           "new_incarnation");
                // Its grants died with its old process (it grants nothing for a
                // grant hold after starting, design §4.1), and so did its claims.
                forget_anchors_of(hb.sender, nullptr);
                peer.last.reset();
                // Its sequence numbers start again: a vote we hold for it must not
                // acknowledge a number of the old process (design §4.2).
                for (GrantState& gr : grants) {
                    if (gr.holder == hb.sender) gr.acked_seq = 0;
                    if (gr.pending == hb.sender) gr.pending = no_node;
                }
                // Its request ids start again too.
                std::erase_if(handled_requests,
                              [&](const HandledRequest& h) { return h.requester == hb.sender; });
            }
            break;
        case ReplayVerdict::duplicate:
        case ReplayVerdict::too_old:
        case ReplayVerdict::old_incarnation:
            ++packets_rejected;
            return;
    }
    peer.incarnation = hb.incarnation;
    on_heartbeat(hb);
}

void Agent::State::on_heartbeat(const wire::Heartbeat& hb) {
    PeerState& peer = peers[hb.sender];
    peer.last_heard = now;
    term = std::max({term, hb.term, hb.coordinator_term});
    for (const wire::Claim& claim : hb.claims) {
        if (claim.group < groups.size()) term = std::max(term, claim.term);
    }
    forget_anchors_of(hb.sender, &hb);
    for (const wire::Grant& grant : hb.grants) on_grant(hb.sender, grant);
    peer.last = hb;
    adopt_policy(hb);
    if (!peer.alive) update_membership();  // so its claims are judged as a live peer's
    for (const wire::Claim& claim : hb.claims) on_claim(hb.sender, claim, hb.seq);
    on_fenced_announcements(hb);
    on_acks(hb);
    for (const wire::Request& r : hb.requests) handle_request(hb.sender, r);
}

bool Agent::State::peer_alive(NodeId n) const {
    if (n == self) return !left;
    return peers[n].alive;
}

const wire::Heartbeat* Agent::State::last_of(NodeId n) const {
    if (n == self || !peers[n].alive || !peers[n].last) return nullptr;
    return &*peers[n].last;
}

void Agent::State::update_membership() {
    const Duration timeout = config.timing.timeout;
    for (NodeId n = 0; n < config.nodes.size(); ++n) {
        if (n == self) continue;
        PeerState& peer = peers[n];
        for (std::size_t l = 0; l < links; ++l) {
            const bool up = peer.link_heard[l] && now - *peer.link_heard[l] < timeout;
            if (up != peer.link_up[l]) {
                peer.link_up[l] = up;
                if (links > 1) {
                    transition(up ? out::TransitionKind::link_up : out::TransitionKind::link_down,
                               std::nullopt, n, 0, "link " + std::to_string(l));
                }
            }
        }
        const bool alive = peer.last_heard && now - *peer.last_heard < timeout;
        if (alive != peer.alive) {
            peer.alive = alive;
            if (alive) {
                // It speaks again: its own claims (release, lease) say what it runs.
                fences[n].needed = false;
                fences[n].retry_at.reset();
                seen_since_start.insert(n);
                last_node_up = now;
                transition(out::TransitionKind::node_up, std::nullopt, n, 0, "heartbeat");
            } else {
                transition(out::TransitionKind::node_down, std::nullopt, n, 0, "timeout");
                if (peer.last) note_silent(n, *peer.last);
                peer.last.reset();
            }
        }
    }
}

// design §3.1: tri-state quorum over configured votes.
void Agent::State::update_quorum() {
    std::uint32_t votes = left ? 0 : votes_of(self);
    bool peer_has_quorum = false;
    for (NodeId n = 0; n < config.nodes.size(); ++n) {
        if (n == self || !peers[n].alive) continue;
        votes += votes_of(n);
        if (const wire::Heartbeat* hb = last_of(n); hb && hb->quorum == wire::QuorumState::won) {
            peer_has_quorum = true;
        }
    }
    votes_present = votes;
    if (!all_seen) {
        // wait_for_all only guards a cold start: joining a cluster that already
        // has quorum, or having seen every node once, satisfies it.
        all_seen = seen_since_start.size() == config.nodes.size() || peer_has_quorum;
    }
    const bool waiting = config.quorum.wait_for_all == WaitForAll::yes && !all_seen;
    wire::QuorumState next;
    if (votes >= config.majority() && !waiting) {
        next = wire::QuorumState::won;
    } else if (waiting || now - start < config.timing.timeout) {
        next = wire::QuorumState::pending;
    } else {
        next = wire::QuorumState::lost;
    }
    if (next == quorum) return;
    const wire::QuorumState before = quorum;
    quorum = next;
    const std::string detail =
        std::to_string(votes) + "/" + std::to_string(config.total_votes()) + " votes";
    if (next == wire::QuorumState::won) {
        transition(out::TransitionKind::quorum_won, std::nullopt, self, term, detail);
    } else if (before == wire::QuorumState::won || next == wire::QuorumState::lost) {
        transition(out::TransitionKind::quorum_lost, std::nullopt, self, term,
                   detail + (waiting ? " waiting_for_all" : ""));
    }
    urgent = true;
}

}  // namespace hacluster::agent
