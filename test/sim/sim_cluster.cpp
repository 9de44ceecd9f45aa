#include "test/sim/sim_cluster.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <utility>

#include "agent/assert.h"
#include "test/sim/sim_config.h"

namespace hacluster::sim {

namespace {

using namespace std::chrono_literals;

// The simulation's cluster key: any fixed 32 bytes, the same in every run.
daemon::HmacSha256 make_auth() {
    std::array<std::uint8_t, 32> key{};
    for (std::size_t i = 0; i < key.size(); ++i) {
        key[i] = static_cast<std::uint8_t>(0x5A ^ (i * 7));
    }
    auto auth = daemon::HmacSha256::from_key(key);
    HA_ASSERT(auth.has_value());
    return *auth;
}

agent::ClusterConfig resolve_config(const SimOptions& options) {
    agent::ClusterConfig config = options.config
                                      ? *options.config
                                      : make_sim_config(options.nodes, options.groups, options.links);
    const auto errors = agent::validate(config);
    if (!errors.empty()) {
        std::fprintf(stderr, "sim: invalid cluster config: %s: %s\n", errors[0].path.c_str(),
                     errors[0].message.c_str());
        HA_ASSERT(errors.empty());
    }
    return config;
}

// Independent random streams: one more draw in one part of the simulation (say,
// one more fault) leaves the others' streams alone.
std::uint64_t sub_seed(std::uint64_t seed, std::uint64_t stream) {
    agent::Prng p(seed ^ (stream * 0xD1B54A32D192ED03ULL));
    p.next();
    return p.next();
}

Duration random_between(agent::Prng& prng, Duration lo, Duration hi) {
    if (hi <= lo) return lo;
    return Duration(prng.range(lo.count(), hi.count()));
}

}  // namespace

const char* to_string(Behaviour behaviour) {
    switch (behaviour) {
        case Behaviour::normal: return "normal";
        case Behaviour::fail: return "fail";
        case Behaviour::not_configured: return "not_configured";
        case Behaviour::slow: return "slow";
        case Behaviour::hang: return "hang";
        case Behaviour::overrun: return "overrun";
    }
    return "unknown";
}

const char* to_string(NodeStatus status) {
    switch (status) {
        case NodeStatus::up: return "up";
        case NodeStatus::paused: return "paused";
        case NodeStatus::daemon_dead: return "daemon_dead";
        case NodeStatus::machine_down: return "machine_down";
        case NodeStatus::left: return "left";
    }
    return "unknown";
}

SimCluster::SimCluster(SimOptions options)
    : options_(std::move(options)),
      config_(resolve_config(options_)),
      auth_(make_auth()),
      network_(config_.nodes.size(), config_.nodes.at(0).addresses.size()),
      fault_prng_(sub_seed(options_.seed, 1)),
      net_prng_(sub_seed(options_.seed, 2)),
      script_prng_(sub_seed(options_.seed, 3)),
      node_prng_(sub_seed(options_.seed, 4)),
      nodes_(config_.nodes.size()),
      truth_(config_.nodes.size(), config_.groups.size()),
      relations_(agent::relate_groups(config_)),
      failover_(config_.groups.size()),
      overlap_open_(config_.groups.size(), false),
      last_start_(config_.groups.size()) {
    network_.set_all(options_.network);
    const std::int32_t max_drift = static_cast<std::int32_t>(config_.timing.max_clock_drift_ppm);
    for (NodeId n = 0; n < nodes_.size(); ++n) {
        Node& node = nodes_[n];
        node.guards.assign(config_.groups.size(), std::nullopt);
        node.ready.assign(config_.groups.size(), true);
        node.guard_terms.assign(config_.groups.size(), 0);
        node.guard_escalate.assign(config_.groups.size(), std::nullopt);
        node.supervisor_busy.assign(config_.groups.size(), false);
        node.supervisor_gen.assign(config_.groups.size(), 0);
        node.dead_grants.assign(config_.groups.size(), DeadGrant{});
        if (options_.clocks == ClockSetup::ideal) {
            node.clock = SimClock(SimTime{}, Instant(1000s), 0);
        } else {
            // A quarter of the clocks run exactly at each end of the bound: that is
            // where the lease arithmetic is tight.
            std::int32_t drift = 0;
            switch (node_prng_.below(4)) {
                case 0: drift = max_drift; break;
                case 1: drift = -max_drift; break;
                default: drift = static_cast<std::int32_t>(node_prng_.range(-max_drift, max_drift));
            }
            const Instant offset(Duration(node_prng_.range(1'000'000'000, 100'000'000'000'000)));
            node.clock = SimClock(SimTime{}, offset, drift);
        }
        node.incarnation = 1 + node_prng_.below(1000);
    }
    for (NodeId n = 0; n < nodes_.size(); ++n) {
        if (options_.start_spread <= Duration::zero()) {
            boot(n);
        } else {
            const SimTime when = random_between(node_prng_, Duration::zero(), options_.start_spread);
            at(when, [this, n] { restart(n); });
        }
    }
}

SimCluster::~SimCluster() = default;

NodeId SimCluster::node_id(std::string_view name) const {
    const NodeId id = config_.node_index(std::string(name));
    HA_ASSERT(id != agent::no_node);
    return id;
}

GroupId SimCluster::group_id(std::string_view name) const {
    const std::size_t id = config_.group_index(std::string(name));
    HA_ASSERT(id < config_.groups.size());
    return static_cast<GroupId>(id);
}

// ---------------------------------------------------------------- event queue

void SimCluster::schedule(SimTime when, EventKind kind, NodeId node, std::uint64_t arg,
                          std::uint32_t gen) {
    HA_ASSERT(when >= now_);
    queue_.push_back(Event{when.count(), next_seq_++, arg, gen, node, kind});
    std::push_heap(queue_.begin(), queue_.end(), EventLater{});
}

bool SimCluster::run_next(SimTime limit) {
    if (queue_.empty() || queue_.front().time > limit.count()) return false;
    std::pop_heap(queue_.begin(), queue_.end(), EventLater{});
    const Event event = queue_.back();
    queue_.pop_back();
    now_ = SimTime(event.time);
    ++events_processed_;
    dispatch(event);
    return true;
}

void SimCluster::run_until(SimTime at) {
    while (run_next(at)) {
    }
    if (at > now_) now_ = at;
}

void SimCluster::run_for(Duration duration) { run_until(now_ + duration); }

bool SimCluster::run_until(const std::function<bool()>& done, Duration limit) {
    const SimTime end = now_ + limit;
    if (done()) return true;
    while (run_next(end)) {
        if (done()) return true;
    }
    now_ = end;
    return done();
}

void SimCluster::at(SimTime when, std::function<void()> action) {
    actions_.push_back(std::move(action));
    schedule(std::max(when, now_), EventKind::action, 0, actions_.size() - 1, 0);
}

void SimCluster::after(Duration delay, std::function<void()> action) {
    at(now_ + delay, std::move(action));
}

void SimCluster::dispatch(const Event& event) {
    switch (event.kind) {
        case EventKind::tick: on_tick(event.node, event.gen); break;
        case EventKind::packet: on_packet(event.node, event.arg); break;
        case EventKind::script_done: on_script_done(event.node, event.arg); break;
        case EventKind::supervisor_check:
            on_supervisor_check(event.node, static_cast<GroupId>(event.arg), event.gen);
            break;
        case EventKind::resume:
            if (nodes_[event.node].pause_gen == event.gen) resume(event.node);
            break;
        case EventKind::fence_done: on_fence_done(event.arg); break;
        case EventKind::action: {
            std::function<void()> action = std::move(actions_[event.arg]);
            actions_[event.arg] = nullptr;
            action();
            break;
        }
    }
}

// ---------------------------------------------------------------- nodes

void SimCluster::boot(NodeId n) {
    Node& node = nodes_[n];
    node.rejoin_after_leave = false;
    node.incarnation += 1 + node_prng_.below(1000);  // strictly larger, like wall-clock µs
    agent::AgentOptions agent_options{node.incarnation, node_prng_.next(), options_.safety, node.disk_votes, {},
                                      node.disk_policy};
    // The previous daemon's supervisor hands over what it still guards (none of
    // its stops is running: restart() waited for those).
    for (GroupId g = 0; g < node.guards.size(); ++g) {
        if (node.guards[g]) agent_options.resume.push_back({g, node.guard_terms[g], *node.guards[g]});
    }
    node.agent = std::make_unique<agent::Agent>(config_, n, auth_, agent_options,
                                                node.clock.local(now_));
    node.status = NodeStatus::up;
    ++node.daemon_gen;
    // The shell's timer has its own phase on every node.
    start_ticks(n, Duration(node_prng_.below(static_cast<std::uint64_t>(config_.timing.tick.count()))));
    tell_health(n);
    // The shell starts the unpromoted instances after its start-up probe.
    for (GroupId g = 0; g < config_.groups.size(); ++g) {
        if (config_.groups[g].promotable && node.ready[g]) step(n, agent::in::GroupReady{g, true, "unpromoted_running"});
    }
}

void SimCluster::tell_health(NodeId n) {
    Node& node = nodes_[n];
    if (node.status != NodeStatus::up || !node.agent) return;
    if (node.agent->view().healthy == !node.unhealthy) return;
    step(n, agent::in::Health{!node.unhealthy, node.health_reason});
}

void SimCluster::set_health(NodeId n, bool healthy, const std::string& reason) {
    Node& node = nodes_.at(n);
    if (node.unhealthy == !healthy) return;
    note(line_prefix(n) + " sim: " + (healthy ? "health checks pass" : "fault health checks fail"));
    node.unhealthy = !healthy;
    node.health_reason = reason;
    tell_health(n);
}

void SimCluster::set_ready(NodeId n, GroupId g, bool ready) {
    Node& node = nodes_.at(n);
    if (node.ready.at(g) == ready) return;
    node.ready[g] = ready;
    note(line_prefix(n) + " sim: " + group_name(g) + (ready ? " instance ready" : " instance not ready"));
    if (node.status == NodeStatus::up && node.agent) {
        step(n, agent::in::GroupReady{g, ready, ready ? "unpromoted_running" : "unpromoted_failed"});
    }
}

void SimCluster::start_ticks(NodeId n, Duration first_after) {
    Node& node = nodes_[n];
    ++node.tick_gen;
    schedule(node.clock.after(now_, first_after), EventKind::tick, n, 0, node.tick_gen);
}

void SimCluster::on_tick(NodeId n, std::uint32_t gen) {
    Node& node = nodes_[n];
    if (gen != node.tick_gen || node.status != NodeStatus::up) return;
    step(n, agent::in::Tick{});
    if (gen != node.tick_gen || node.status != NodeStatus::up) return;
    // The shell's timer runs on the node's own clock.
    schedule(node.clock.after(now_, config_.timing.tick), EventKind::tick, n, 0, gen);
}

void SimCluster::step(NodeId n, const agent::Input& input) {
    Node& node = nodes_[n];
    HA_ASSERT(node.status == NodeStatus::up && node.agent);
    node.agent->step(node.clock.local(now_), input);
    handle_outputs(n);
}

void SimCluster::handle_outputs(NodeId n) {
    Node& node = nodes_[n];
    std::vector<agent::Output> outputs = node.agent->take_outputs();
    struct AnswerEscalations {  // the shell answers an out::Escalate at once
        SimCluster& sim;
        ~AnswerEscalations() {
            auto pending = std::exchange(sim.pending_escalated_, {});
            for (auto& [node, report] : pending) {
                if (sim.nodes_[node].status == NodeStatus::up && sim.nodes_[node].agent) sim.step(node, report);
            }
        }
    } answer{*this};
    bool left = false;
    for (agent::Output& output : outputs) {
        if (auto* s = std::get_if<agent::out::Send>(&output)) {
            send(n, *s);
        } else if (auto* run = std::get_if<agent::out::RunScript>(&output)) {
            run_script(n, *run);
        } else if (auto* cancel = std::get_if<agent::out::CancelScript>(&output)) {
            cancel_script(n, cancel->op);
        } else if (auto* reply = std::get_if<agent::out::Reply>(&output)) {
            replies_[reply->request] = std::move(*reply);
        } else if (auto* guard = std::get_if<agent::out::Guard>(&output)) {
            HA_ASSERT(guard->group < node.guards.size());
            node.guards[guard->group] = guard->stop_at;
            node.guard_terms[guard->group] = guard->term;
            node.guard_escalate[guard->group] = guard->escalate_at;
        } else if (auto* esc = std::get_if<agent::out::Escalate>(&output)) {
            escalate(n, *esc);
        } else if (auto* fence_self = std::get_if<agent::out::SelfFence>(&output)) {
            self_fence(n, "self_fence group=" + config_.groups[fence_self->group].name + " term=" +
                              std::to_string(fence_self->term));
        } else if (auto* t = std::get_if<agent::out::Transition>(&output)) {
            record_transition(n, *t);
            if (t->group && (t->kind == agent::out::TransitionKind::started ||
                             t->kind == agent::out::TransitionKind::released)) {
                check_split_brain(*t->group);  // the end of a relearn
            }
        } else if (auto* vote = std::get_if<agent::out::PersistVote>(&output)) {
            // Stored at once: the step's datagrams leave no earlier than this.
            std::erase_if(node.disk_votes,
                          [&](const agent::PersistedVote& v) { return v.group == vote->group; });
            node.disk_votes.push_back({vote->group, vote->term, vote->holder});
        } else if (auto* fence = std::get_if<agent::out::Fence>(&output)) {
            run_fence(n, *fence);
        } else if (auto* stored = std::get_if<agent::out::PersistPolicy>(&output)) {
            node.disk_policy = stored->policy;
        } else if (auto* probe = std::get_if<agent::out::Probe>(&output)) {
            // The shell's `monitor` of the group's resources: the ground truth,
            // answered a moment later (a monitor takes time).
            const GroupId g = probe->group;
            const std::uint32_t gen = node.daemon_gen;
            after(5ms, [this, n, g, gen] {
                Node& nd = nodes_[n];
                if (nd.status != NodeStatus::up || nd.daemon_gen != gen) return;
                step(n, agent::in::Probed{g, truth_.running(n, g) ? agent::ProbeResult::running
                                                                   : agent::ProbeResult::stopped});
            });
        } else if (std::holds_alternative<agent::out::LeaveDone>(output)) {
            left = true;
        }
    }
    if (left) {
        note(line_prefix(n) + " sim: left (LeaveDone)");
        daemon_exit(n, NodeStatus::left);
        if (node.rejoin_after_leave) {
            node.rejoin_after_leave = false;
            restart(n);
        }
    }
}

std::string SimCluster::line_prefix(NodeId n) const {
    return format_time(now_) + " " + config_.nodes[n].name;
}

void SimCluster::note(const std::string& what) {
    if (options_.recording == Recording::transcript) log_.push_back(what);
}

void SimCluster::record_transition(NodeId n, const agent::out::Transition& t) {
    if (options_.recording != Recording::transcript) return;
    std::string line = line_prefix(n) + " " + agent::to_string(t.kind);
    if (t.group && *t.group < config_.groups.size()) line += " group=" + config_.groups[*t.group].name;
    if (t.term != 0) line += " term=" + std::to_string(t.term);
    if (t.node != agent::no_node && t.node < config_.nodes.size()) {
        line += " node=" + config_.nodes[t.node].name;
    }
    if (!t.reason.empty()) line += " reason=" + t.reason;
    transcript_.push_back(line);
    log_.push_back(std::move(line));
}

// ---------------------------------------------------------------- network

void SimCluster::send(NodeId from, agent::out::Send& s) {
    HA_ASSERT(s.to < nodes_.size() && s.to != from && s.link < network_.links());
    Delivery deliveries[2];
    const std::size_t count = network_.route(from, s.to, s.link, net_prng_, deliveries);
    for (std::size_t i = 0; i < count; ++i) {
        std::uint64_t slot;
        if (!free_packets_.empty()) {
            slot = free_packets_.back();
            free_packets_.pop_back();
        } else {
            slot = packets_.size();
            packets_.emplace_back();
        }
        InFlightPacket& p = packets_[slot];
        p.link = s.link;
        if (i + 1 == count) {
            p.bytes = std::move(s.bytes);
        } else {
            p.bytes = s.bytes;
        }
        if (deliveries[i].corrupt && !p.bytes.empty()) {
            const std::size_t at = net_prng_.below(p.bytes.size());
            p.bytes[at] ^= static_cast<std::uint8_t>(1 + net_prng_.below(255));
        }
        schedule(now_ + deliveries[i].delay, EventKind::packet, s.to, slot, 0);
    }
}

void SimCluster::on_packet(NodeId n, std::uint64_t slot) {
    agent::in::Packet packet{packets_[slot].link, std::move(packets_[slot].bytes)};
    packets_[slot].bytes = {};
    free_packets_.push_back(slot);
    Node& node = nodes_[n];
    if (node.status == NodeStatus::up) {
        step(n, agent::Input{std::move(packet)});
    } else if (node.status == NodeStatus::paused) {
        node.paused_packets.push_back(std::move(packet));
        if (node.paused_packets.size() > paused_packet_limit) node.paused_packets.pop_front();
    }
}

// ---------------------------------------------------------------- scripts

Behaviour SimCluster::choose_behaviour(Node& node, agent::ScriptAction action, Duration) {
    std::deque<Behaviour>& queued =
        action == agent::ScriptAction::start ? node.next_start : node.next_stop;
    if (!queued.empty()) {
        const Behaviour b = queued.front();
        queued.pop_front();
        return b;
    }
    return random_behaviour(action);
}

Behaviour SimCluster::random_behaviour(agent::ScriptAction action) {
    const ScriptKnobs& k = options_.scripts;
    const bool start = action == agent::ScriptAction::start;
    const std::uint64_t fail = start ? k.start_fail_ppm : k.stop_fail_ppm;
    const std::uint64_t hang = start ? k.start_hang_ppm : k.stop_hang_ppm;
    const std::uint64_t slow = start ? k.start_slow_ppm : k.stop_slow_ppm;
    const std::uint64_t overrun = start ? 0 : k.stop_overrun_ppm;
    if (fail + hang + slow + overrun == 0) return Behaviour::normal;
    const std::uint64_t r = script_prng_.below(1'000'000);
    if (r < fail) return Behaviour::fail;
    if (r < fail + hang) return Behaviour::hang;
    if (r < fail + hang + slow) return Behaviour::slow;
    if (r < fail + hang + slow + overrun) return Behaviour::overrun;
    return Behaviour::normal;
}

void SimCluster::run_script(NodeId n, const agent::out::RunScript& run) {
    Node& node = nodes_[n];
    HA_ASSERT(run.group < config_.groups.size());
    const bool start = run.action == agent::ScriptAction::start;
    const Behaviour behaviour = choose_behaviour(node, run.action, run.timeout);
    Script script;
    script.id = next_script_id_++;
    script.op = run.op;
    script.group = run.group;
    script.action = run.action;
    script.origin = Origin::agent;
    script.daemon_gen = node.daemon_gen;
    const PlannedRun planned = plan_run(behaviour, run.action, run.timeout);
    const std::optional<Duration> runs_for = planned.runs_for;  // on the node's clock
    script.status = planned.status;
    script.exit_code = planned.exit_code;
    if (options_.recording == Recording::transcript) {
        note(line_prefix(n) + " sim: script " + (start ? "start" : "stop") +
             " group=" + config_.groups[run.group].name + " term=" + std::to_string(run.term) +
             " op=" + std::to_string(run.op) +
             (behaviour != Behaviour::normal ? std::string(" behaviour=") + to_string(behaviour) : ""));
    }
    if (start) {
        check_start(n, run);
        check_relations(n, run.group);
        truth_.start_begun(n, run.group);
        check_split_brain(run.group);
    }
    if (runs_for) {
        const SimTime ends = node.clock.after(now_, *runs_for);
        if (behaviour != Behaviour::normal) {
            faulty_scripts_settled_ = std::max(faulty_scripts_settled_, ends);
        }
        schedule(ends, EventKind::script_done, n, script.id, 0);
    }
    node.scripts.push_back(script);
}

SimCluster::PlannedRun SimCluster::plan_run(Behaviour behaviour, agent::ScriptAction action,
                                            Duration timeout) {
    const ScriptKnobs& k = options_.scripts;
    const bool start = action == agent::ScriptAction::start;
    PlannedRun run;
    switch (behaviour) {
        case Behaviour::normal:
        case Behaviour::fail:
        case Behaviour::not_configured:
            run.runs_for = start ? random_between(script_prng_, k.start_min, k.start_max)
                                 : random_between(script_prng_, k.stop_min, k.stop_max);
            run.exit_code = behaviour == Behaviour::fail             ? 1
                            : behaviour == Behaviour::not_configured ? 6
                                                                     : 0;
            break;
        case Behaviour::slow:
            run.runs_for = random_between(script_prng_, timeout / 2, timeout * 95 / 100);
            break;
        case Behaviour::overrun:
            run.runs_for = random_between(script_prng_, timeout * 11 / 10, timeout * 3);
            break;
        case Behaviour::hang: break;
    }
    const bool has_timeout = timeout > Duration::zero();
    if (has_timeout && (!run.runs_for || *run.runs_for >= timeout)) {
        run.runs_for = timeout;  // the runner kills it (TERM, grace, KILL) and reports
        run.status = agent::ExecStatus::timed_out;
        run.exit_code = 0;
    }
    return run;
}

void SimCluster::cancel_script(NodeId n, std::uint64_t op) {
    Node& node = nodes_[n];
    for (Script& s : node.scripts) {
        if (s.origin != Origin::agent || s.op != op || s.status == agent::ExecStatus::cancelled) continue;
        // Killing the process group takes a moment; the old completion is void.
        s.status = agent::ExecStatus::cancelled;
        s.exit_code = 0;
        s.id = next_script_id_++;
        schedule(now_ + 1ms, EventKind::script_done, n, s.id, 0);
        return;
    }
    // Already finished: its result is on the way, there is nothing to kill.
}

void SimCluster::on_script_done(NodeId n, std::uint64_t id) {
    Node& node = nodes_[n];
    auto it = std::find_if(node.scripts.begin(), node.scripts.end(),
                           [id](const Script& s) { return s.id == id; });
    if (it == node.scripts.end()) return;  // killed or the machine crashed
    const Script s = *it;
    node.scripts.erase(it);
    const bool ok = s.status == agent::ExecStatus::done && s.exit_code == 0;
    if (s.action == agent::ScriptAction::start) {
        truth_.start_ended(n, s.group);
    } else if (ok) {
        truth_.stop_succeeded(n, s.group);
    }
    check_split_brain(s.group);
    if (options_.recording == Recording::transcript) {
        note(line_prefix(n) + " sim: " + (s.origin == Origin::supervisor ? "supervisor " : "") +
             "script " + (s.action == agent::ScriptAction::start ? "start" : "stop") +
             " group=" + config_.groups[s.group].name + " ended " + agent::to_string(s.status) +
             " exit=" + std::to_string(s.exit_code));
    }
    if (s.origin == Origin::supervisor) {
        supervisor_stop_ended(n, s.group, s.term, ok);
        return;
    }
    if (s.daemon_gen != node.daemon_gen) return;  // its daemon is gone
    const agent::in::ScriptDone done{s.op, s.status, s.exit_code};
    if (node.status == NodeStatus::paused) {
        node.paused_results.push_back(done);
    } else if (node.status == NodeStatus::up) {
        step(n, done);
    }
}

void SimCluster::next_script(NodeId node, agent::ScriptAction action, Behaviour behaviour) {
    Node& nd = nodes_.at(node);
    (action == agent::ScriptAction::start ? nd.next_start : nd.next_stop).push_back(behaviour);
}

void SimCluster::kill_agent_scripts(NodeId n, std::optional<GroupId> only) {
    Node& node = nodes_[n];
    for (auto it = node.scripts.begin(); it != node.scripts.end();) {
        if (it->origin != Origin::agent || (only && it->group != *only)) {
            ++it;
            continue;
        }
        // A killed start may have done part of its work: it stays running until a
        // stop succeeds. A killed stop changes nothing.
        if (it->action == agent::ScriptAction::start) {
            truth_.start_ended(n, it->group);
            check_split_brain(it->group);
        }
        if (node.status == NodeStatus::paused && it->daemon_gen == node.daemon_gen) {
            node.paused_results.push_back({it->op, agent::ExecStatus::cancelled, 0});
        }
        it = node.scripts.erase(it);
    }
}

// ---------------------------------------------------------------- supervisor

void SimCluster::supervisor_stop(NodeId n, GroupId g) {
    Node& node = nodes_[n];
    if (!node.supervisor_busy[g]) {
        node.guards[g].reset();
        note(line_prefix(n) + " sim: supervisor stops group=" + config_.groups[g].name);
        // Whatever the daemon had running for the group is killed first, so nothing
        // it started can come up after the stop.
        kill_agent_scripts(n, g);
        node.supervisor_busy[g] = true;
        const std::uint32_t gen = ++node.supervisor_gen[g];
        // Not stopped by the guard's escalate_at: the supervisor escalates as the
        // core would (design §4.8).
        if (node.guard_escalate[g]) {
            at(node.clock.when_reads(now_, *node.guard_escalate[g]), [this, n, g, gen] {
                const Node& nd = nodes_[n];
                if (nd.supervisor_busy[g] && nd.supervisor_gen[g] == gen) supervisor_escalate(n, g);
            });
        }
    }
    Script script;
    script.id = next_script_id_++;
    script.group = g;
    script.action = agent::ScriptAction::stop;
    script.origin = Origin::supervisor;
    script.daemon_gen = node.daemon_gen;
    script.term = node.guard_terms[g];
    const Behaviour behaviour = random_behaviour(agent::ScriptAction::stop);
    const PlannedRun planned = plan_run(behaviour, agent::ScriptAction::stop, config_.groups[g].stop_timeout);
    script.status = planned.status;
    script.exit_code = planned.exit_code;
    if (behaviour != Behaviour::normal) {
        note(line_prefix(n) + " sim: supervisor stop behaviour=" + to_string(behaviour));
    }
    if (planned.runs_for) {
        const SimTime ends = node.clock.after(now_, *planned.runs_for);
        if (behaviour != Behaviour::normal) faulty_scripts_settled_ = std::max(faulty_scripts_settled_, ends);
        schedule(ends, EventKind::script_done, n, script.id, 0);
    }
    node.scripts.push_back(script);
}

void SimCluster::supervisor_stop_ended(NodeId n, GroupId g, agent::Term term, bool ok) {
    Node& node = nodes_[n];
    if (!ok) {
        // The supervisor retries a failed stop until it succeeds or escalates.
        const std::uint32_t gen = node.supervisor_gen[g];
        after(config_.timing.tick, [this, n, g, gen] {
            const Node& nd = nodes_[n];
            if (nd.status != NodeStatus::machine_down && nd.supervisor_busy[g] && nd.supervisor_gen[g] == gen) {
                supervisor_stop(n, g);
            }
        });
        return;
    }
    node.supervisor_busy[g] = false;
    ++node.supervisor_gen[g];
    if (node.boot_after_supervisor) {
        restart(n);  // boots once the last of the supervisor's stops is done
        return;
    }
    const agent::in::SupervisorStop report{g, term, agent::in::SupervisorPhase::done};
    if (node.status == NodeStatus::paused) {
        node.supervisor_stopped.push_back(report);
    } else if (node.status == NodeStatus::up) {
        step(n, report);
    }
}

void SimCluster::supervisor_escalate(NodeId n, GroupId g) {
    Node& node = nodes_[n];
    note(line_prefix(n) + " sim: supervisor escalates group=" + config_.groups[g].name);
    const agent::Term term = node.guard_terms[g];
    std::erase_if(node.scripts, [g](const Script& s) { return s.origin == Origin::supervisor && s.group == g; });
    if (address_only(g)) {
        truth_.stop_succeeded(n, g);
        check_split_brain(g);
        supervisor_stop_ended(n, g, term, true);
        return;
    }
    self_fence(n, "supervisor self_fence group=" + config_.groups[g].name);
}

void SimCluster::escalate(NodeId n, const agent::out::Escalate& escalate) {
    const GroupId g = escalate.group;
    note(line_prefix(n) + " sim: escalate group=" + config_.groups[g].name + " term=" +
         std::to_string(escalate.term));
    kill_agent_scripts(n, g);
    const bool covered = address_only(g);
    if (covered) {
        truth_.stop_succeeded(n, g);
        check_split_brain(g);
    }
    pending_escalated_.push_back({n, agent::in::Escalated{g, escalate.term,
                                                          covered ? agent::in::Covered::yes : agent::in::Covered::no,
                                                          covered ? "addresses removed" : "not only addresses"}});
}

void SimCluster::self_fence(NodeId n, const std::string& why) {
    if (config_.self_fence == agent::SelfFence::off) {
        note(line_prefix(n) + " sim: " + why + ": self_fence off, nothing happens");
        return;
    }
    Node& node = nodes_[n];
    ++node.self_fence_count;
    power_off(n, ("self-fenced (reboot): " + why).c_str(), CountAsFault::yes);
    const Duration down = random_between(script_prng_, options_.self_fence_reboot_min, options_.self_fence_reboot_max);
    faulty_scripts_settled_ = std::max(faulty_scripts_settled_, now_ + down);
    after(down, [this, n] {
        if (nodes_[n].status == NodeStatus::machine_down) restart(n);
    });
}

void SimCluster::on_supervisor_check(NodeId n, GroupId g, std::uint32_t pause_gen) {
    Node& node = nodes_[n];
    // Paused, or gone and not yet followed by a new daemon that took the guard over.
    if (node.status == NodeStatus::up || node.pause_gen != pause_gen || !node.guards[g]) return;
    const Instant stop_at = *node.guards[g];
    if (node.clock.local(now_) >= stop_at) {
        supervisor_stop(n, g);
    } else {  // the drift changed since this was scheduled
        schedule(node.clock.when_reads(now_, stop_at), EventKind::supervisor_check, n, g, pause_gen);
    }
}

void SimCluster::remember_grants(NodeId n) {
    Node& node = nodes_[n];
    if (!node.agent) return;
    const agent::View v = node.agent->view();
    for (GroupId g = 0; g < config_.groups.size(); ++g) {
        const agent::GrantView& grant = v.grants.at(g);
        DeadGrant& dead = node.dead_grants[g];
        if (grant.holder == agent::no_node || !grant.held_until) continue;
        const SimTime until = node.clock.when_reads(now_, *grant.held_until);
        if (until > dead.until) dead = {grant.holder, grant.term, until};
    }
}

// What dies with a daemon process (killed, crashed with its machine): its event
// chains, what it had queued while paused, the scripted behaviours meant for it.
void SimCluster::end_daemon_state(Node& node) {
    ++node.daemon_gen;
    ++node.tick_gen;
    ++node.pause_gen;
    node.paused_packets.clear();
    node.paused_results.clear();
    node.paused_fences.clear();
    node.supervisor_stopped.clear();
    node.next_start.clear();
    node.next_stop.clear();
}

void SimCluster::daemon_exit(NodeId n, NodeStatus becomes) {
    Node& node = nodes_[n];
    kill_agent_scripts(n, std::nullopt);
    remember_grants(n);
    node.agent.reset();
    node.status = becomes;
    end_daemon_state(node);
    // The supervisor sees its daemon exit and stops what the daemon held when its
    // stop_at comes, unless a new daemon took it over first (boot()).
    for (GroupId g = 0; g < node.guards.size(); ++g) {
        if (!node.guards[g]) continue;
        schedule(node.clock.when_reads(now_, *node.guards[g]), EventKind::supervisor_check, n, g,
                 node.pause_gen);
    }
}

// ---------------------------------------------------------------- faults

std::vector<GroupId> SimCluster::primary_groups(NodeId n) const {
    std::vector<GroupId> groups;
    if (!nodes_[n].agent) return groups;
    for (GroupId g = 0; g < config_.groups.size(); ++g) {
        if (truth_.running(n, g) && current_primary(g) == n) groups.push_back(g);
    }
    return groups;
}

void SimCluster::primary_lost(NodeId n, const std::vector<GroupId>& groups) {
    for (GroupId g : groups) failover_.fault(g, n, now_);
}

std::optional<NodeId> SimCluster::current_primary(GroupId g) const {
    if (truth_.running_count(g) == 0) return std::nullopt;
    for (NodeId n = 0; n < nodes_.size(); ++n) {
        if (!truth_.running(n, g) || !nodes_[n].agent) continue;
        const agent::View v = nodes_[n].agent->view();
        if (v.groups.at(g).role == agent::Role::primary) return n;
    }
    return std::nullopt;
}

void SimCluster::crash(NodeId n) { power_off(n, "fault machine crash", CountAsFault::yes); }

void SimCluster::power_off(NodeId n, const char* why, CountAsFault count) {
    Node& node = nodes_.at(n);
    if (node.status == NodeStatus::machine_down) return;
    if (count == CountAsFault::yes) primary_lost(n, primary_groups(n));
    note(line_prefix(n) + " sim: " + why);
    remember_grants(n);
    node.agent.reset();
    node.scripts.clear();
    truth_.machine_crashed(n);
    for (GroupId g = 0; g < config_.groups.size(); ++g) check_split_brain(g);
    node.guards.assign(config_.groups.size(), std::nullopt);
    node.guard_escalate.assign(config_.groups.size(), std::nullopt);
    node.supervisor_busy.assign(config_.groups.size(), false);
    for (std::uint32_t& gen : node.supervisor_gen) ++gen;
    node.status = NodeStatus::machine_down;
    node.boot_after_supervisor = false;
    end_daemon_state(node);
    // A reboot restarts the monotonic clock from a new value.
    node.clock = SimClock(now_, Instant(Duration(node_prng_.range(1'000'000'000, 100'000'000'000'000))),
                          node.clock.drift_ppm());
}

void SimCluster::run_fence(NodeId n, const agent::out::Fence& fence) {
    const FenceKnobs& k = options_.fencing;
    agent::Prng& prng = prng_for_scripts();
    const bool ok = !prng.chance_ppm(k.fail_ppm);
    const bool slow = prng.chance_ppm(k.slow_ppm);
    const Duration lo = slow ? k.slow_min : k.delay_min;
    const Duration hi = slow ? k.slow_max : k.delay_max;
    const Duration delay(prng.range(lo.count(), std::max(lo, hi).count()));
    fences_.push_back(PendingFence{n, nodes_[n].daemon_gen, fence.op, fence.node, ok});
    // A fence still running at the heal point may yet power off a node that came
    // back meanwhile (a real device does the same): liveness counts from its reboot.
    faulty_scripts_settled_ = std::max(faulty_scripts_settled_, now_ + delay + k.reboot_max);
    note(line_prefix(n) + " sim: fence " + node_name(fence.node) + " will " +
         (ok ? "succeed" : "fail") + " in " + std::to_string(agent::to_ms(delay)) + " ms");
    schedule(now_ + delay, EventKind::fence_done, n, fences_.size() - 1, 0);
}

void SimCluster::on_fence_done(std::uint64_t slot) {
    const PendingFence f = fences_.at(slot);
    fence_log_.emplace_back(f.target, f.ok);
    if (f.ok) {
        // The device reports success only once the target is off.
        power_off(f.target, "fenced (powered off)", CountAsFault::no);
        const FenceKnobs& k = options_.fencing;
        if (k.reboot_max > Duration::zero()) {
            const Duration after(
                prng_for_scripts().range(k.reboot_min.count(), std::max(k.reboot_min, k.reboot_max).count()));
            const NodeId target = f.target;
            this->after(after, [this, target] {
                if (nodes_[target].status == NodeStatus::machine_down) restart(target);
            });
        }
    }
    Node& node = nodes_[f.from];
    if (node.daemon_gen != f.daemon_gen) return;  // its daemon is gone
    const agent::in::FenceDone done{f.op, f.ok, f.ok ? "sim: off" : "sim: exit 1"};
    if (node.status == NodeStatus::paused) {
        node.paused_fences.push_back(done);
    } else if (node.status == NodeStatus::up) {
        step(f.from, done);
    }
}

void SimCluster::restart(NodeId n) {
    Node& node = nodes_.at(n);
    if (node.status == NodeStatus::up || node.status == NodeStatus::paused) return;
    const bool supervisor_busy = std::any_of(node.scripts.begin(), node.scripts.end(), [](const Script& s) {
        return s.origin == Origin::supervisor;
    }) || std::any_of(node.supervisor_busy.begin(), node.supervisor_busy.end(), [](bool b) { return b; });
    if (supervisor_busy) {
        node.boot_after_supervisor = true;
        return;
    }
    node.boot_after_supervisor = false;
    note(line_prefix(n) + " sim: " + (node.daemon_gen == 0 ? "boot" : "restart"));
    boot(n);
}

void SimCluster::kill_daemon(NodeId n) {
    Node& node = nodes_.at(n);
    if (node.status != NodeStatus::up && node.status != NodeStatus::paused) return;
    primary_lost(n, primary_groups(n));
    note(line_prefix(n) + " sim: fault daemon killed");
    daemon_exit(n, NodeStatus::daemon_dead);
}

void SimCluster::pause(NodeId n, Duration duration) {
    pause(n);
    if (nodes_[n].status == NodeStatus::paused) {
        schedule(now_ + duration, EventKind::resume, n, 0, nodes_[n].pause_gen);
    }
}

void SimCluster::pause(NodeId n) {
    Node& node = nodes_.at(n);
    if (node.status != NodeStatus::up) return;
    primary_lost(n, primary_groups(n));
    note(line_prefix(n) + " sim: fault pause");
    node.status = NodeStatus::paused;
    ++node.pause_gen;
    ++node.tick_gen;
    for (GroupId g = 0; g < node.guards.size(); ++g) {
        if (!node.guards[g]) continue;
        schedule(node.clock.when_reads(now_, *node.guards[g]), EventKind::supervisor_check, n, g,
                 node.pause_gen);
    }
}

void SimCluster::resume(NodeId n) {
    Node& node = nodes_.at(n);
    if (node.status != NodeStatus::paused) return;
    note(line_prefix(n) + " sim: resume");
    node.status = NodeStatus::up;
    ++node.pause_gen;
    const std::uint32_t gen = node.daemon_gen;
    // What happened while the process was stopped, in the order the daemon would
    // see it: the supervisor's report first (stops still running, then stops
    // done), then its children, then its socket.
    std::vector<agent::in::SupervisorStop> reports;
    for (const Script& s : node.scripts) {
        if (s.origin == Origin::supervisor && s.daemon_gen == gen) {
            reports.push_back({s.group, s.term, agent::in::SupervisorPhase::begun});
        }
    }
    reports.insert(reports.end(), node.supervisor_stopped.begin(), node.supervisor_stopped.end());
    node.supervisor_stopped.clear();
    std::vector<agent::in::ScriptDone> results = std::move(node.paused_results);
    node.paused_results.clear();
    std::vector<agent::in::FenceDone> fenced = std::move(node.paused_fences);
    node.paused_fences.clear();
    std::deque<agent::in::Packet> packets = std::move(node.paused_packets);
    node.paused_packets.clear();
    for (const agent::in::SupervisorStop& report : reports) {
        if (node.status != NodeStatus::up || node.daemon_gen != gen) return;
        step(n, report);
    }
    // The keeper's readiness reports made while the daemon was stopped.
    for (GroupId g = 0; g < config_.groups.size(); ++g) {
        if (node.status != NodeStatus::up || node.daemon_gen != gen) return;
        if (config_.groups[g].promotable && node.agent->view().groups.at(g).ready_here != node.ready[g]) {
            step(n, agent::in::GroupReady{g, node.ready[g], node.ready[g] ? "unpromoted_running" : "unpromoted_failed"});
        }
    }
    for (const agent::in::ScriptDone& done : results) {
        if (node.status != NodeStatus::up || node.daemon_gen != gen) return;
        step(n, done);
    }
    for (const agent::in::FenceDone& done : fenced) {
        if (node.status != NodeStatus::up || node.daemon_gen != gen) return;
        step(n, done);
    }
    for (agent::in::Packet& packet : packets) {
        if (node.status != NodeStatus::up || node.daemon_gen != gen) return;
        step(n, agent::Input{std::move(packet)});
    }
    if (node.status != NodeStatus::up || node.daemon_gen != gen) return;
    tell_health(n);
    if (node.status != NodeStatus::up || node.daemon_gen != gen) return;
    // The overdue timer fires at once.
    start_ticks(n, Duration::zero());
    for (GroupId g = 0; g < config_.groups.size(); ++g) {
        if (truth_.running(n, g) && current_primary(g) == n) failover_.fault_ended_still_primary(g, n);
    }
}

void SimCluster::set_drift(NodeId n, std::int32_t drift_ppm) {
    note(line_prefix(n) + " sim: drift " + std::to_string(drift_ppm) + " ppm");
    nodes_.at(n).clock.set_drift(now_, drift_ppm);
}

void SimCluster::jump_clock(NodeId n, Duration forward) {
    note(line_prefix(n) + " sim: clock jumps +" + std::to_string(agent::to_ms(forward)) + " ms");
    nodes_.at(n).clock.jump(now_, forward);
}

bool SimCluster::cut_off(NodeId n) const {
    std::uint32_t votes = config_.nodes[n].votes;
    for (NodeId m = 0; m < nodes_.size(); ++m) {
        if (m != n && !network_.fully_cut(n, m) && !network_.fully_cut(m, n)) {
            votes += config_.nodes[m].votes;
        }
    }
    return votes < config_.majority();
}

std::vector<bool> SimCluster::cut_off_all() const {
    std::vector<bool> result(nodes_.size());
    for (NodeId n = 0; n < nodes_.size(); ++n) result[n] = cut_off(n);
    return result;
}

void SimCluster::note_cut_faults(const std::vector<bool>& was_cut_off) {
    for (NodeId n = 0; n < nodes_.size(); ++n) {
        if (!was_cut_off[n] && cut_off(n)) primary_lost(n, primary_groups(n));
    }
}

void SimCluster::drop_measurements_of_live_primaries() {
    for (GroupId g = 0; g < config_.groups.size(); ++g) {
        if (auto p = current_primary(g)) failover_.fault_ended_still_primary(g, *p);
    }
}

void SimCluster::isolate(NodeId node) {
    const auto before = cut_off_all();
    note(line_prefix(node) + " sim: fault isolated");
    network_.isolate(node);
    note_cut_faults(before);
}

void SimCluster::cut(NodeId from, NodeId to) {
    const auto before = cut_off_all();
    note(format_time(now_) + " sim: fault cut " + node_name(from) + "->" + node_name(to));
    network_.cut(from, to);
    note_cut_faults(before);
}

void SimCluster::cut_link(NodeId from, NodeId to, std::uint8_t link) {
    const auto before = cut_off_all();
    note(format_time(now_) + " sim: fault cut " + node_name(from) + "->" + node_name(to) +
         " link " + std::to_string(link));
    network_.cut_link(from, to, link);
    note_cut_faults(before);
}

void SimCluster::partition(const std::vector<std::vector<NodeId>>& sets) {
    const auto before = cut_off_all();
    note(format_time(now_) + " sim: fault partition");
    network_.partition(sets);
    note_cut_faults(before);
}

void SimCluster::cut_one_way(const std::vector<NodeId>& from, const std::vector<NodeId>& to) {
    const auto before = cut_off_all();
    note(format_time(now_) + " sim: fault one-way cut");
    network_.cut_one_way(from, to);
    note_cut_faults(before);
}

void SimCluster::heal() {
    note(format_time(now_) + " sim: network healed");
    network_.heal();
    drop_measurements_of_live_primaries();
}

void SimCluster::cut_for(const std::vector<DirectedLink>& cuts, Duration duration,
                         const std::string& what) {
    const auto before = cut_off_all();
    note(format_time(now_) + " sim: fault " + what + " for " + std::to_string(agent::to_ms(duration)) +
         " ms");
    const SimNetwork::HoldId id = network_.hold(cuts);
    note_cut_faults(before);
    after(duration, [this, id] {
        network_.release(id);
        drop_measurements_of_live_primaries();
    });
}

void SimCluster::heal_all() {
    note(format_time(now_) + " sim: heal everything");
    network_.heal();
    network_.set_all(LinkSettings{});
    options_.scripts.start_fail_ppm = options_.scripts.start_hang_ppm = options_.scripts.start_slow_ppm = 0;
    options_.scripts.stop_fail_ppm = options_.scripts.stop_hang_ppm = options_.scripts.stop_slow_ppm = 0;
    options_.fencing.fail_ppm = options_.fencing.slow_ppm = 0;
    for (NodeId n = 0; n < nodes_.size(); ++n) {
        nodes_[n].next_start.clear();
        nodes_[n].next_stop.clear();
        if (nodes_[n].status == NodeStatus::paused) resume(n);
        for (GroupId g = 0; g < config_.groups.size(); ++g) set_ready(n, g, true);
    }
    for (NodeId n = 0; n < nodes_.size(); ++n) set_health(n, true, "all health checks pass");
    for (NodeId n = 0; n < nodes_.size(); ++n) {
        restart(n);
        if (nodes_[n].agent && nodes_[n].agent->view().leaving) nodes_[n].rejoin_after_leave = true;
    }
}

// ---------------------------------------------------------------- operator

std::uint64_t SimCluster::command(NodeId n, agent::in::Command command) {
    if (command.request == 0) command.request = next_request_++;
    const std::uint64_t request = command.request;
    if (nodes_.at(n).status == NodeStatus::up) {
        step(n, agent::Input{std::move(command)});
    } else {
        replies_[request] = agent::out::Reply{request, false, "sim: node is not up"};
    }
    return request;
}

void SimCluster::resource_failed(NodeId n, GroupId g, const std::string& reason) {
    Node& node = nodes_.at(n);
    if (node.status != NodeStatus::up || !node.agent) return;
    const agent::Term term = node.agent->view().groups.at(g).term;
    step(n, agent::Input{agent::in::GroupFailed{g, term, reason}});
}

std::optional<agent::out::Reply> SimCluster::reply(std::uint64_t request) const {
    auto it = replies_.find(request);
    if (it == replies_.end()) return std::nullopt;
    return it->second;
}

std::optional<agent::out::Reply> SimCluster::run_command(NodeId n, agent::in::Command command,
                                                         Duration limit) {
    const std::uint64_t request = this->command(n, std::move(command));
    run_until([&] { return replies_.count(request) != 0; }, limit);
    return reply(request);
}

void SimCluster::shutdown(NodeId n) {
    if (nodes_.at(n).status != NodeStatus::up) return;
    note(line_prefix(n) + " sim: shutdown requested");
    step(n, agent::in::Shutdown{});
}

// ---------------------------------------------------------------- observation

std::optional<agent::View> SimCluster::view(NodeId n) const {
    if (!nodes_.at(n).agent) return std::nullopt;
    return nodes_[n].agent->view();
}

std::optional<NodeId> SimCluster::primary_of(GroupId g) const {
    if (truth_.running_count(g) != 1) return std::nullopt;
    const std::optional<NodeId> p = current_primary(g);
    if (p && nodes_[*p].status == NodeStatus::up) return p;
    return std::nullopt;
}

std::optional<NodeId> SimCluster::primary_of(std::string_view group) const {
    return primary_of(group_id(group));
}

std::vector<NodeId> SimCluster::running_nodes(std::string_view group) const {
    return truth_.running_nodes(group_id(group));
}

std::optional<std::string> SimCluster::convergence_problem() const {
    for (GroupId g = 0; g < config_.groups.size(); ++g) {
        const std::vector<NodeId> running = truth_.running_nodes(g);
        std::string problem;
        if (running.empty()) {
            problem = "runs nowhere";
        } else if (running.size() > 1) {
            problem = "runs on " + std::to_string(running.size()) + " nodes";
        } else {
            const Node& node = nodes_[running[0]];
            if (node.status != NodeStatus::up) {
                problem = "runs on " + node_name(running[0]) + " which is " + to_string(node.status);
            } else {
                const agent::Role role = node.agent->view().groups.at(g).role;
                if (role != agent::Role::primary) {
                    problem = "runs on " + node_name(running[0]) + " whose role is " +
                              agent::to_string(role);
                }
            }
        }
        if (problem.empty()) continue;
        std::string roles;
        for (NodeId n = 0; n < nodes_.size(); ++n) {
            roles += " " + node_name(n) + "=";
            if (!nodes_[n].agent) {
                roles += to_string(nodes_[n].status);
            } else {
                roles += agent::to_string(nodes_[n].agent->view().groups.at(g).role);
            }
            if (truth_.running(n, g)) roles += "(running)";
        }
        return "group " + group_name(g) + " " + problem + ";" + roles;
    }
    return std::nullopt;
}

// ---------------------------------------------------------------- checkers

void SimCluster::add_violation(Violation violation) {
    if (violations_.size() >= max_violations) return;
    note(describe(violation, config_));
    violations_.push_back(std::move(violation));
}

bool SimCluster::unmanaged(GroupId g) const {
    for (const Node& node : nodes_) {
        if (node.status != NodeStatus::up || !node.agent) continue;
        const agent::GroupView v = node.agent->view().groups.at(g);
        if (v.maintenance || v.probing || v.found) return true;
    }
    return false;
}

// design §3.4, judged on what really runs: a start never joins an away_from
// partner on its node, and a group that is with and after another starts only
// where that one runs. (after alone is not judged: a start may race with the
// crash of the other group's node, which nobody can know yet.)
void SimCluster::check_relations(NodeId n, GroupId g) {
    for (GroupId a : relations_.away[g]) {
        if (truth_.running(n, a)) {
            add_violation(Violation{now_, ViolationKind::colocation, g, {n},
                                    "starts where " + group_name(a) + " runs (away_from)"});
        }
    }
    for (GroupId d : relations_.after[g]) {
        const auto& with = relations_.with[g];
        if (std::find(with.begin(), with.end(), d) != with.end() && !truth_.running(n, d)) {
            add_violation(Violation{now_, ViolationKind::ordering, g, {n},
                                    "starts where " + group_name(d) + " does not run (with, after)"});
        }
    }
}

void SimCluster::check_split_brain(GroupId g) {
    if (truth_.running_count(g) <= 1) {
        overlap_open_[g] = false;
        return;
    }
    if (overlap_open_[g]) return;  // one report per overlap
    // The operator suspended the guarantee for the group (maintenance) and the
    // cluster has not re-learned it yet: checked again once it has.
    if (unmanaged(g)) return;
    overlap_open_[g] = true;
    add_violation({now_, ViolationKind::split_brain, g, truth_.running_nodes(g),
                   "two nodes run the group at once (ground truth)"});
}

void SimCluster::check_start(NodeId n, const agent::out::RunScript& run) {
    const GroupId g = run.group;
    // No promotion without quorum: a majority of votes must show, right now, a
    // grant of this group to this node under this term that has not run out on
    // the granter's own clock. A node without an agent (crashed, killed) grants
    // nothing, except what it granted before it died while that grant's hold
    // lasts: the restarted agent keeps quiet that long, so the grant still binds.
    std::uint32_t votes = 0;
    std::vector<NodeId> granters;
    std::string grants;  // every node's grant, for the report
    for (NodeId m = 0; m < nodes_.size(); ++m) {
        const Node& node = nodes_[m];
        grants += " " + node_name(m) + ":";
        const DeadGrant& dead = node.dead_grants[g];
        const bool dead_grant = dead.holder == n && dead.term == run.term && now_ < dead.until;
        if (dead_grant) grants += "(granted before it died)";
        bool grants_this = dead_grant;
        if (!node.agent) {
            grants += to_string(node.status);
        } else {
            const agent::View v = node.agent->view();
            const agent::GrantView& grant = v.grants.at(g);
            const Instant local = node.clock.local(now_);
            grants += (grant.holder < nodes_.size() ? node_name(grant.holder) : std::string("free")) +
                      "@" + std::to_string(grant.term);
            if (grant.held_until) {
                grants += "+" + std::to_string(agent::to_ms(*grant.held_until - local)) + "ms";
            }
            if (node.status == NodeStatus::paused) grants += "(paused)";
            if (grant.holder == n && grant.term == run.term &&
                (!grant.held_until || *grant.held_until >= local)) {
                grants_this = true;
            }
        }
        if (!grants_this) continue;
        votes += config_.nodes[m].votes;
        granters.push_back(m);
    }
    if (votes < config_.majority()) {
        std::string who;
        for (NodeId m : granters) who += (who.empty() ? "" : ",") + node_name(m);
        add_violation({now_, ViolationKind::promotion_without_quorum, g, {n},
                       "start term=" + std::to_string(run.term) + " granted by [" + who + "] = " +
                           std::to_string(votes) + " votes, majority is " +
                           std::to_string(config_.majority()) + "; grants:" + grants});
    }
    // Terms are fencing tokens: no start may carry a lower term than an earlier
    // start of the group, and a start on another node needs a higher one (the
    // same node may retry under its term).
    LastStart& last = last_start_[g];
    if (last.node != agent::no_node &&
        (run.term < last.term || (run.term == last.term && last.node != n))) {
        add_violation({now_, ViolationKind::term_not_increasing, g, {last.node, n},
                       "term " + std::to_string(run.term) + " on " + node_name(n) + " after term " +
                           std::to_string(last.term) + " on " + node_name(last.node)});
    }
    if (run.term >= last.term || last.node == agent::no_node) last = {n, run.term};
    failover_.start_begun(g, n, now_);
}

}  // namespace hacluster::sim
