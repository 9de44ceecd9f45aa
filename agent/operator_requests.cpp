// Operator commands (switchover, standby, online) as inputs of the core
// (design §6): answered at once when this node can decide, otherwise forwarded in
// heartbeats to the node that decides, and answered when it acknowledges.
#include <algorithm>

#include "agent/agent_state.h"

namespace hacluster::agent {

namespace {
// A forwarded request not acknowledged within this many failure timeouts is
// answered with an error: the deciding node is unreachable or lost quorum.
constexpr int request_timeouts = 4;
}  // namespace

void Agent::State::reply(std::uint64_t client, bool ok, std::string message) {
    outputs.emplace_back(out::Reply{client, ok, std::move(message)});
}

void Agent::State::on_command(const in::Command& c) {
    if (c.kind == CommandKind::maintenance || c.kind == CommandKind::cleanup) {
        on_policy_command(c);
        return;
    }
    wire::Request request;
    request.id = next_request_id++;
    if (c.kind == CommandKind::switchover) {
        const std::size_t g = config.group_index(c.group);
        if (g >= config.groups.size()) {
            reply(c.request, false, "unknown group '" + c.group + "'");
            return;
        }
        NodeId to = no_node;
        if (!c.node.empty()) {
            to = config.node_index(c.node);
            if (to == no_node) {
                reply(c.request, false, "unknown node '" + c.node + "'");
                return;
            }
            if (!eligible_node[g][to]) {
                reply(c.request, false,
                      "node " + c.node + " is not among the nodes of group " + c.group);
                return;
            }
        }
        const auto ttl_s =
            c.ttl ? std::chrono::duration_cast<std::chrono::seconds>(*c.ttl).count() : 0;
        if (c.ttl && (ttl_s < 1 || ttl_s > wire::max_ttl_s)) {
            reply(c.request, false,
                  "ttl must be from 1 to " + std::to_string(wire::max_ttl_s) +
                      " s (30 days), got " + std::to_string(ttl_s));
            return;
        }
        if (placing()) {
            auto [ok, message] = apply_switchover(static_cast<GroupId>(g), to,
                                                  static_cast<std::uint32_t>(ttl_s));
            reply(c.request, ok, message);
            return;
        }
        if (coordinator == no_node) {
            reply(c.request, false, "no coordinator: this node has no quorum");
            return;
        }
        request.kind = wire::RequestKind::switchover;
        request.group = static_cast<GroupId>(g);
        request.node = to;
        request.ttl_s = static_cast<std::uint32_t>(ttl_s);
    } else {
        const NodeId n = c.node.empty() ? self : config.node_index(c.node);
        if (n == no_node) {
            reply(c.request, false, "unknown node '" + c.node + "'");
            return;
        }
        const bool to_standby = c.kind == CommandKind::standby;
        if (to_standby && c.ttl &&
            (*c.ttl < std::chrono::seconds(1) || *c.ttl > std::chrono::hours(24 * 30))) {
            reply(c.request, false, "ttl must be from 1 to 2592000 seconds");
            return;
        }
        if (n == self) {
            standby_until = to_standby && c.ttl ? std::optional<Instant>(now + *c.ttl) : std::nullopt;
            if (standby != to_standby) {
                standby = to_standby;
                transition(to_standby ? out::TransitionKind::standby : out::TransitionKind::online,
                           std::nullopt, self, term, "operator");
                urgent = true;
            }
            reply(c.request, true,
                  config.nodes[self].name + (to_standby ? " is in standby" : " is online"));
            return;
        }
        request.kind = to_standby ? wire::RequestKind::standby : wire::RequestKind::online;
        request.node = n;
        if (to_standby && c.ttl) {
            request.ttl_s = static_cast<std::uint32_t>(
                std::chrono::duration_cast<std::chrono::seconds>(*c.ttl).count());
        }
    }
    if (pending_requests.size() >= max_pending_requests) {
        reply(c.request, false, "too many requests in flight, try again");
        return;
    }
    pending_requests.push_back(
        PendingRequest{request, c.request, now + request_timeouts * config.timing.timeout});
    urgent = true;
}

// design §3.6: with a TTL the group is pinned to the target until it runs out;
// without one, a switchover is a one-off move and clears an earlier pin.
std::pair<bool, std::string> Agent::State::apply_switchover(GroupId g, NodeId to,
                                                            std::uint32_t ttl_s) {
    const std::string& group = config.groups[g].name;
    PlacementState& p = placement[g];
    if (to == no_node) {
        to = best_allowed(g, p.assigned);
        if (to == no_node) return {false, "no other eligible node for group " + group};
    } else if (!node_eligible(g, to)) {
        return {false, "node " + config.nodes[to].name + " is not eligible for group " + group +
                           " (offline, standby, unhealthy, leaving, failed there or without quorum)"};
    } else if (!related_ok(g, to, Placing::fresh)) {
        return {false, "node " + config.nodes[to].name + " is ruled out for group " + group +
                           " by its with/away_from groups (see groups[].with, away_from)"};
    }
    if (ttl_s != 0) {
        std::size_t pinned = 0;
        for (GroupId other = 0; other < placement.size(); ++other) {
            if (other != g && placement[other].pin.node != no_node) ++pinned;
        }
        if (pinned >= wire::max_pins) {
            return {false, "at most " + std::to_string(wire::max_pins) +
                               " groups can be pinned at once (switchover --ttl)"};
        }
    }
    p.pin = ttl_s == 0 ? Pin{} : Pin{to, now + std::chrono::seconds(ttl_s)};
    pins[g] = p.pin;
    const std::string pinned =
        ttl_s == 0 ? "" : ", pinned there for " + std::to_string(ttl_s) + " s";
    if (to == p.assigned && holder_of(g) == to) {
        urgent = true;
        return {true, "group " + group + " already runs on " + config.nodes[to].name + pinned};
    }
    p.switch_to = to;
    update_placement();
    return {true, "switchover of " + group + " to " + config.nodes[to].name + " started" + pinned};
}

void Agent::State::handle_request(NodeId requester, const wire::Request& r) {
    for (HandledRequest& h : handled_requests) {
        if (h.requester == requester && h.id == r.id) {
            h.last_listed = now;
            return;
        }
    }
    bool ok = true;
    switch (r.kind) {
        case wire::RequestKind::switchover:
            if (!placing() || r.group >= groups.size()) return;
            if (r.node != no_node && (r.node >= config.nodes.size() ||
                                      !eligible_node[r.group][r.node])) {
                ok = false;
            } else {
                ok = r.ttl_s <= wire::max_ttl_s && apply_switchover(r.group, r.node, r.ttl_s).first;
            }
            break;
        case wire::RequestKind::standby:
        case wire::RequestKind::online: {
            if (r.node != self) return;
            const bool to_standby = r.kind == wire::RequestKind::standby;
            standby_until = to_standby && r.ttl_s != 0
                                ? std::optional<Instant>(now + std::chrono::seconds(r.ttl_s))
                                : std::nullopt;
            if (standby != to_standby) {
                standby = to_standby;
                transition(to_standby ? out::TransitionKind::standby : out::TransitionKind::online,
                           std::nullopt, self, term, "operator_via_" + config.nodes[requester].name);
            }
            break;
        }
    }
    if (handled_requests.size() >= max_nodes * max_pending_requests) {
        handled_requests.erase(handled_requests.begin());
    }
    handled_requests.push_back(HandledRequest{requester, r.id, ok, now});
    urgent = true;
}

void Agent::State::on_acks(const wire::Heartbeat& hb) {
    for (const wire::RequestAck& ack : hb.acks) {
        if (ack.requester != self) continue;
        auto it = std::find_if(pending_requests.begin(), pending_requests.end(),
                               [&](const PendingRequest& p) { return p.request.id == ack.id; });
        if (it == pending_requests.end()) continue;
        const std::string by = config.nodes[hb.sender].name;
        reply(it->client, ack.ok != 0,
              ack.ok ? "accepted by " + by
                     : "refused by " + by + ": target not eligible or no other eligible node");
        pending_requests.erase(it);
        urgent = true;
    }
}

void Agent::State::expire_requests() {
    for (auto it = pending_requests.begin(); it != pending_requests.end();) {
        if (now >= it->deadline) {
            reply(it->client, false,
                  "no answer within " +
                      std::to_string(to_ms(request_timeouts * config.timing.timeout)) +
                      " ms: the deciding node is unreachable or has no quorum");
            it = pending_requests.erase(it);
        } else {
            ++it;
        }
    }
    const Duration keep = request_timeouts * config.timing.timeout;
    std::erase_if(handled_requests,
                  [&](const HandledRequest& h) { return now - h.last_listed > keep; });
}

}  // namespace hacluster::agent
