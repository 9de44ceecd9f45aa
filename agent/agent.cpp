// The agent's step loop and this node's role for every group (design §3, §4).
#include "agent/agent.h"

#include <algorithm>

#include "agent/agent_state.h"
#include "agent/assert.h"
#include "agent/overloaded.h"

namespace hacluster::agent {

const char* to_string(Role role) {
    switch (role) {
        case Role::standby: return "standby";
        case Role::claiming: return "claiming";
        case Role::starting: return "starting";
        case Role::primary: return "primary";
        case Role::stopping: return "stopping";
        case Role::stop_failed: return "stop_failed";
    }
    return "unknown";
}

const char* to_string(out::TransitionKind kind) {
    using K = out::TransitionKind;
    switch (kind) {
        case K::node_up: return "node_up";
        case K::node_down: return "node_down";
        case K::node_restarted: return "node_restarted";
        case K::link_up: return "link_up";
        case K::link_down: return "link_down";
        case K::quorum_won: return "quorum_won";
        case K::quorum_lost: return "quorum_lost";
        case K::coordinator_elected: return "coordinator_elected";
        case K::coordinator_changed: return "coordinator_changed";
        case K::assigned: return "assigned";
        case K::claiming: return "claiming";
        case K::starting: return "starting";
        case K::started: return "started";
        case K::start_failed: return "start_failed";
        case K::failed: return "failed";
        case K::stopping: return "stopping";
        case K::stopped: return "stopped";
        case K::stop_failed: return "stop_failed";
        case K::released: return "released";
        case K::ready: return "ready";
        case K::not_ready: return "not_ready";
        case K::standby: return "standby";
        case K::online: return "online";
        case K::unhealthy: return "unhealthy";
        case K::healthy: return "healthy";
        case K::left: return "left";
        case K::fencing: return "fencing";
        case K::fenced: return "fenced";
        case K::fence_failed: return "fence_failed";
        case K::blocked: return "blocked";
        case K::unblocked: return "unblocked";
        case K::maintenance_on: return "maintenance_on";
        case K::maintenance_off: return "maintenance_off";
        case K::cleanup: return "cleanup";
        case K::found_running: return "found_running";
        case K::escalating: return "escalating";
        case K::self_fencing: return "self_fencing";
    }
    return "unknown";
}

const char* to_string(ExecStatus status) {
    switch (status) {
        case ExecStatus::done: return "done";
        case ExecStatus::timed_out: return "timed_out";
        case ExecStatus::killed: return "killed";
        case ExecStatus::spawn_failed: return "spawn_failed";
        case ExecStatus::cancelled: return "cancelled";
    }
    return "unknown";
}

Agent::State::State(const ClusterConfig& cfg, NodeId self_id, const wire::Authenticator& a,
                    AgentOptions opts, Instant start_at)
    : config(cfg),
      self(self_id),
      auth(a),
      options(opts),
      start(start_at),
      cluster_id(agent::cluster_id(cfg.cluster)),
      config_hash(agent::config_hash(cfg)),
      links(cfg.nodes.empty() ? 0 : cfg.nodes[0].addresses.size()),
      now(start_at),
      prng(opts.seed),
      next_send(start_at) {
    HA_ASSERT(self < config.nodes.size());
    HA_ASSERT(validate(config).empty());
    for (const GroupConfig& group : config.groups) {
        timing.push_back(group_timing(config, group));
        max_grant_hold = std::max(max_grant_hold, timing.back().grant_hold);
        std::vector<bool> listed(config.nodes.size(), false);
        for (const std::string& name : group.nodes) listed[config.node_index(name)] = true;
        eligible_node.push_back(std::move(listed));
    }
    relations = relate_groups(config);
    peers.resize(config.nodes.size());
    for (PeerState& peer : peers) {
        peer.link_heard.resize(links);
        peer.link_up.resize(links, false);
    }
    assignment.resize(config.groups.size());
    placement.resize(config.groups.size());
    pins.resize(config.groups.size());
    grants.resize(config.groups.size());
    groups.resize(config.groups.size());
    fences.resize(config.nodes.size());
    for (GroupId g = 0; g < groups.size(); ++g) {
        groups[g].anchors.resize(config.nodes.size());
        // Not eligible before the shell says its unpromoted instance runs.
        groups[g].ready = !config.groups[g].promotable;
    }
    for (const PersistedVote& vote : options.votes) {
        if (vote.group >= grants.size() || vote.term < grants[vote.group].max_term) continue;
        grants[vote.group].max_term = vote.term;
        grants[vote.group].max_term_holder = vote.holder < config.nodes.size() ? vote.holder : no_node;
        term = std::max(term, vote.term);
    }
    for (const ResumedGroup& r : options.resume) {
        if (r.group >= groups.size()) continue;
        GroupState& gs = groups[r.group];
        gs.role = Role::primary;
        gs.term = r.term;
        gs.resumed_lease_end = r.stop_at + timing[r.group].stop_lead;
        gs.guard_sent = r.stop_at;  // the supervisor guards it already
        term = std::max(term, r.term);
        transition(out::TransitionKind::started, r.group, self, r.term, "resumed");
        urgent = true;
    }
    init_policy();
    // Request ids must not repeat across restarts: peers remember answers by id.
    next_request_id = static_cast<std::uint32_t>(prng.next() | 1);
    seen_since_start.insert(self);
}

Agent::Agent(const ClusterConfig& config, NodeId self, const wire::Authenticator& auth,
             AgentOptions options, Instant start)
    : s_(std::make_unique<State>(config, self, auth, options, start)) {}

Agent::~Agent() = default;

void Agent::step(Instant now, const Input& input) {
    HA_ASSERT(now >= s_->now);
    s_->now = now;
    s_->step(input);
}

std::vector<Output> Agent::take_outputs() { return std::exchange(s_->outputs, {}); }

void Agent::State::step(const Input& input) {
    if (left) return;
    // What the supervisor did while we were frozen comes before our own deadlines:
    // a lease that ran out meanwhile was its to stop, not ours to escalate (§4.8).
    if (const auto* report = std::get_if<in::SupervisorStop>(&input)) on_supervisor_stop(*report);
    // Deadlines first: a lease that ran out while we were not scheduled must be
    // acted on before anything else (design §4.3).
    for (GroupId g = 0; g < groups.size(); ++g) update_lease(g);
    std::visit(Overloaded{
                   [](const in::Tick&) {},
                   [this](const in::Packet& p) { on_packet(p); },
                   [this](const in::ScriptDone& d) { on_script_done(d); },
                   [this](const in::Command& c) { on_command(c); },
                   [this](const in::Shutdown&) { on_shutdown(); },
                   [](const in::SupervisorStop&) {},  // above
                   [this](const in::GroupFailed& f) { on_group_failed(f); },
                   [this](const in::FenceDone& f) { on_fence_done(f); },
                   [this](const in::Probed& p) { on_probed(p); },
                   [this](const in::Health& h) { on_health(h); },
                   [this](const in::GroupReady& r) { on_group_ready(r); },
                   [this](const in::Escalated& e) { on_escalated(e); },
               },
               input);
    evaluate();
}

void Agent::State::evaluate() {
    expire_policy();
    update_membership();
    update_quorum();
    update_coordinator();
    update_fencing();
    if (placing()) update_placement();
    adopt_assignments();
    update_grants();
    update_roles();
    expire_requests();
    if (urgent || now >= next_send) send_heartbeat();
    if (leaving && !left) {
        const bool all_released =
            std::none_of(groups.begin(), groups.end(), [](const GroupState& g) {
                return g.role != Role::standby;
            });
        if (all_released) {
            // A few announcements so that a lost datagram does not cost the
            // survivors a full grant hold (design §4.4).
            while (leave_announcements < 2) {
                send_heartbeat();
                ++leave_announcements;
            }
            left = true;
            transition(out::TransitionKind::left, std::nullopt, self, term, "shutdown");
            outputs.emplace_back(out::LeaveDone{});
        }
    }
}

bool Agent::State::holds(GroupId g) const {
    const Role r = groups[g].role;
    return r == Role::starting || r == Role::primary || r == Role::stopping ||
           r == Role::stop_failed;
}

std::optional<Instant> Agent::State::sent_time(Seq s) const {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it) {
        if (it->first == s) return it->second;
        if (it->first < s) break;
    }
    return std::nullopt;
}

// design §4.2: the lease ends L after the send time of the newest heartbeat that
// granters holding a majority of votes acknowledged while granting this term.
void Agent::State::update_lease(GroupId g) {
    GroupState& gs = groups[g];
    if (gs.role == Role::standby) {
        gs.lease_end.reset();
        return;
    }
    std::vector<std::pair<Instant, std::uint32_t>> votes;
    for (NodeId n = 0; n < config.nodes.size(); ++n) {
        if (gs.anchors[n]) votes.emplace_back(*gs.anchors[n], votes_of(n));
    }
    std::sort(votes.begin(), votes.end(), [](const auto& a, const auto& b) {
        return a.first > b.first;
    });
    std::uint32_t count = 0;
    std::optional<Instant> anchor;
    for (const auto& [at, v] : votes) {
        count += v;
        if (count >= config.majority()) {
            anchor = at;
            break;
        }
    }
    const bool stopping = gs.role == Role::stopping || gs.role == Role::stop_failed;
    if (anchor) {
        gs.lease_end = *anchor + timing[g].lease;
    } else if (!stopping) {
        gs.lease_end.reset();
    }
    // else: a stopping holder whose anchors were forgotten keeps the last end it
    // knew: a granter forgets us only after its grant hold, which ends after that
    // (design §4.8), so escalating by it is never late.
    if (gs.resumed_lease_end) {
        // Renewals for this process or for the previous one extend the same votes
        // (same holder, same term): the later of the two ends holds.
        if (gs.lease_end && *gs.lease_end >= *gs.resumed_lease_end) {
            gs.resumed_lease_end.reset();
        } else {
            gs.lease_end = gs.resumed_lease_end;
        }
    }
    if (stopping) {
        escalate_if_due(g);
        return;
    }

    const bool lease_ok = gs.lease_end && now < *gs.lease_end - timing[g].stop_lead;
    if ((gs.role == Role::starting || gs.role == Role::primary) && !lease_ok) {
        begin_stop(g, gs.lease_end ? "lease_expiring" : "no_lease");
    }
    if (gs.role == Role::starting || gs.role == Role::primary) emit_guard(g);
}

// design §4.8: a stop still unconfirmed escalate_lead before the lease ends (the
// node is cut off: connected, the granters renew a stopping holder) cannot be
// waited for any longer. The shell kills, removes addresses and answers.
void Agent::State::escalate_if_due(GroupId g) {
    GroupState& gs = groups[g];
    HA_ASSERT(gs.role == Role::stopping || gs.role == Role::stop_failed);
    // The supervisor's stop (after a resume) escalates on its own guard.
    if (gs.escalated || gs.supervisor_stopping || !gs.lease_end) return;
    if (now < *gs.lease_end - timing[g].escalate_lead) return;
    if (options.safety == Safety::unsafe_no_escalation) return;
    gs.escalated = true;
    const std::optional<std::uint64_t> op = std::exchange(gs.op, std::nullopt);
    gs.retry_stop_at.reset();
    gs.role = Role::stop_failed;  // unknown until the shell answers: keep blocking others
    transition(out::TransitionKind::escalating, g, self, gs.term,
               op ? "stop_not_confirmed" : "stop_failed_not_confirmed");
    outputs.emplace_back(out::Escalate{g, gs.term, op});
    urgent = true;
}

void Agent::State::on_escalated(const in::Escalated& report) {
    if (report.group >= groups.size()) return;
    const GroupId g = report.group;
    GroupState& gs = groups[g];
    if (!gs.escalated || report.term != gs.term || gs.role != Role::stop_failed) return;
    if (report.covered == in::Covered::yes) {
        // Every resource was an address, and it is gone: the group is down here.
        gs.failed_stops = 0;
        gs.relearn = Relearn::none;
        transition(out::TransitionKind::stopped, g, self, gs.term, "escalated_addresses_removed");
        become_standby(g, "escalated_addresses_removed");
        return;
    }
    if (!gs.self_fenced) {
        gs.self_fenced = true;
        transition(out::TransitionKind::self_fencing, g, self, gs.term, "stop_not_confirmed");
        outputs.emplace_back(out::SelfFence{g, gs.term, "stop_not_confirmed"});
    }
    // Still here (self_fence command or off): keep trying to stop; a success releases.
    gs.retry_stop_at = now + timing[g].stop_retry;
    urgent = true;
}

void Agent::State::emit_guard(GroupId g) {
    GroupState& gs = groups[g];
    if (!gs.lease_end) return;
    const Instant stop_at = *gs.lease_end - timing[g].stop_lead;
    if (gs.guard_sent == stop_at) return;
    gs.guard_sent = stop_at;
    outputs.emplace_back(out::Guard{g, gs.term, stop_at, *gs.lease_end - timing[g].escalate_lead});
}

void Agent::State::update_roles() {
    for (GroupId g = 0; g < groups.size(); ++g) {
        GroupState& gs = groups[g];
        if (gs.released_until && now >= *gs.released_until) gs.released_until.reset();
        // Unmanaged: touch nothing (design §3.5).
        if (policy.in_maintenance(g)) continue;
        if (gs.relearn == Relearn::probing && gs.probe_sent &&
            now - *gs.probe_sent >= config.groups[g].start_timeout + config.groups[g].stop_timeout) {
            // The answer got lost (the shell was busy or restarted its runner): ask again.
            gs.probe_sent = now;
            outputs.emplace_back(out::Probe{g});
        }
        const std::optional<NodeId>& assigned = assignment[g];
        const bool assigned_here = assigned && *assigned == self;
        const bool moved_away = assigned && *assigned != self;
        switch (gs.role) {
            case Role::standby:
                if (gs.relearn == Relearn::found && assigned && *assigned != self &&
                    *assigned != no_node) {
                    // A copy found running after maintenance, placed elsewhere:
                    // stopped through the normal path before anyone starts it there.
                    gs.role = Role::stopping;
                    gs.stop_reason = "found_running_placed_on_" + config.nodes[*assigned].name;
                    transition(out::TransitionKind::stopping, g, self, gs.term, gs.stop_reason);
                    run_script(g, ScriptAction::stop, gs.stop_reason);
                    urgent = true;
                    break;
                }
                if (assigned_here && !standby && !unhealthy && !leaving &&
                    quorum == wire::QuorumState::won &&
                    !unavailable_here(g) && !policy.blocked(g) &&
                    gs.relearn != Relearn::probing && !found_elsewhere(g) && may_claim_here(g)) {
                    begin_claim(g);
                }
                break;
            case Role::claiming:
                if (moved_away || leaving || standby || unhealthy || !assigned ||
                    unavailable_here(g)) {
                    const char* why = leaving                  ? "leaving"
                                      : standby                  ? "standby"
                                      : unhealthy                ? "unhealthy"
                                      : !assigned || moved_away ? "not_assigned"
                                                                 : "not_ready";
                    abandon_claim(g, why);
                    break;
                }
                update_lease(g);
                // The relations are checked again at the start (design §3.4): a
                // group with and after D may have claimed while D was primary here,
                // and D may have stopped since.
                if (gs.lease_end && now < *gs.lease_end - timing[g].stop_lead && may_claim_here(g)) {
                    begin_start(g);
                }
                break;
            case Role::starting:
            case Role::primary:
                // Groups after this one stop first (design §3.4); a lease that
                // runs out stops it regardless (update_lease).
                if ((leaving || standby || moved_away) && follower_held_here(g)) break;
                if (leaving) {
                    begin_stop(g, "leaving");
                } else if (standby) {
                    begin_stop(g, "standby");
                } else if (unhealthy) {
                    begin_stop(g, "unhealthy");
                } else if (moved_away) {
                    begin_stop(g, *assigned == no_node
                                      ? std::string("no_eligible_node")
                                      : "moved_to_" + config.nodes[*assigned].name);
                }
                break;
            case Role::stopping:
                break;
            case Role::stop_failed:
                if (gs.retry_stop_at && now >= *gs.retry_stop_at && !gs.op) {
                    gs.retry_stop_at.reset();
                    run_script(g, ScriptAction::stop, "retry_" + gs.stop_reason);
                }
                break;
        }
    }
}

void Agent::State::begin_claim(GroupId g) {
    GroupState& gs = groups[g];
    gs.role = Role::claiming;
    gs.term = mint_term();
    gs.escalated = false;
    gs.self_fenced = false;
    std::fill(gs.anchors.begin(), gs.anchors.end(), std::nullopt);
    gs.lease_end.reset();
    gs.released_until.reset();
    transition(out::TransitionKind::claiming, g, self, gs.term, "assigned");
    urgent = true;
}

void Agent::State::abandon_claim(GroupId g, const std::string& reason) {
    // Nothing ran, but granters may have voted for us: announce the release so
    // they free the grant at once instead of holding it (design §4.4).
    become_standby(g, reason);
}

void Agent::State::begin_start(GroupId g) {
    GroupState& gs = groups[g];
    gs.role = Role::starting;
    transition(out::TransitionKind::starting, g, self, gs.term, "lease_granted");
    emit_guard(g);
    run_script(g, ScriptAction::start, "promote");
    urgent = true;
}

void Agent::State::begin_stop(GroupId g, const std::string& reason) {
    GroupState& gs = groups[g];
    if (gs.role == Role::stopping || gs.role == Role::stop_failed ||
        gs.role == Role::standby) {
        return;
    }
    if (gs.role == Role::claiming) {
        abandon_claim(g, reason);
        return;
    }
    if (gs.op) {
        // A start in flight: kill it first; the stop follows (the runner kills the
        // whole process group before the stop script runs).
        outputs.emplace_back(out::CancelScript{*gs.op});
        gs.op.reset();
    }
    gs.role = Role::stopping;
    gs.stop_reason = reason;
    transition(out::TransitionKind::stopping, g, self, gs.term, reason);
    run_script(g, ScriptAction::stop, reason);
    urgent = true;
}

void Agent::State::become_standby(GroupId g, const std::string& reason) {
    GroupState& gs = groups[g];
    const bool was_claiming = gs.role == Role::claiming;
    if (gs.op) {
        outputs.emplace_back(out::CancelScript{*gs.op});
        gs.op.reset();
    }
    gs.role = Role::standby;
    gs.lease_end.reset();
    gs.resumed_lease_end.reset();
    gs.retry_stop_at.reset();
    gs.supervisor_stopping = false;
    gs.escalated = false;
    gs.self_fenced = false;
    std::fill(gs.anchors.begin(), gs.anchors.end(), std::nullopt);
    gs.released_term = gs.term;
    gs.released_until = now + timing[g].grant_hold + config.timing.timeout;
    if (gs.guard_sent) {
        gs.guard_sent.reset();
        outputs.emplace_back(out::Guard{g, gs.term, std::nullopt, std::nullopt});
    }
    transition(out::TransitionKind::released, g, self, gs.term,
               was_claiming ? "claim_abandoned_" + reason : reason);
    urgent = true;
}

void Agent::State::run_script(GroupId g, ScriptAction action, const std::string& reason) {
    GroupState& gs = groups[g];
    const std::uint64_t op = next_op++;
    gs.op = op;
    gs.op_action = action;
    const GroupConfig& group = config.groups[g];
    outputs.emplace_back(out::RunScript{op, g, action, gs.term, reason,
                                        action == ScriptAction::start ? group.start_timeout
                                                                      : group.stop_timeout});
}

void Agent::State::on_script_done(const in::ScriptDone& done) {
    for (GroupId g = 0; g < groups.size(); ++g) {
        GroupState& gs = groups[g];
        if (!gs.op || *gs.op != done.op) continue;
        gs.op.reset();
        const bool ok = done.status == ExecStatus::done && done.exit_code == 0;
        if (gs.op_action == ScriptAction::start) {
            if (gs.role != Role::starting) return;
            if (ok) {
                gs.role = Role::primary;
                gs.relearn = Relearn::none;  // adopted, if it was found running
                transition(out::TransitionKind::started, g, self, gs.term, "start_ok");
                urgent = true;
            } else {
                gs.failed_until = now + timing[g].start_failure_backoff;
                const std::string why = std::string(to_string(done.status)) + "_exit_" +
                                        std::to_string(done.exit_code);
                transition(out::TransitionKind::start_failed, g, self, gs.term, why);
                // OCF "not installed" / "not configured": no node would do better,
                // so the group is placed nowhere until a cleanup (design §3.5).
                if (done.status == ExecStatus::done &&
                    (done.exit_code == exit_not_installed || done.exit_code == exit_not_configured)) {
                    block(g, "start_" + why);
                }
                begin_stop(g, "start_failed");
            }
            return;
        }
        // A stop.
        if (ok) {
            gs.failed_stops = 0;
            gs.relearn = Relearn::none;  // whatever was found running is stopped
            // Released only when the supervisor's own stop is done too.
            if (gs.supervisor_stopping) return;
            transition(out::TransitionKind::stopped, g, self, gs.term, gs.stop_reason);
            become_standby(g, gs.stop_reason);
        } else {
            // State unknown: keep holding (nobody may take over while we say
            // stop_failed) and retry (design §4.5).
            gs.role = Role::stop_failed;
            // lease_end stays: a cut-off node escalates by it (design §4.8).
            // Fast retries first (a stop that fails fast may still finish inside
            // its budget), then back off to about a second.
            const int shift = std::min(gs.failed_stops++, 7);
            gs.retry_stop_at = now + std::min<Duration>(timing[g].stop_retry * (1 << shift),
                                                        std::chrono::seconds(1));
            transition(out::TransitionKind::stop_failed, g, self, gs.term,
                       std::string(to_string(done.status)) + "_exit_" +
                           std::to_string(done.exit_code));
            urgent = true;
        }
        return;
    }
}

void Agent::State::on_group_failed(const in::GroupFailed& failure) {
    if (failure.group >= groups.size()) return;
    const GroupId g = failure.group;
    GroupState& gs = groups[g];
    if (failure.term != gs.term || (gs.role != Role::starting && gs.role != Role::primary)) return;
    gs.failed_until = now + timing[g].start_failure_backoff;
    transition(out::TransitionKind::failed, g, self, gs.term, failure.reason);
    if (failure.fatal == Fatal::yes) block(g, failure.reason);
    begin_stop(g, "failed");
}

// Like standby (design §3.3): the node's groups stop here and move through the
// normal release and claim path; it keeps voting, so quorum does not shrink.
void Agent::State::on_health(const in::Health& health) {
    if (health.healthy == !unhealthy) return;
    unhealthy = !health.healthy;
    transition(unhealthy ? out::TransitionKind::unhealthy : out::TransitionKind::healthy,
               std::nullopt, self, term, health.reason);
    urgent = true;
}

void Agent::State::on_group_ready(const in::GroupReady& report) {
    if (report.group >= groups.size() || !config.groups[report.group].promotable) return;
    GroupState& gs = groups[report.group];
    if (gs.ready == report.ready) return;
    gs.ready = report.ready;
    transition(report.ready ? out::TransitionKind::ready : out::TransitionKind::not_ready, report.group, self,
               gs.term, report.reason);
    urgent = true;
}

// A node that holds the group runs its promoted instance: readiness is about the
// unpromoted one, so it never moves a group that runs.
bool Agent::State::unavailable_here(GroupId g) const {
    const GroupState& gs = groups[g];
    return (gs.failed_until && now < *gs.failed_until) || (!gs.ready && !holds(g));
}

void Agent::State::on_supervisor_stop(const in::SupervisorStop& report) {
    if (report.group >= groups.size()) return;
    const GroupId g = report.group;
    GroupState& gs = groups[g];
    // About another tenure (we have since released and claimed again): not ours.
    if (gs.role == Role::standby || gs.role == Role::claiming || report.term != gs.term) return;
    if (report.phase == in::SupervisorPhase::begun) {
        if (gs.op && gs.op_action == ScriptAction::start) {
            outputs.emplace_back(out::CancelScript{*gs.op});
            gs.op.reset();
        }
        gs.supervisor_stopping = true;
        if (gs.role != Role::stopping) {
            gs.role = Role::stopping;
            gs.stop_reason = "supervisor";
            transition(out::TransitionKind::stopping, g, self, gs.term, "supervisor");
            urgent = true;
        }
        return;
    }
    gs.supervisor_stopping = false;
    if (gs.op) return;  // our own stop is still running: its end releases
    transition(out::TransitionKind::stopped, g, self, gs.term, "supervisor");
    become_standby(g, "supervisor_stopped");
}

// Terms are cluster-wide and only grow; heartbeats with absurd terms are dropped
// (membership.cpp), so this cannot wrap.
Term Agent::State::mint_term() {
    HA_ASSERT(term < max_plausible_term);
    return ++term;
}

void Agent::State::on_shutdown() {
    if (leaving) return;
    leaving = true;
    for (GroupId g = 0; g < groups.size(); ++g) begin_stop(g, "leaving");
    urgent = true;
}

void Agent::State::transition(out::TransitionKind kind, std::optional<GroupId> group, NodeId node,
                              Term t, std::string reason) {
    outputs.emplace_back(out::Transition{kind, group, node, t, std::move(reason)});
}

void Agent::State::send_heartbeat() {
    wire::Heartbeat hb = build_heartbeat();
    // Our own vote for our own claims (design §4.1), processed as if received.
    for (const wire::Claim& claim : hb.claims) on_claim(self, claim, hb.seq);
    for (GroupId g = 0; g < grants.size(); ++g) {
        const GrantState& gr = grants[g];
        if (gr.holder == no_node && gr.max_term == 0) continue;
        if (gr.holder == no_node) {
            hb.grants.push_back(wire::Grant{g, no_node, gr.max_term, 0});
        } else {
            hb.grants.push_back(wire::Grant{g, gr.holder, gr.term, gr.acked_seq});
        }
    }
    forget_anchors_of(self, &hb);
    for (const wire::Grant& grant : hb.grants) on_grant(self, grant);
    const std::vector<std::uint8_t> bytes = wire::encode(hb, auth);
    for (NodeId n = 0; n < config.nodes.size(); ++n) {
        if (n == self) continue;
        for (std::size_t link = 0; link < links; ++link) {
            outputs.emplace_back(out::Send{n, static_cast<std::uint8_t>(link), bytes});
        }
    }
    urgent = false;
    next_send = now + config.timing.interval;
    for (GroupId g = 0; g < groups.size(); ++g) update_lease(g);
}

wire::Heartbeat Agent::State::build_heartbeat() {
    wire::Heartbeat hb;
    hb.cluster_id = cluster_id;
    hb.sender = self;
    hb.incarnation = options.incarnation;
    hb.seq = ++seq;
    sent.emplace_back(hb.seq, now);
    while (sent.size() > 256) sent.pop_front();
    hb.term = term;
    hb.config_hash = config_hash;
    hb.flags = (is_coordinator ? wire::flag_coordinator : 0) | (standby ? wire::flag_standby : 0) |
               (unhealthy ? wire::flag_unhealthy : 0) | (leaving ? wire::flag_leaving : 0) | (in_quiet_period() ? wire::flag_quiet : 0);
    hb.quorum = quorum;
    hb.coordinator = coordinator;
    hb.coordinator_term = coordinator_term;
    for (NodeId n = 0; n < config.nodes.size(); ++n) {
        if (n == self || !peers[n].alive) continue;
        hb.view.push_back(wire::PeerEntry{n, peers[n].incarnation, peers[n].replay.highest()});
    }
    for (GroupId g = 0; g < groups.size(); ++g) {
        const GroupState& gs = groups[g];
        wire::ClaimState state = wire::ClaimState::claiming;
        switch (gs.role) {
            case Role::standby:
                if (!gs.released_until) continue;
                hb.claims.push_back(wire::Claim{g, wire::ClaimState::released, gs.released_term});
                continue;
            case Role::claiming: state = wire::ClaimState::claiming; break;
            case Role::starting: state = wire::ClaimState::starting; break;
            case Role::primary: state = wire::ClaimState::primary; break;
            case Role::stopping: state = wire::ClaimState::stopping; break;
            case Role::stop_failed: state = wire::ClaimState::stop_failed; break;
        }
        hb.claims.push_back(wire::Claim{g, state, gs.term});
    }
    if (placing()) {
        for (GroupId g = 0; g < placement.size(); ++g) {
            hb.assignments.push_back(wire::Assignment{g, placement[g].assigned});
        }
    }
    // Every node tells the pins it knows (design §3.6): a node elected while the
    // old coordinator is gone or not heard yet learns them from the others.
    for (GroupId g = 0; g < pins.size(); ++g) {
        const Pin& pin = is_coordinator ? placement[g].pin : pins[g];
        if (pin.node != no_node && now < pin.until && hb.pins.size() < wire::max_pins) {
            hb.pins.push_back(wire::PinEntry{
                g, pin.node, static_cast<std::uint32_t>(to_ms(pin.until - now))});
        }
    }
    for (GroupId g = 0; g < groups.size(); ++g) {
        if (unavailable_here(g)) hb.failed_groups.push_back(g);
    }
    fill_policy(hb);
    for (const PendingRequest& p : pending_requests) hb.requests.push_back(p.request);
    for (const HandledRequest& h : handled_requests) {
        hb.acks.push_back(wire::RequestAck{h.requester, h.id, static_cast<std::uint8_t>(h.ok)});
    }
    announce_fenced(hb);
    return hb;
}

View Agent::view() const {
    const State& s = *s_;
    View v;
    v.self = s.self;
    v.incarnation = s.options.incarnation;
    v.quorum = s.quorum;
    v.votes_present = s.votes_present;
    v.votes_needed = s.config.majority();
    v.coordinator = s.coordinator;
    v.is_coordinator = s.is_coordinator;
    v.term = s.term;
    v.standby = s.standby;
    v.healthy = !s.unhealthy;
    v.leaving = s.leaving;
    v.policy = s.policy;
    v.packets_rejected = s.packets_rejected;
    for (NodeId n = 0; n < s.config.nodes.size(); ++n) {
        PeerView p;
        p.node = n;
        if (n == s.self) {
            p.alive = !s.left;
            p.incarnation = s.options.incarnation;
            p.standby = s.standby;
            if (s.standby && s.standby_until) p.standby_ttl = *s.standby_until - s.now;
            p.healthy = !s.unhealthy;
            p.leaving = s.leaving;
            p.quorum = s.quorum;
            p.links.resize(s.links, LinkView{true, s.now});
        } else {
            const PeerState& peer = s.peers[n];
            p.alive = peer.alive;
            p.incarnation = peer.incarnation;
            for (std::size_t l = 0; l < s.links; ++l) {
                p.links.push_back(LinkView{peer.link_up[l], peer.link_heard[l]});
            }
            if (const wire::Heartbeat* hb = s.last_of(n)) {
                p.standby = (hb->flags & wire::flag_standby) != 0;
                if (p.standby && hb->standby_ttl_ms != 0) {
                    p.standby_ttl = std::chrono::milliseconds(hb->standby_ttl_ms);
                }
                p.healthy = (hb->flags & wire::flag_unhealthy) == 0;
                p.leaving = (hb->flags & wire::flag_leaving) != 0;
                p.quorum = hb->quorum;
            }
        }
        const FenceState& f = s.fences[n];
        p.fence.needed = f.needed;
        p.fence.in_flight = f.op.has_value();
        p.fence.failures = f.failures;
        p.fence.retry_at = f.retry_at;
        p.fence.announced = f.announce_until && s.now < *f.announce_until;
        v.peers.push_back(std::move(p));
    }
    for (GroupId g = 0; g < s.groups.size(); ++g) {
        const GroupState& gs = s.groups[g];
        GroupView gv;
        gv.group = g;
        gv.role = gs.role;
        gv.term = gs.term;
        gv.lease_end = gs.lease_end;
        gv.assigned = s.assignment[g].value_or(no_node);
        gv.holder = s.holder_of(g);
        gv.failed_here = gs.failed_until && s.now < *gs.failed_until;
        gv.maintenance = s.policy.in_maintenance(g);
        gv.blocked = s.policy.blocked(g);
        gv.probing = gs.relearn == Relearn::probing;
        gv.found = gs.relearn == Relearn::found;
        if (s.pins[g].node != no_node && s.now < s.pins[g].until) {
            gv.pinned_to = s.pins[g].node;
            gv.pinned_until = s.pins[g].until;
        }
        gv.ready_here = gs.ready;
        for (NodeId n = 0; n < s.config.nodes.size(); ++n) {
            if (s.node_eligible(g, n)) gv.eligible.push_back(n);
        }
        v.groups.push_back(gv);
        const GrantState& gr = s.grants[g];
        GrantView grv;
        const bool live = gr.holder != no_node && !s.grant_expired(g);
        grv.holder = live ? gr.holder : no_node;
        grv.term = live ? gr.term : gr.max_term;
        if (live) grv.held_until = gr.renewed + s.timing[g].grant_hold;
        v.grants.push_back(grv);
    }
    return v;
}

}  // namespace hacluster::agent
