// Fencing a holder that went silent (design §4.7): the acting coordinator powers
// it off through the shell's fence devices and announces the success, and the
// granters then free their votes for it without waiting out the grant hold.
#include <algorithm>

#include "agent/agent_state.h"

namespace hacluster::agent {

namespace {

// A node in one of these states may run the group's resources: only `released`
// says it stopped them, and `claiming` never started them.
bool may_run(wire::ClaimState s) {
    return s == wire::ClaimState::starting || s == wire::ClaimState::primary ||
           s == wire::ClaimState::stopping || s == wire::ClaimState::stop_failed;
}

// 1 s doubling to 30 s: a broken device or a BMC that is down is not hammered,
// and the lease path frees the groups meanwhile anyway.
constexpr Duration first_fence_retry = std::chrono::seconds(1);
constexpr Duration max_fence_retry = std::chrono::seconds(30);

}  // namespace

// Called when the peer's node_down is noticed, with its last heartbeat.
void Agent::State::note_silent(NodeId n, const wire::Heartbeat& last) {
    const bool held = std::any_of(last.claims.begin(), last.claims.end(),
                                  [](const wire::Claim& c) { return may_run(c.state); });
    if (!held) return;
    FenceState& f = fences[n];
    f.needed = true;
    f.incarnation = peers[n].incarnation;
    f.failures = 0;
    f.retry_at.reset();
}

void Agent::State::update_fencing() {
    for (FenceState& f : fences) {
        if (f.announce_until && now >= *f.announce_until) f.announce_until.reset();
    }
    // Only the acting coordinator fences: one fencer at a time per majority, and
    // it is the node that then places the group elsewhere.
    if (!is_coordinator || quorum != wire::QuorumState::won || config.fencing.devices.empty()) {
        return;
    }
    for (NodeId n = 0; n < config.nodes.size(); ++n) {
        FenceState& f = fences[n];
        if (n == self || !f.needed || f.op || peers[n].alive) continue;
        if (f.retry_at && now < *f.retry_at) continue;
        if (!config.fencing.covers(config.nodes[n].name)) continue;
        f.retry_at.reset();
        f.op = next_op++;
        f.op_incarnation = f.incarnation;
        transition(out::TransitionKind::fencing, std::nullopt, n, term,
                   f.failures == 0 ? std::string("silent_holder")
                                   : "retry_" + std::to_string(f.failures));
        outputs.emplace_back(out::Fence{*f.op, n, f.incarnation});
    }
}

void Agent::State::on_fence_done(const in::FenceDone& done) {
    for (NodeId n = 0; n < fences.size(); ++n) {
        FenceState& f = fences[n];
        if (!f.op || *f.op != done.op) continue;
        f.op.reset();
        if (done.ok) {
            f.needed = false;
            f.failures = 0;
            // The node is off: every process up to the one we fenced is gone, and
            // with it every grant it held under a term we know of.
            f.announced = wire::Fenced{n, f.op_incarnation, term};
            f.announce_until = now + max_grant_hold + config.timing.timeout;
            transition(out::TransitionKind::fenced, std::nullopt, n, term, done.message);
            apply_fenced(f.announced);
            urgent = true;
            return;
        }
        const int shift = static_cast<int>(std::min<std::uint32_t>(f.failures++, 5));
        const Duration backoff = std::min<Duration>(first_fence_retry * (1 << shift), max_fence_retry);
        if (f.needed) f.retry_at = now + backoff;
        transition(out::TransitionKind::fence_failed, std::nullopt, n, term,
                   done.message + (f.needed ? " retry_in_" + std::to_string(to_ms(backoff)) + "ms"
                                            : std::string()));
        return;
    }
}

// design §4.7: a grant to a node the coordinator fenced is freed like a release,
// unless it belongs to a later process of that node (it restarted after the fence)
// or to a term the announcement did not know of.
void Agent::State::apply_fenced(const wire::Fenced& fenced) {
    if (fenced.node == self || fenced.node >= peers.size()) return;
    if (peers[fenced.node].incarnation > fenced.incarnation) return;
    for (GroupId g = 0; g < grants.size(); ++g) {
        GrantState& gr = grants[g];
        if (gr.holder == fenced.node && gr.term <= fenced.term) {
            gr.holder = no_node;
            urgent = true;
        }
    }
}

void Agent::State::on_fenced_announcements(const wire::Heartbeat& hb) {
    if (hb.fenced.empty()) return;
    if (!(hb.flags & wire::flag_coordinator) || hb.quorum != wire::QuorumState::won) return;
    for (const wire::Fenced& fenced : hb.fenced) {
        apply_fenced(fenced);
        FenceState& f = fences[fenced.node];
        if (f.needed && f.incarnation <= fenced.incarnation) f.needed = false;
    }
}

void Agent::State::announce_fenced(wire::Heartbeat& hb) const {
    if (!is_coordinator || quorum != wire::QuorumState::won) return;
    for (const FenceState& f : fences) {
        if (hb.fenced.size() >= wire::max_fenced) break;
        if (f.announce_until && now < *f.announce_until) hb.fenced.push_back(f.announced);
    }
}

}  // namespace hacluster::agent
