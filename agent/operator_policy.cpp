// The operator's cluster-wide policy (design §3.5): maintenance (cluster-wide or
// per group, with an optional TTL), blocked groups and cleanups. Every node
// carries the newest policy it knows in its heartbeats; a higher (version, by)
// wins, so the policy survives any coordinator change, and it is stored like
// votes so that it survives a restart.
#include <algorithm>

#include "agent/agent_state.h"

namespace hacluster::agent {

namespace {

// A TTL must fit the wire's u32 of milliseconds; a month is plenty for "until
// I am back".
constexpr Duration max_ttl = std::chrono::hours(24 * 30);

std::uint32_t remaining_ms(std::optional<Instant> until, Instant now) {
    if (!until) return 0;
    // A TTL that ends in this very millisecond still counts as one.
    return static_cast<std::uint32_t>(std::max<std::int64_t>(1, to_ms(*until - now)));
}

bool newer(Term version, NodeId by, Term than_version, NodeId than_by) {
    return version > than_version ||
           (version == than_version && by != no_node && (than_by == no_node || by > than_by));
}

}  // namespace

void Agent::State::init_policy() {
    policy.groups.resize(config.groups.size());
    if (!options.policy || options.policy->groups.size() != config.groups.size()) return;
    const Policy stored = *options.policy;
    const Policy old = policy;
    policy = stored;
    term = std::max(term, policy.version);
    // Cleanups stored were applied by the process that stored them.
    for (const wire::Cleanup& c : policy.cleanups) cleanup_applied = std::max(cleanup_applied, c.version);
    apply_policy(old, "stored");
}

void Agent::State::change_policy(Policy next, const std::string& reason) {
    const Policy old = policy;
    next.version = mint_term();
    next.by = self;
    for (wire::Cleanup& c : next.cleanups) {
        if (c.version == 0) c.version = next.version;  // one this change adds
    }
    policy = std::move(next);
    apply_policy(old, reason);
}

void Agent::State::adopt_policy(const wire::Heartbeat& hb) {
    const wire::Policy& p = hb.policy;
    if (!newer(p.version, p.by, policy.version, policy.by)) return;
    const Policy old = policy;
    Policy next;
    next.version = p.version;
    next.by = p.by;
    next.cluster_maintenance = p.cluster_maintenance != 0;
    if (next.cluster_maintenance && p.cluster_ttl_ms != 0) {
        next.cluster_until = now + std::chrono::milliseconds(p.cluster_ttl_ms);
    }
    next.groups.resize(config.groups.size());
    for (GroupId g = 0; g < next.groups.size(); ++g) {
        next.groups[g].maintenance = (p.maintenance >> g) & 1U;
        next.groups[g].blocked = (p.blocked >> g) & 1U;
    }
    for (const wire::Policy::Ttl& t : p.ttls) {
        if (t.group < next.groups.size() && next.groups[t.group].maintenance && t.ttl_ms != 0) {
            next.groups[t.group].maintenance_until = now + std::chrono::milliseconds(t.ttl_ms);
        }
    }
    for (const wire::Cleanup& c : p.cleanups) {
        if (c.group < config.groups.size()) next.cleanups.push_back(c);
    }
    term = std::max(term, p.version);
    policy = std::move(next);
    apply_policy(old, "via_" + config.nodes[hb.sender].name);
}

// Acts on the difference between two policies: the same whether this node made
// the change, learned it from a peer, or a TTL ran out here.
void Agent::State::apply_policy(const Policy& old, const std::string& reason) {
    for (GroupId g = 0; g < groups.size(); ++g) {
        const bool was = old.in_maintenance(g);
        const bool is = policy.in_maintenance(g);
        if (!was && is) {
            transition(out::TransitionKind::maintenance_on, g, self, policy.version, reason);
            enter_maintenance(g);
        } else if (was && !is) {
            // Re-learn the truth before acting (design §3.5): the probe's answer
            // settles the group; until every live node answered, nobody places it.
            transition(out::TransitionKind::maintenance_off, g, self, policy.version, reason);
            GroupState& gs = groups[g];
            gs.relearn = Relearn::probing;
            gs.probe_sent = now;
            outputs.emplace_back(out::Probe{g});
        }
        if (!old.blocked(g) && policy.blocked(g)) {
            transition(out::TransitionKind::blocked, g, self, policy.version, reason);
        } else if (old.blocked(g) && !policy.blocked(g)) {
            transition(out::TransitionKind::unblocked, g, self, policy.version, reason);
        }
    }
    Term applied = cleanup_applied;
    for (const wire::Cleanup& c : policy.cleanups) {
        if (c.version <= cleanup_applied) continue;
        applied = std::max(applied, c.version);
        if (c.node != no_node && c.node != self) continue;
        if (c.group >= groups.size()) continue;
        groups[c.group].failed_until.reset();
        transition(out::TransitionKind::cleanup, c.group, self, c.version, reason);
    }
    cleanup_applied = applied;
    if (!(old == policy)) outputs.emplace_back(out::PersistPolicy{policy});
    urgent = true;
}

void Agent::State::expire_policy() {
    if (standby_until && now >= *standby_until) {
        standby_until.reset();
        if (standby) {
            standby = false;
            transition(out::TransitionKind::online, std::nullopt, self, term, "ttl_expired");
            urgent = true;
        }
    }
    bool expired = policy.cluster_until && now >= *policy.cluster_until;
    for (const GroupPolicy& gp : policy.groups) {
        expired = expired || (gp.maintenance_until && now >= *gp.maintenance_until);
    }
    if (!expired) return;
    // Every node ends the TTL on its own clock, without a new version: they all
    // hold the same TTL (give or take a datagram's delay).
    const Policy old = policy;
    if (policy.cluster_until && now >= *policy.cluster_until) {
        policy.cluster_maintenance = false;
        policy.cluster_until.reset();
    }
    for (GroupPolicy& gp : policy.groups) {
        if (gp.maintenance_until && now >= *gp.maintenance_until) {
            gp.maintenance = false;
            gp.maintenance_until.reset();
        }
    }
    apply_policy(old, "ttl_expired");
}

// Unmanaged from now: the core forgets the group here without running anything
// (no stop, no monitor), drops the supervisor's guard so that a dead daemon does
// not take it down either, and announces the release so granters free the grant.
void Agent::State::enter_maintenance(GroupId g) {
    GroupState& gs = groups[g];
    gs.relearn = Relearn::none;
    gs.probe_sent.reset();
    if (gs.role != Role::standby) {
        become_standby(g, "maintenance");
    } else if (gs.guard_sent) {
        gs.guard_sent.reset();
        outputs.emplace_back(out::Guard{g, gs.term, std::nullopt, std::nullopt});
    }
    placement[g].switch_to = no_node;
}

void Agent::State::on_probed(const in::Probed& probed) {
    if (probed.group >= groups.size()) return;
    GroupState& gs = groups[probed.group];
    if (gs.relearn != Relearn::probing || policy.in_maintenance(probed.group)) return;
    gs.probe_sent.reset();
    if (probed.result == ProbeResult::running) {
        gs.relearn = Relearn::found;
        transition(out::TransitionKind::found_running, probed.group, self, gs.term, "probe");
    } else {
        gs.relearn = Relearn::none;
    }
    urgent = true;
}

void Agent::State::block(GroupId g, const std::string& reason) {
    if (policy.blocked(g)) return;
    Policy next = policy;
    next.groups[g].blocked = true;
    change_policy(std::move(next), reason);
}

void Agent::State::fill_policy(wire::Heartbeat& hb) const {
    wire::Policy& p = hb.policy;
    p.version = policy.version;
    p.by = policy.by;
    p.cluster_maintenance = policy.cluster_maintenance ? 1 : 0;
    p.cluster_ttl_ms = policy.cluster_maintenance ? remaining_ms(policy.cluster_until, now) : 0;
    for (GroupId g = 0; g < policy.groups.size(); ++g) {
        const GroupPolicy& gp = policy.groups[g];
        if (gp.maintenance) p.maintenance |= std::uint64_t{1} << g;
        if (gp.blocked) p.blocked |= std::uint64_t{1} << g;
        if (gp.maintenance && gp.maintenance_until) {
            p.ttls.push_back(wire::Policy::Ttl{g, remaining_ms(gp.maintenance_until, now)});
        }
        if (groups[g].relearn == Relearn::probing) hb.probing |= std::uint64_t{1} << g;
        if (groups[g].relearn == Relearn::found) hb.found |= std::uint64_t{1} << g;
    }
    p.cleanups = policy.cleanups;
    if (standby && standby_until) hb.standby_ttl_ms = remaining_ms(standby_until, now);
}

bool Agent::State::relearn_pending(GroupId g) const {
    if (groups[g].relearn == Relearn::probing) return true;
    for (NodeId n = 0; n < config.nodes.size(); ++n) {
        const wire::Heartbeat* hb = last_of(n);
        if (!hb) continue;
        // A peer that has not yet heard that maintenance ended has not probed.
        // (Not a comparison of versions: any policy change would then freeze
        // every group until it had spread.)
        if (hb->policy.cluster_maintenance || ((hb->policy.maintenance >> g) & 1U)) return true;
        if ((hb->probing >> g) & 1U) return true;
    }
    return false;
}

bool Agent::State::found_elsewhere(GroupId g) const {
    for (NodeId n = 0; n < config.nodes.size(); ++n) {
        const wire::Heartbeat* hb = last_of(n);
        if (hb && ((hb->found >> g) & 1U)) return true;
    }
    return false;
}

NodeId Agent::State::found_node(GroupId g) const {
    for (const std::string& name : config.groups[g].nodes) {
        const NodeId n = config.node_index(name);
        const bool found = n == self ? groups[g].relearn == Relearn::found
                                     : last_of(n) && ((last_of(n)->found >> g) & 1U);
        if (found && node_eligible(g, n)) return n;
    }
    return no_node;
}

void Agent::State::on_policy_command(const in::Command& c) {
    std::optional<GroupId> group;
    if (!c.group.empty()) {
        const std::size_t g = config.group_index(c.group);
        if (g >= config.groups.size()) {
            reply(c.request, false, "unknown group '" + c.group + "'");
            return;
        }
        group = static_cast<GroupId>(g);
    }
    NodeId node = no_node;
    if (c.kind == CommandKind::cleanup) {
        if (!group) {
            reply(c.request, false, "a group is required");
            return;
        }
        if (!c.node.empty()) {
            node = config.node_index(c.node);
            if (node == no_node) {
                reply(c.request, false, "unknown node '" + c.node + "'");
                return;
            }
        }
    }
    if (c.ttl && (*c.ttl < std::chrono::seconds(1) || *c.ttl > max_ttl)) {
        reply(c.request, false, "ttl must be from 1 to " +
                                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(max_ttl).count()) +
                                    " seconds");
        return;
    }
    // The policy spreads from node to node by version; a node without quorum
    // may be behind the cluster's newest and its change lost.
    if (quorum != wire::QuorumState::won) {
        reply(c.request, false, "this node has no quorum: the change would not reach the cluster");
        return;
    }
    Policy next = policy;
    std::string message;
    if (c.kind == CommandKind::maintenance) {
        const bool on = c.state == Switch::on;
        const std::optional<Instant> until =
            on && c.ttl ? std::optional<Instant>(now + *c.ttl) : std::nullopt;
        const auto ttls = std::count_if(next.groups.begin(), next.groups.end(), [](const GroupPolicy& gp) {
            return gp.maintenance && gp.maintenance_until;
        });
        if (group && until && !next.groups[*group].maintenance_until &&
            static_cast<std::size_t>(ttls) >= wire::max_ttls) {
            reply(c.request, false,
                  "at most " + std::to_string(wire::max_ttls) + " groups may have a maintenance TTL at once");
            return;
        }
        if (group) {
            next.groups[*group].maintenance = on;
            next.groups[*group].maintenance_until = until;
            message = "group " + c.group + (on ? " is in maintenance" : " is managed again");
        } else {
            next.cluster_maintenance = on;
            next.cluster_until = until;
            message = on ? "the cluster is in maintenance" : "the cluster is managed again";
            if (!on && std::any_of(next.groups.begin(), next.groups.end(),
                                   [](const GroupPolicy& gp) { return gp.maintenance; })) {
                message += " (groups in maintenance of their own stay so)";
            }
        }
        if (until) message += " for " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*c.ttl).count()) + " s";
    } else {
        next.groups[*group].blocked = false;
        next.cleanups.push_back(wire::Cleanup{0, *group, node});
        if (next.cleanups.size() > wire::max_cleanups) next.cleanups.erase(next.cleanups.begin());
        message = "cleaned up group " + c.group + (node == no_node ? " on every node" : " on " + c.node);
    }
    change_policy(std::move(next), "operator");
    reply(c.request, true, message);
}

}  // namespace hacluster::agent
