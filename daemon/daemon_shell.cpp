#include "daemon/daemon_shell.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <utility>

#include "agent/overloaded.h"
#include "daemon/stop_escalation.h"
#include "resources/resource_config.h"
#include "agent/timing.h"
#include "daemon/config_dump.h"
#include "daemon/hook_events.h"
#include "daemon/node_files.h"
#include "daemon/wall_time.h"
#include "daemon/policy_file.h"

namespace hacluster::daemon {

namespace {

std::shared_ptr<spdlog::logger> logger(const char* name) {
    auto l = spdlog::get(name);
    return l ? l : spdlog::default_logger();
}

// Info for what an operator cares about, debug for the chatter (STYLE.md "Logging").
spdlog::level::level_enum level_of(agent::out::TransitionKind kind) {
    using K = agent::out::TransitionKind;
    switch (kind) {
        case K::coordinator_changed:
        case K::claiming:
        case K::link_up:
            return spdlog::level::debug;
        case K::start_failed:
        case K::stop_failed:
        case K::fence_failed:
            return spdlog::level::err;
        case K::fencing:
        case K::fenced:
            return spdlog::level::warn;
        case K::quorum_lost:
        case K::node_down:
        case K::link_down:
            return spdlog::level::warn;
        default:
            return spdlog::level::info;
    }
}

// Remaining seconds, rounded up: "1" until the very end.
std::int64_t ttl_seconds(agent::Duration left) {
    const std::int64_t ms = std::max<std::int64_t>(0, agent::to_ms(left));
    return (ms + 999) / 1000;
}

}  // namespace

DaemonShell::DaemonShell(uv_loop_t* loop, DaemonConfig config, agent::NodeId self, HmacSha256 auth,
                         GroupActions& actions, ShellOptions options)
    : loop_(loop),
      config_(std::move(config)),
      self_(self),
      auth_(std::move(auth)),
      actions_(actions),
      options_(std::move(options)),
      udp_(loop, [this](std::uint8_t link, std::span<const std::uint8_t> bytes) {
          feed(agent::in::Packet{link, {bytes.begin(), bytes.end()}});
      }),
      control_(loop, [this](const ControlRequest& r, ControlServer::Respond respond) {
          handle_request(r, std::move(respond));
      }),
      fence_(loop, config_.cluster, options_.fence_agent_dir),
      health_(loop, config_.cluster.nodes.at(self).name, config_.health_checks),
      hooks_(loop, config_.hooks) {
    actions_.on_failed([this](const agent::in::GroupFailed& failed) { feed(failed); });
    actions_.on_ready([this](const agent::in::GroupReady& ready) {
        if (stepping_) {
            ready_reports_.push_back(ready);
        } else {
            feed(ready);
        }
    });
    const std::size_t groups = config_.cluster.groups.size();
    lost_at_.resize(groups);
    lost_from_.resize(groups);
    hook_roles_.resize(groups, agent::Role::standby);
}

DaemonShell::~DaemonShell() = default;

agent::Instant DaemonShell::now() const {
    // uv_hrtime: monotonic nanoseconds, read after the input arrived (agent/io.h).
    return agent::Instant(agent::Duration(static_cast<std::int64_t>(uv_hrtime())));
}

std::string DaemonShell::node_name(agent::NodeId n) const {
    return n < config_.cluster.nodes.size() ? config_.cluster.nodes[n].name : std::string("-");
}

std::optional<std::string> DaemonShell::start() {
    const agent::ClusterConfig& c = config_.cluster;
    const std::uint16_t port = options_.port_override != 0 ? options_.port_override : config_.port;
    peers_.resize(c.nodes.size());
    for (agent::NodeId n = 0; n < c.nodes.size(); ++n) {
        for (const std::string& address : c.nodes[n].addresses) {
            auto endpoint = make_endpoint(address, port);
            if (!endpoint) return "nodes[" + std::to_string(n) + "]: address '" + address + "' is not an IP address";
            peers_[n].push_back(*endpoint);
        }
    }
    for (const UdpEndpoint& local : peers_[self_]) {
        if (auto error = udp_.add_link(local)) return error;
    }
    std::error_code ec;
    std::filesystem::create_directories(options_.state_dir, ec);
    auto loaded = load_votes(options_.state_dir / "votes.json", c);
    if (auto* error = std::get_if<std::string>(&loaded)) return *error;
    votes_ = std::get<std::vector<agent::PersistedVote>>(loaded);
    auto policy = load_policy(options_.state_dir / "policy.json", c, {now(), std::chrono::system_clock::now()});
    if (auto* error = std::get_if<std::string>(&policy)) return *error;
    stored_policy_ = std::get<std::optional<agent::Policy>>(policy);

    if (auto error = control_.listen(options_.socket_path)) return error;

    // Before claiming anything: what runs here already (design §8, start-up probe).
    logger("main")->info("probing every resource before joining");
    actions_.probe([this](std::vector<bool> found) { begin(std::move(found)); });
    return std::nullopt;
}

void DaemonShell::begin(std::vector<bool> found) {
    const agent::ClusterConfig& c = config_.cluster;
    agent::AgentOptions agent_options;
    // Grows across restarts as long as the wall clock does (design §2.3).
    agent_options.incarnation = static_cast<agent::Incarnation>(
        std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count());
    agent_options.seed = agent_options.incarnation ^ (static_cast<std::uint64_t>(self_) << 48);
    agent_options.votes = votes_;
    agent_options.resume = options_.resume;
    agent_options.policy = stored_policy_;
    for (const agent::ResumedGroup& r : options_.resume) {
        logger("main")->info("taking over {} from the previous daemon | term={} stop_in_ms={}",
                             c.groups[r.group].name, r.term, agent::to_ms(r.stop_at - now()));
    }
    agent_ = std::make_unique<agent::Agent>(c, self_, auth_, agent_options, now());
    logger("main")->info("started {} in cluster {} | incarnation={} links={}", node_name(self_), c.cluster,
                         agent_options.incarnation, peers_[self_].size());
    for (agent::GroupId g = 0; g < found.size(); ++g) {
        if (!found[g]) continue;
        logger("main")->warn("{} is running here before the cluster placed it: adopted if placed here, "
                             "stopped otherwise",
                             c.groups[g].name);
        found_.push_back(Found{g, now()});
    }

    tick_.init(this, [&](uv_timer_t* h) { return uv_timer_init(loop_, h); });
    const auto tick_ms = static_cast<std::uint64_t>(agent::to_ms(c.timing.tick));
    uv_timer_start(tick_.get(),
                   [](uv_timer_t* t) noexcept {
                       if (t->data != nullptr) static_cast<DaemonShell*>(t->data)->feed(agent::in::Tick{});
                   },
                   tick_ms, tick_ms);
    // What the supervisor reported while the probe ran comes first.
    supervisor_reported();
    feed(agent::in::Tick{});
    health_.start([this](const agent::in::Health& health) { feed(health); });
    if (leave_pending_) leave();
}

void DaemonShell::settle_found(agent::GroupId g, const agent::GroupView& view) {
    const std::string& name = config_.cluster.groups[g].name;
    auto it = std::find_if(found_.begin(), found_.end(), [&](const Found& f) { return f.group == g; });
    if (it == found_.end()) return;
    if (view.maintenance) {
        // Unmanaged: left running; when maintenance ends the core probes it again.
        logger("main")->info("{} is in maintenance: leaving what runs here alone", name);
        found_.erase(it);
        return;
    }
    if (view.role == agent::Role::starting || view.role == agent::Role::primary) {
        // Granted here: its start is idempotent (resources/CONTRACT.md), so what
        // runs keeps running. (A claim alone may still be abandoned.)
        logger("main")->info("adopting {}: the cluster placed it here | term={}", name, view.term);
        found_.erase(it);
        return;
    }
    const bool elsewhere = (view.holder != agent::no_node && view.holder != self_) ||
                           (view.assigned != agent::no_node && view.assigned != self_);
    // Unplaced for a grant hold plus a timeout: no quorum, or nowhere eligible.
    const agent::GroupTiming timing = agent::group_timing(config_.cluster, config_.cluster.groups[g]);
    const bool undecided = now() - it->since > timing.grant_hold + config_.cluster.timing.timeout;
    if (!elsewhere && !undecided) return;
    logger("main")->warn("stopping {}: it runs here but the cluster {} | holder={} assigned={}", name,
                         elsewhere ? "places it elsewhere" : "did not place it here", node_name(view.holder),
                         node_name(view.assigned));
    found_.erase(it);
    actions_.cleanup(g, [this, name](const agent::in::ScriptDone& done) {
        if (done.status != agent::ExecStatus::done || done.exit_code != 0) {
            logger("main")->error("could not stop {} found running at start-up | status={} exit={}", name,
                                  agent::to_string(done.status), done.exit_code);
        }
    });
}

void DaemonShell::leave() {
    if (!agent_) {
        leave_pending_ = true;  // during the start-up probe: right after the core starts
        return;
    }
    if (left_) return;
    logger("main")->info("leaving the cluster: releasing groups");
    feed(agent::in::Shutdown{});
}

DaemonShell::ReloadResult DaemonShell::reload(const std::filesystem::path& file) {
    using Outcome = ReloadResult::Outcome;
    auto loaded = load_config(file);
    if (auto* errors = std::get_if<std::vector<LoadError>>(&loaded)) {
        std::string why;
        for (const LoadError& e : *errors) {
            logger("main")->error("reload rejected, keeping the running config | file={} path={} error={}",
                                  file.string(), e.path, e.message);
            why += (why.empty() ? "" : "; ") + (e.path.empty() ? "" : e.path + ": ") + e.message;
        }
        return {Outcome::rejected, "the file is rejected, the running config stays: " + why};
    }
    const DaemonConfig& fresh = std::get<DaemonConfig>(loaded);
    // An agent fixed (or broken) since the last check: validate-all again, off the
    // failover path (README "Stop budgets and escalation").
    actions_.validate_all();
    std::string applied;
    // Hooks are this node's own business (not in the config hash): they change now.
    if (fresh.hooks != config_.hooks) {
        logger("main")->info("reload: hooks changed | file={} hooks={}", file.string(), fresh.hooks.size());
        config_.hooks = fresh.hooks;
        hooks_.replace(fresh.hooks);
        applied = "hooks (" + std::to_string(fresh.hooks.size()) + ")";
    }
    // The core's config is fixed for its lifetime; changing it live would need every
    // node to switch together (the config hash is checked on every heartbeat). The
    // node's other settings are read once at start-up.
    std::string later;
    if (config_hash_text(fresh) != config_hash_text(config_)) {
        later = "the cluster settings (config hash " + config_hash_text(config_) + " -> " + config_hash_text(fresh) +
                ")";
    }
    const nlohmann::ordered_json now_running = effective_config(config_), wanted = effective_config(fresh);
    for (const char* key : {"heartbeat", "auth_key_file", "self_fence", "health_checks"}) {
        if (key == std::string("heartbeat") && !later.empty()) continue;  // part of the hash already
        if (now_running[key] != wanted[key]) later += std::string(later.empty() ? "" : ", ") + key;
    }
    if (!later.empty()) {
        logger("main")->warn("reload: {} changed; they take effect at the next restart of this daemon, after "
                             "every node has the new file | file={}",
                             later, file.string());
        return {Outcome::needs_restart,
                (applied.empty() ? "" : "applied: " + applied + "; not applied: ") + later +
                    " changed: they take effect when this daemon restarts (after every node has the new file)"};
    }
    if (!applied.empty()) return {Outcome::applied, "applied: " + applied};
    logger("main")->info("reload: no relevant setting changed | file={}", file.string());
    return {Outcome::unchanged, "no change: the file is what runs"};
}

void DaemonShell::supervisor_reported() {
    if (options_.supervision == nullptr) return;
    for (const agent::in::SupervisorStop& report : options_.supervision->take_reports()) {
        early_reports_.push_back(report);
    }
    // Before the core exists (the start-up probe) they wait: a resumed group the
    // supervisor stopped meanwhile must reach the core before anything else.
    if (!agent_ || left_) return;
    for (const agent::in::SupervisorStop& report : std::exchange(early_reports_, {})) step(report);
}

void DaemonShell::feed(const agent::Input& input) {
    if (!agent_ || left_) return;
    if (options_.supervision != nullptr) {
        options_.supervision->alive();
        // What the supervisor did while this process was frozen comes first: the
        // core must not act on a lease the supervisor already gave up (design §8).
        supervisor_reported();
        if (!agent_ || left_) return;
    }
    step(input);
}

void DaemonShell::step(const agent::Input& input) {
    stepping_ = true;
    step_once(input);
    // Bounded: a keeper reports only changes, and only when its plan changed.
    for (int round = 0; round < 8 && !ready_reports_.empty() && agent_ && !left_; ++round) {
        for (const agent::in::GroupReady& r : std::exchange(ready_reports_, {})) step_once(r);
    }
    // An escalation's answer at once (design §4.8): at most one per group and tenure.
    while (!escalated_reports_.empty() && agent_ && !left_) {
        const agent::in::Escalated report = escalated_reports_.front();
        escalated_reports_.erase(escalated_reports_.begin());
        step_once(report);
    }
    stepping_ = false;
}

void DaemonShell::step_once(const agent::Input& input) {
    agent_->step(now(), input);
    execute(agent_->take_outputs());
    if (!agent_) return;
    // One view per step: a holder that released (a switchover, a graceful leave) is
    // lost from now; and who ran what before the next step tells a later node_down
    // which group lost its primary (failover timing in status).
    agent::View view = agent_->view();
    hook_quorum_ = view.quorum;
    for (const agent::GroupView& g : view.groups) {
        const std::vector<std::string>& members = config_.cluster.groups[g.group].nodes;
        UnpromotedPlan plan;
        plan.wanted = !view.standby && !view.leaving &&
                      std::find(members.begin(), members.end(), node_name(self_)) != members.end();
        plan.held_here = g.role == agent::Role::starting || g.role == agent::Role::primary ||
                         g.role == agent::Role::stopping || g.role == agent::Role::stop_failed;
        actions_.keep_unpromoted(g.group, plan);
    }
    std::vector<agent::GroupView> groups = std::move(view.groups);
    for (std::size_t g = 0; g < groups.size() && g < hook_roles_.size(); ++g) hook_roles_[g] = groups[g].role;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        // Monitors run while the group is primary here, from one tenure to the next.
        const bool primary = groups[g].role == agent::Role::primary;
        const bool was = g < last_groups_.size() && last_groups_[g].role == agent::Role::primary;
        if (primary && (!was || last_groups_[g].term != groups[g].term)) {
            actions_.watch(static_cast<agent::GroupId>(g), groups[g].term);
        } else if (!primary && was) {
            actions_.watch(static_cast<agent::GroupId>(g), std::nullopt);
        }
    }
    for (const agent::GroupView& g : groups) settle_found(g.group, g);
    for (std::size_t g = 0; g < groups.size() && g < last_groups_.size(); ++g) {
        const agent::NodeId before = last_groups_[g].holder;
        if (before != agent::no_node && before != self_ && groups[g].holder == agent::no_node &&
            !lost_at_[g]) {
            lost_at_[g] = std::chrono::system_clock::now();
            lost_from_[g] = before;
        }
    }
    last_groups_ = std::move(groups);
}

void DaemonShell::execute(std::vector<agent::Output> outputs) {
    // Votes are stored before any datagram of the same step leaves (agent/io.h).
    bool votes_changed = false;
    for (const agent::Output& o : outputs) {
        if (const auto* v = std::get_if<agent::out::PersistVote>(&o)) {
            std::erase_if(votes_, [&](const agent::PersistedVote& p) { return p.group == v->group; });
            votes_.push_back(agent::PersistedVote{v->group, v->term, v->holder});
            votes_changed = true;
        }
    }
    // Without the stored vote a restart could let a term go backwards: this step's
    // datagrams stay back rather than vote unrecorded. Only they: a stop, a
    // guard or an escalation of the same step must still happen (design §4.1).
    bool hold_sends = false;
    if (votes_changed) {
        if (auto error = store_votes(options_.state_dir / "votes.json", config_.cluster, votes_)) {
            logger("main")->error("cannot store lease votes, not sending this step's heartbeats | error={}", *error);
            hold_sends = true;
        }
    }
    for (agent::Output& o : outputs) {
        std::visit(
            Overloaded{
                [&](agent::out::Send& s) {
                    if (hold_sends) return;
                    if (s.to < peers_.size() && s.link < peers_[s.to].size()) {
                        udp_.send(s.link, peers_[s.to][s.link], s.bytes);
                    }
                },
                [&](agent::out::RunScript& r) {
                    logger("res")->info("{} {} | group={} term={} reason={}",
                                        r.action == agent::ScriptAction::start ? "start" : "stop",
                                        config_.cluster.groups[r.group].name, config_.cluster.groups[r.group].name,
                                        r.term, r.reason);
                    actions_.run(r, [this](const agent::in::ScriptDone& done) { feed(done); });
                },
                [&](agent::out::CancelScript& c) { actions_.cancel(c.op); },
                [&](agent::out::Reply& r) {
                    auto it = std::find_if(waiting_.begin(), waiting_.end(),
                                           [&](const Waiting& w) { return w.request == r.request; });
                    if (it == waiting_.end()) return;
                    if (r.ok) {
                        it->respond({{"ok", true}, {"data", {{"message", r.message}}}});
                    } else {
                        it->respond({{"ok", false}, {"error", it->command + ": " + r.message}});
                    }
                    waiting_.erase(it);
                },
                [&](agent::out::Guard& g) {
                    if (options_.supervision != nullptr) options_.supervision->guard(g);
                },
                [&](agent::out::Transition& t) {
                    if (t.kind == agent::out::TransitionKind::cleanup && t.group) {
                        actions_.clear_fail_counts(*t.group);
                    }
                    record(t);
                },
                [&](agent::out::LeaveDone&) {
                    left_ = true;
                    if (on_left_) on_left_();
                },
                [&](agent::out::PersistVote&) {},
                [&](agent::out::PersistPolicy& p) {
                    if (auto error = store_policy(options_.state_dir / "policy.json", config_.cluster, p.policy,
                                                  {now(), std::chrono::system_clock::now()})) {
                        logger("main")->error("cannot store the operator's policy | error={}", *error);
                    }
                },
                [&](agent::out::Probe& p) {
                    const agent::GroupId g = p.group;
                    logger("res")->info("probing {} after maintenance", config_.cluster.groups[g].name);
                    actions_.probe_group(g, [this, g](bool found) {
                        feed(agent::in::Probed{g, found ? agent::ProbeResult::running : agent::ProbeResult::stopped});
                    });
                },
                [&](agent::out::Fence& f) {
                    fence_.run(f, [this](const agent::in::FenceDone& done) { feed(done); });
                },
                [&](agent::out::Escalate& e) {
                    // design §4.8, at once and without forking: kill, then netlink.
                    const std::string& group = config_.cluster.groups[e.group].name;
                    logger("res")->error("stop of {} not confirmed before the lease ends: killing its scripts, "
                                         "removing its addresses | term={}",
                                         group, e.term);
                    actions_.kill_now(e.group);
                    const AddressRemoval removal = remove_group_addresses(config_.resources[e.group]);
                    logger("res")->error("escalated {} | term={} covered={} result={}", group, e.term,
                                         removal.covered == agent::in::Covered::yes ? "yes" : "no", removal.message);
                    escalated_reports_.push_back(agent::in::Escalated{e.group, e.term, removal.covered, removal.message});
                },
                [&](agent::out::SelfFence& f) {
                    self_fence(config_, self_, SelfFenceRequest{f.group, f.term, f.reason, "daemon"});
                },
            },
            o);
    }
}

void DaemonShell::record(const agent::out::Transition& t) {
    const auto wall = std::chrono::system_clock::now();
    const std::string group = t.group ? config_.cluster.groups[*t.group].name : "";
    // group= too, so the journal gets it as a field (daemon/journal_sink.h).
    logger("agent")->log(level_of(t.kind), "{}{}{} | {}node={} term={} reason={}", agent::to_string(t.kind),
                         group.empty() ? "" : " ", group, group.empty() ? "" : "group=" + group + " ",
                         node_name(t.node), t.term, t.reason);
    nlohmann::json e = {{"at", iso_time(wall)},
                        {"kind", agent::to_string(t.kind)},
                        {"node", node_name(t.node)},
                        {"group", t.group ? nlohmann::json(group) : nlohmann::json(nullptr)},
                        {"term", t.term},
                        {"reason", t.reason}};
    events_.push_back(std::move(e));
    while (events_.size() > max_events) events_.pop_front();
    notify_hooks(t, wall);

    // Failover timing as this node saw it: from losing the old primary (its node
    // went down, or it stopped) to a new start here.
    using K = agent::out::TransitionKind;
    if (t.kind == K::node_down) {
        // Declared down a timeout after it was last heard: that is when it was lost.
        for (std::size_t g = 0; g < last_groups_.size(); ++g) {
            if (last_groups_[g].holder == t.node) {
                lost_at_[g] = wall - config_.cluster.timing.timeout;
                lost_from_[g] = t.node;
            }
        }
    }
    if (t.kind == K::starting && t.group && lost_at_[*t.group]) {
        const auto g = *t.group;
        last_failover_ = {{"group", group},
                          {"from", node_name(*lost_from_[g])},
                          {"to", node_name(self_)},
                          {"at", iso_time(wall)},
                          {"duration_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                              wall - *lost_at_[g])
                                              .count()}};
        lost_at_[g].reset();
    }
}

void DaemonShell::notify_hooks(const agent::out::Transition& t, std::chrono::system_clock::time_point wall) {
    using K = agent::out::TransitionKind;
    using agent::Role;
    HookFacts facts{config_.cluster.cluster, node_name(self_), node_name(t.node), "", "", wall, ++hook_sequence_};
    if (t.group && *t.group < hook_roles_.size()) {
        facts.group = config_.cluster.groups[*t.group].name;
        Role& role = hook_roles_[*t.group];
        facts.previous_state = agent::to_string(role);
        // Several transitions of a group may come out of one step (claiming, then
        // starting): each one's previous state is the role the one before left.
        switch (t.kind) {
            case K::claiming: role = Role::claiming; break;
            case K::starting: role = Role::starting; break;
            case K::started: role = Role::primary; break;
            case K::stopping: role = Role::stopping; break;
            case K::stopped:
            case K::released: role = Role::standby; break;
            case K::stop_failed: role = Role::stop_failed; break;
            default: break;  // the view after the step settles the rest
        }
    } else {
        switch (t.kind) {
            case K::node_up:
            case K::link_up: facts.previous_state = "down"; break;
            case K::node_down:
            case K::node_restarted:
            case K::link_down:
            case K::left: facts.previous_state = "up"; break;
            case K::standby: facts.previous_state = "online"; break;
            case K::online: facts.previous_state = "standby"; break;
            case K::unhealthy: facts.previous_state = "healthy"; break;
            case K::healthy: facts.previous_state = "unhealthy"; break;
            case K::quorum_won:
            case K::quorum_lost: facts.previous_state = agent::wire::to_string(hook_quorum_); break;
            default: break;
        }
    }
    hooks_.notify(make_hook_event(t, facts));
}

nlohmann::json DaemonShell::events(std::size_t limit) const {
    nlohmann::json list = nlohmann::json::array();
    const std::size_t from = events_.size() > limit ? events_.size() - limit : 0;
    for (std::size_t i = from; i < events_.size(); ++i) list.push_back(events_[i]);
    return {{"events", list}};
}

namespace {
// A switchover --ttl in force: where, and whole seconds left (rounded up, so a
// pin never shows 0 while it still holds).
nlohmann::json pin_of(const agent::GroupView& g, agent::Instant t,
                      const agent::ClusterConfig& c) {
    if (g.pinned_to == agent::no_node || !g.pinned_until || *g.pinned_until <= t) return nullptr;
    const std::int64_t ms = agent::to_ms(*g.pinned_until - t);
    return {{"node", c.nodes[g.pinned_to].name},
            {"ttl_remaining_s", static_cast<std::uint64_t>((ms + 999) / 1000)}};
}
}  // namespace

nlohmann::json DaemonShell::status() const {
    const agent::View v = agent_->view();
    const agent::ClusterConfig& c = config_.cluster;
    const agent::Instant t = now();
    const nlohmann::json fence_records = fence_.status();
    nlohmann::json nodes = nlohmann::json::array();
    for (const agent::PeerView& p : v.peers) {
        nlohmann::json links = nlohmann::json::array();
        for (std::size_t l = 0; l < p.links.size(); ++l) {
            const bool me = p.node == self_;
            nlohmann::json heard = nullptr;
            if (me) {
                heard = 0;
            } else if (p.links[l].last_heard) {
                heard = agent::to_ms(t - *p.links[l].last_heard);
            }
            links.push_back({{"address", c.nodes[p.node].addresses[l]},
                             {"state", me || p.links[l].up ? "up" : "down"},
                             {"last_heard_ms", heard}});
        }
        const char* state = !p.alive ? "offline" : p.leaving ? "leaving" : p.standby ? "standby" : "online";
        // design §4.7: what this node knows about fencing that peer, and the
        // last fence it ran itself (the coordinator's is the one that counts).
        nlohmann::json fencing = nullptr;
        const agent::FenceView& f = p.fence;
        const auto record = fence_records.find(c.nodes[p.node].name);
        if (f.needed || f.in_flight || f.announced || f.failures > 0 || record != fence_records.end()) {
            const char* fence_state = f.in_flight ? "fencing"
                                      : f.announced ? "fenced"
                                      : f.needed && f.failures > 0 ? "retrying"
                                      : f.needed ? "needed"
                                                 : "none";
            fencing = {{"state", fence_state},
                       {"failures", f.failures},
                       {"retry_in_ms", f.retry_at ? nlohmann::json(std::max<std::int64_t>(
                                                        0, agent::to_ms(*f.retry_at - t)))
                                                  : nlohmann::json(nullptr)},
                       {"last", record != fence_records.end() ? *record : nlohmann::json(nullptr)}};
        }
        nodes.push_back({{"name", c.nodes[p.node].name},
                         {"standby_ttl_s", p.alive && p.standby_ttl ? nlohmann::json(ttl_seconds(*p.standby_ttl))
                                                                    : nlohmann::json(nullptr)},
                         {"self", p.node == self_},
                         {"state", state},
                         {"health", !p.alive ? nlohmann::json(nullptr) : nlohmann::json(p.healthy ? "healthy" : "unhealthy")},
                         {"incarnation", p.incarnation},
                         {"fencing", fencing},
                         {"links", links}});
    }
    nlohmann::json groups = nlohmann::json::array();
    for (const agent::GroupView& g : v.groups) {
        const agent::Role role = g.role;
        const std::optional<std::string> instance_here = actions_.unpromoted_state(g.group);
        std::string state = g.holder == agent::no_node ? "stopped" : "running";
        if (role == agent::Role::starting) state = "starting";
        if (role == agent::Role::stopping) state = "stopping";
        if (role == agent::Role::stop_failed) state = "failed";
        if (g.blocked) state = "blocked";
        if (g.probing || g.found) state = "probing";
        if (g.maintenance) state = "maintenance";
        // Maintenance ends when both the cluster's and the group's have ended.
        const agent::GroupPolicy& gp = v.policy.groups.at(g.group);
        bool ends = g.maintenance;
        agent::Duration left{};
        for (const auto& [on, until] : {std::pair{gp.maintenance, gp.maintenance_until},
                                        std::pair{v.policy.cluster_maintenance, v.policy.cluster_until}}) {
            if (!on) continue;
            if (!until.has_value()) ends = false;
            else left = std::max(left, until.value() - t);
        }
        nlohmann::json resources = nlohmann::json::array();
        const std::vector<std::int64_t> fail_counts = actions_.fail_counts(g.group);
        const std::vector<std::string> validations = actions_.validations(g.group);
        for (std::size_t i = 0; i < config_.resources[g.group].size(); ++i) {
            const ResourceConfig& r = config_.resources[g.group][i];
            const bool here = role == agent::Role::primary || role == agent::Role::starting ||
                              role == agent::Role::stopping;
            std::string res_state = role == agent::Role::stop_failed ? "failed" : here ? "running" : "stopped";
            // Elsewhere a promotable resource runs unpromoted (daemon/unpromoted_keeper.h).
            if (r.promotable && instance_here && !here && role != agent::Role::stop_failed) res_state = *instance_here;
            if (r.promotable && role == agent::Role::primary) res_state = "promoted";
            resources.push_back({{"name", r.name},
                                 {"agent", r.agent},
                                 {"state", res_state},
                                 {"fail_count", i < fail_counts.size() ? fail_counts[i] : 0},
                                 {"stop_budget_ms", agent::to_ms(resources::stop_timeout(r))},
                                 {"validate", i < validations.size() && !validations[i].empty()
                                                  ? nlohmann::json(validations[i])
                                                  : nlohmann::json(nullptr)}});
        }
        nlohmann::json promotable = nullptr;
        if (c.groups[g.group].promotable) {
            // Nodes ready to be promoted: online, eligible, their unpromoted instance
            // running (as this node sees them), the primary aside.
            nlohmann::json ready = nlohmann::json::array();
            for (const agent::NodeId n : g.eligible) {
                if (n != g.holder) ready.push_back(node_name(n));
            }
            promotable = {{"instance_here", instance_here ? nlohmann::json(*instance_here) : nlohmann::json(nullptr)},
                          {"ready_here", g.ready_here},
                          {"unpromoted", ready}};
        }
        groups.push_back({{"name", c.groups[g.group].name},
                          {"state", state},
                          {"primary", g.holder == agent::no_node ? nlohmann::json(nullptr)
                                                                 : nlohmann::json(node_name(g.holder))},
                          {"term", g.term},
                          {"role_here", agent::to_string(role)},
                          {"assigned", g.assigned == agent::no_node ? nlohmann::json(nullptr)
                                                                    : nlohmann::json(node_name(g.assigned))},
                          {"maintenance", g.maintenance},
                          {"maintenance_ttl_s", ends ? nlohmann::json(ttl_seconds(left)) : nlohmann::json(nullptr)},
                          {"blocked", g.blocked},
                          {"pin", pin_of(g, t, c)},
                          {"resources", resources}});
        if (!promotable.is_null()) groups.back()["promotable"] = promotable;
    }
    return {{"cluster", c.cluster},
            {"node", node_name(self_)},
            {"term", v.term},
            {"coordinator", v.coordinator == agent::no_node ? nlohmann::json(nullptr)
                                                            : nlohmann::json(node_name(v.coordinator))},
            {"quorum",
             {{"state", agent::wire::to_string(v.quorum)},
              {"votes", v.votes_present},
              {"total", c.total_votes()},
              {"needed", v.votes_needed}}},
            {"maintenance",
             {{"cluster", v.policy.cluster_maintenance},
              {"ttl_s", v.policy.cluster_maintenance && v.policy.cluster_until
                            ? nlohmann::json(ttl_seconds(*v.policy.cluster_until - t))
                            : nlohmann::json(nullptr)}}},
            {"nodes", nodes},
            {"groups", groups},
            {"health", health_status()},
            {"last_failover", last_failover_.is_null() ? nlohmann::json(nullptr) : last_failover_}};
}

nlohmann::json DaemonShell::health_status() const {
    nlohmann::json checks = nlohmann::json::array();
    for (const HealthCheckStatus& s : health_.status()) {
        checks.push_back({{"name", s.name},
                          {"type", to_string(s.type)},
                          {"state", s.passing ? "passing" : "failing"},
                          {"consecutive", s.consecutive},
                          {"last_result", !s.last_ok ? nlohmann::json(nullptr) : nlohmann::json(*s.last_ok ? "ok" : "failed")},
                          {"message", s.message}});
    }
    // The core's verdict (what the cluster acts on) and the checks behind it.
    const bool healthy = agent_->view().healthy;
    return {{"state", healthy ? "healthy" : "unhealthy"},
            {"reason", healthy ? nlohmann::json(nullptr) : nlohmann::json(health_.reason())},
            {"checks", checks}};
}

void DaemonShell::handle_request(const ControlRequest& request, ControlServer::Respond respond) {
    // The request is decoded and checked already (control_request.h).
    if (!agent_) {
        respond({{"ok", false}, {"error", "the daemon is starting: probing its resources"}});
        return;
    }
    agent::in::Command cmd;
    cmd.group = request.group;
    cmd.node = request.node;
    cmd.state = request.state;
    if (request.ttl) cmd.ttl = *request.ttl;
    switch (request.command) {
        case ControlCommand::status:
        case ControlCommand::nodes:
        case ControlCommand::groups: respond({{"ok", true}, {"data", status()}}); return;
        case ControlCommand::events: respond({{"ok", true}, {"data", events(request.limit)}}); return;
        case ControlCommand::switchover: cmd.kind = agent::CommandKind::switchover; break;
        case ControlCommand::standby: cmd.kind = agent::CommandKind::standby; break;
        case ControlCommand::online: cmd.kind = agent::CommandKind::online; break;
        case ControlCommand::maintenance: cmd.kind = agent::CommandKind::maintenance; break;
        case ControlCommand::cleanup: cmd.kind = agent::CommandKind::cleanup; break;
        case ControlCommand::reload:
        case ControlCommand::config_show: {
            // Served beside the shell (daemon/ops_commands.h).
            const auto extra = extra_commands_.find(request.name);
            if (extra == extra_commands_.end()) {
                respond({{"ok", false}, {"error", request.name + ": not served by this daemon"}});
            } else {
                extra->second(request, std::move(respond));
            }
            return;
        }
    }
    cmd.request = next_request_++;
    waiting_.push_back(Waiting{cmd.request, request.name, std::move(respond)});
    feed(cmd);
}

}  // namespace hacluster::daemon
