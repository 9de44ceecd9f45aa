#pragma once
// SimCluster: many real agent::Agent instances in one process over simulated
// time, network, clocks, script runners and supervisors, with the safety checkers
// run after every event (README.md here). Single-threaded and deterministic: the
// same options give the same run, event for event.
//
//   SimCluster sim(SimOptions{.nodes = 3, .groups = {"web"}, .seed = 7});
//   sim.run_for(3s);
//   const NodeId old = *sim.primary_of("web");
//   sim.isolate(old);
//   sim.run_for(5s);
//   REQUIRE(sim.primary_of("web") != old);
//   REQUIRE(sim.violations().empty());
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/agent.h"
#include "agent/group_relations.h"
#include "agent/prng.h"
#include "daemon/hmac_sha256.h"
#include "test/sim/sim_checker.h"
#include "test/sim/sim_clock.h"
#include "test/sim/sim_network.h"

namespace hacluster::sim {

using agent::GroupId;
using agent::NodeId;

// How one simulated script run behaves.
enum class Behaviour : std::uint8_t {
    normal,  // exit 0 after a short random duration
    fail,    // exit 1 after a short random duration
    slow,    // exit 0 after 50..95% of its timeout
    hang,    // never ends on its own: the runner kills it at its timeout (timed_out)
    overrun, // would end after 110..300% of its timeout: killed at it, half done (timed_out)
    not_configured,  // exit 6 (OCF "not configured") after a short random duration
};
const char* to_string(Behaviour behaviour);

struct ScriptKnobs {
    Duration start_min = std::chrono::milliseconds(5);
    Duration start_max = std::chrono::milliseconds(50);
    Duration stop_min = std::chrono::milliseconds(2);
    Duration stop_max = std::chrono::milliseconds(20);
    // Random misbehaviour of the scripts. Stops that fail, hang or overrun leave
    // the group running (state unknown): on a node cut off from the cluster only
    // the escalation (design §4.8) makes that safe. The supervisor's stops
    // misbehave the same way (they are the same scripts).
    std::uint32_t start_fail_ppm = 0;
    std::uint32_t start_hang_ppm = 0;
    std::uint32_t start_slow_ppm = 0;
    std::uint32_t stop_fail_ppm = 0;
    std::uint32_t stop_hang_ppm = 0;
    std::uint32_t stop_slow_ppm = 0;
    std::uint32_t stop_overrun_ppm = 0;
};

// The simulated fence devices (docs/design.md §4.7): an attempt takes a random
// delay, then either fails (the node stays as it is) or powers the target off at
// that moment, like a crash: everything there stops at once. The core fences only
// when its config lists devices (sim_config.h: with_fencing).
struct FenceKnobs {
    std::uint32_t fail_ppm = 0;  // an attempt that exits non-zero
    std::uint32_t slow_ppm = 0;  // an attempt that takes slow_min..slow_max
    Duration delay_min = std::chrono::milliseconds(20);  // an IPMI round trip or two
    Duration delay_max = std::chrono::milliseconds(300);
    Duration slow_min = std::chrono::seconds(1);  // beyond a default lease
    Duration slow_max = std::chrono::seconds(4);
    // action reboot: the node boots again this long after it was fenced; zero: off,
    // it stays down until restart() or heal_all().
    Duration reboot_min{};
    Duration reboot_max{};
};

enum class NodeStatus : std::uint8_t {
    up,            // the agent runs
    paused,        // the daemon is stopped (SIGSTOP, a stall); its scripts and supervisor run on
    daemon_dead,   // the daemon was killed; the machine and its supervisor are up
    machine_down,  // crashed or not yet started: nothing runs there
    left,          // the daemon left gracefully (Shutdown, LeaveDone)
};
const char* to_string(NodeStatus status);

enum class ClockSetup : std::uint8_t {
    ideal,         // every clock reads global time + 1000 s, no drift
    random_drift,  // random offsets; drift within ±max_clock_drift_ppm, often exactly at the bound
};

enum class Recording : std::uint8_t { off, transcript };

struct SimOptions {
    std::size_t nodes = 3;
    std::vector<std::string> groups = {"web"};
    std::uint64_t seed = 1;
    std::size_t links = 1;
    // Replaces nodes / groups / links when set (it must validate).
    std::optional<agent::ClusterConfig> config{};
    agent::Safety safety = agent::Safety::normal;
    ClockSetup clocks = ClockSetup::random_drift;
    // Nodes boot at random times within this window (0: all at once at t=0).
    Duration start_spread{};
    ScriptKnobs scripts{};
    LinkSettings network{};
    Recording recording = Recording::transcript;
    FenceKnobs fencing{};
    // Groups whose resources are all addresses (a native vip, IPaddr2): the
    // escalation's netlink removal stops them for sure (in::Covered::yes); the
    // others need the self-fence. Indexed by GroupId; missing: not address-only.
    std::vector<bool> address_only{};
    // How long a self-fenced (rebooted) node stays down.
    Duration self_fence_reboot_min = std::chrono::milliseconds(300);
    Duration self_fence_reboot_max = std::chrono::seconds(3);
};

class SimCluster {
public:
    explicit SimCluster(SimOptions options);
    ~SimCluster();
    SimCluster(const SimCluster&) = delete;
    SimCluster& operator=(const SimCluster&) = delete;

    // ---- the world ----
    const agent::ClusterConfig& config() const { return config_; }
    SimTime now() const { return now_; }
    std::size_t node_count() const { return nodes_.size(); }
    NodeId node_id(std::string_view name) const;    // asserts that it exists
    GroupId group_id(std::string_view name) const;  // asserts that it exists
    const std::string& node_name(NodeId node) const { return config_.nodes.at(node).name; }
    const std::string& group_name(GroupId group) const { return config_.groups.at(group).name; }

    // ---- running ----
    void run_for(Duration duration);
    void run_until(SimTime at);
    // Runs until done() holds (checked after every event) or `limit` passes; says
    // whether it held.
    bool run_until(const std::function<bool()>& done, Duration limit);
    // Schedules an action (a fault, a command) at a global time / after a delay.
    void at(SimTime when, std::function<void()> action);
    void after(Duration delay, std::function<void()> action);

    // ---- observation ----
    NodeStatus status(NodeId node) const { return nodes_.at(node).status; }
    // The agent's view; nullopt while it has no agent (crashed, killed, left).
    std::optional<agent::View> view(NodeId node) const;
    Instant local_now(NodeId node) const { return nodes_.at(node).clock.local(now_); }
    // The node whose ground truth runs the group and whose agent reports primary,
    // when exactly one node runs it.
    std::optional<NodeId> primary_of(std::string_view group) const;
    std::optional<NodeId> primary_of(GroupId group) const;
    std::vector<NodeId> running_nodes(std::string_view group) const;
    const GroundTruth& ground_truth() const { return truth_; }
    const std::vector<Violation>& violations() const { return violations_; }
    // Every out::Transition as "t=<ms>.<us> <node> <kind> [group=..] [term=..]
    // [node=..] [reason=..]" (golden transcripts).
    const std::vector<std::string>& transcript() const { return transcript_; }
    // The transcript interleaved with faults, script runs and violations.
    const std::vector<std::string>& log() const { return log_; }
    // Fault that took the primary away -> another node begins starting the group.
    const std::vector<Duration>& failovers() const { return failover_.measured(); }
    // nullopt when every group runs on exactly one node and that node's agent is
    // up and primary for it; otherwise what is wrong.
    std::optional<std::string> convergence_problem() const;
    // When the last script that was given an injected fault ends at the latest.
    SimTime faulty_scripts_settled() const { return faulty_scripts_settled_; }
    std::uint64_t events_processed() const { return events_processed_; }

    // ---- faults ----
    void crash(NodeId node);        // machine crash: everything there stops at once
    // Boots a crashed/killed/left node: new incarnation, new state. The new daemon
    // comes up only once the supervisor has finished stopping what the old one
    // held (peers take a new incarnation as proof that its groups are down).
    void restart(NodeId node);
    // The supervisor stops the guarded groups at their stop_at, unless restart()
    // comes first: the new daemon then takes them over (AgentOptions::resume).
    void kill_daemon(NodeId node);
    void pause(NodeId node, Duration duration);
    void pause(NodeId node);  // until resume()
    void resume(NodeId node);
    void set_drift(NodeId node, std::int32_t drift_ppm);
    // A forward step of a node's clock. Beyond the drift bound on a granter it may
    // break safety by design; the random sweep never does it.
    void jump_clock(NodeId node, Duration forward);

    // Network cuts stay until heal(); see SimNetwork for the delay/loss knobs.
    void isolate(NodeId node);
    void cut(NodeId from, NodeId to);  // one-way, every link
    void cut_link(NodeId from, NodeId to, std::uint8_t link);
    void partition(const std::vector<std::vector<NodeId>>& sets);
    void cut_one_way(const std::vector<NodeId>& from, const std::vector<NodeId>& to);
    void heal();  // network cuts and node delays
    // Cuts held for a while by the fault generator (composes with other cuts).
    void cut_for(const std::vector<DirectedLink>& cuts, Duration duration, const std::string& what);
    SimNetwork& network() { return network_; }

    // The heal point: network healed with clean links, paused nodes resumed, down
    // nodes restarted (a node still leaving restarts as soon as it has left),
    // scripts behave normally from now on.
    void heal_all();

    ScriptKnobs& scripts() { return options_.scripts; }
    FenceKnobs& fencing() { return options_.fencing; }
    // Fence attempts so far: (target, succeeded), in the order they ended.
    const std::vector<std::pair<NodeId, bool>>& fences() const { return fence_log_; }
    // The next `action` script the node's agent runs behaves like this (queued).
    void next_script(NodeId node, agent::ScriptAction action, Behaviour behaviour);

    // ---- operator ----
    // Steps the node's agent with the command (request 0: one is assigned) and
    // returns the request id; the answer shows up in reply() when the agent gives it.
    std::uint64_t command(NodeId node, agent::in::Command command);
    std::optional<agent::out::Reply> reply(std::uint64_t request) const;
    // command() and run until its reply arrives or `limit` passes.
    std::optional<agent::out::Reply> run_command(NodeId node, agent::in::Command command,
                                                 Duration limit);
    void shutdown(NodeId node);  // graceful leave: the node is gone after LeaveDone
    // The node's monitors gave up on the group (in::GroupFailed for its current term).
    void resource_failed(NodeId node, GroupId group, const std::string& reason);
    // The node's health checks change their verdict (in::Health). Health belongs to
    // the machine: it holds across daemon restarts (a new daemon's checks find the
    // same trouble) and a paused daemon hears of it when it resumes.
    void set_health(NodeId node, bool healthy, const std::string& reason);
    // A promotable group's unpromoted instance on the node (in::GroupReady): ready
    // unless set otherwise. It is the machine's: it holds across daemon restarts.
    void set_ready(NodeId node, GroupId group, bool ready);
    bool ready(NodeId node, GroupId group) const { return nodes_.at(node).ready.at(group); }

    // ---- for the fault generator ----
    agent::Prng& fault_prng() { return fault_prng_; }
    // The node running the group whose agent is primary (even if others run it too).
    std::optional<NodeId> current_primary(GroupId group) const;
    // Whether a node can no longer exchange heartbeats with a majority.
    bool cut_off(NodeId node) const;
    void note(const std::string& what);

private:
    enum class EventKind : std::uint8_t { tick, packet, script_done, supervisor_check, resume, action, fence_done };
    struct Event {
        std::int64_t time;
        std::uint64_t seq;
        std::uint64_t arg;
        std::uint32_t gen;
        NodeId node;
        EventKind kind;
    };
    struct EventLater {
        bool operator()(const Event& a, const Event& b) const {
            return a.time != b.time ? a.time > b.time : a.seq > b.seq;
        }
    };
    enum class Origin : std::uint8_t { agent, supervisor };
    struct Script {
        std::uint64_t id = 0;  // this run's completion event
        std::uint64_t op = 0;
        GroupId group = 0;
        agent::ScriptAction action = agent::ScriptAction::start;
        Origin origin = Origin::agent;
        agent::ExecStatus status = agent::ExecStatus::done;
        int exit_code = 0;
        std::uint32_t daemon_gen = 0;
        agent::Term term = 0;  // a supervisor stop: the term of the guard it acted on
    };
    struct PendingFence {
        NodeId from = agent::no_node;
        std::uint32_t daemon_gen = 0;
        std::uint64_t op = 0;
        NodeId target = agent::no_node;
        bool ok = false;
    };
    struct InFlightPacket {
        std::uint8_t link = 0;
        std::vector<std::uint8_t> bytes;
    };
    // A grant given by an agent that has since died: its node keeps quiet for a
    // grant hold after it comes back (design §4), so the grant still binds it
    // until `until` (global time).
    struct DeadGrant {
        NodeId holder = agent::no_node;
        agent::Term term = 0;
        SimTime until{};
    };
    struct Node {
        NodeStatus status = NodeStatus::machine_down;
        SimClock clock;
        std::unique_ptr<agent::Agent> agent;
        agent::Incarnation incarnation = 0;
        std::uint32_t daemon_gen = 0;  // bumps whenever a daemon starts or ends
        std::uint32_t tick_gen = 0;    // bumps whenever a tick chain starts or ends
        std::uint32_t pause_gen = 0;   // bumps at every pause and resume
        std::vector<Script> scripts;   // in flight
        std::vector<std::optional<Instant>> guards;  // per group, the supervisor's stop_at
        std::vector<agent::Term> guard_terms;        // per group, the term of that guard
        std::vector<std::optional<Instant>> guard_escalate;  // per group, the guard's escalate_at
        // Per group: the supervisor's stop began and has not succeeded yet (its
        // retries and its escalation go on); the generation voids old timers.
        std::vector<bool> supervisor_busy;
        std::vector<std::uint32_t> supervisor_gen;
        std::uint32_t self_fence_count = 0;
        // Supervisor stops finished while the agent was paused, to report at resume.
        std::vector<agent::in::SupervisorStop> supervisor_stopped;
        std::deque<agent::in::Packet> paused_packets;
        std::vector<agent::in::ScriptDone> paused_results;
        std::vector<agent::in::FenceDone> paused_fences;
        std::deque<Behaviour> next_start;
        std::deque<Behaviour> next_stop;
        std::vector<DeadGrant> dead_grants;  // per group
        bool rejoin_after_leave = false;     // heal_all() caught it leaving
        bool boot_after_supervisor = false;  // a restart waits for the supervisor's stops
        bool unhealthy = false;              // set_health()
        std::string health_reason;
        // The node's disk: votes stored on out::PersistVote, handed to every new
        // agent on this node; survives daemon kills and machine crashes.
        std::vector<agent::PersistedVote> disk_votes;
        std::optional<agent::Policy> disk_policy;  // out::PersistPolicy, like votes
        std::vector<bool> ready;  // per group: its unpromoted instance (set_ready)
    };
    // Datagrams that arrive while a node is paused: the socket buffer keeps only
    // the last few (the brief's "blocked process").
    static constexpr std::size_t paused_packet_limit = 4;
    static constexpr std::size_t max_violations = 50;

    void schedule(SimTime when, EventKind kind, NodeId node, std::uint64_t arg, std::uint32_t gen);
    bool run_next(SimTime limit);
    void dispatch(const Event& event);
    void on_tick(NodeId n, std::uint32_t gen);
    void on_packet(NodeId n, std::uint64_t slot);
    void on_script_done(NodeId n, std::uint64_t id);
    void on_supervisor_check(NodeId n, GroupId g, std::uint32_t pause_gen);
    void run_fence(NodeId n, const agent::out::Fence& fence);
    void on_fence_done(std::uint64_t slot);
    enum class CountAsFault : std::uint8_t { no, yes };
    void power_off(NodeId n, const char* why, CountAsFault count);

    void boot(NodeId n);
    void start_ticks(NodeId n, Duration first_after);
    void step(NodeId n, const agent::Input& input);
    void handle_outputs(NodeId n);
    void send(NodeId from, agent::out::Send& send);
    void run_script(NodeId n, const agent::out::RunScript& run);
    void cancel_script(NodeId n, std::uint64_t op);
    Behaviour choose_behaviour(Node& node, agent::ScriptAction action, Duration timeout);
    Behaviour random_behaviour(agent::ScriptAction action);
    // How a run of the given behaviour ends: after runs_for (nullopt: never, until
    // killed), with that status and exit code; a run reaching its timeout is
    // killed there (timed_out).
    struct PlannedRun {
        std::optional<Duration> runs_for;
        agent::ExecStatus status = agent::ExecStatus::done;
        int exit_code = 0;
    };
    PlannedRun plan_run(Behaviour behaviour, agent::ScriptAction action, Duration timeout);
    void supervisor_stop_ended(NodeId n, GroupId g, agent::Term term, bool ok);
    void supervisor_stop(NodeId n, GroupId g);
    void supervisor_escalate(NodeId n, GroupId g);
    void escalate(NodeId n, const agent::out::Escalate& escalate);
    void self_fence(NodeId n, const std::string& why);
    bool address_only(GroupId g) const {
        return g < options_.address_only.size() && options_.address_only[g];
    }
    void daemon_exit(NodeId n, NodeStatus becomes);
    void end_daemon_state(Node& node);
    void remember_grants(NodeId n);  // before the agent is destroyed
    void kill_agent_scripts(NodeId n, std::optional<GroupId> only);
    void record_transition(NodeId n, const agent::out::Transition& t);
    void tell_health(NodeId n);  // when the agent's verdict differs from the machine's

    void check_start(NodeId n, const agent::out::RunScript& run);
    void check_split_brain(GroupId g);
    bool unmanaged(GroupId g) const;  // in maintenance or being re-learned somewhere
    void check_relations(NodeId n, GroupId g);
    void add_violation(Violation violation);
    // Failover bookkeeping around faults that may take a primary away.
    std::vector<GroupId> primary_groups(NodeId n) const;
    void primary_lost(NodeId n, const std::vector<GroupId>& groups);
    void note_cut_faults(const std::vector<bool>& was_cut_off);
    void drop_measurements_of_live_primaries();
    std::vector<bool> cut_off_all() const;

    agent::Prng& prng_for_scripts() { return script_prng_; }
    std::string line_prefix(NodeId n) const;

    SimOptions options_;
    agent::ClusterConfig config_;
    daemon::HmacSha256 auth_;
    SimNetwork network_;
    agent::Prng fault_prng_;
    agent::Prng net_prng_;
    agent::Prng script_prng_;
    agent::Prng node_prng_;  // clocks, tick phases, agent seeds, incarnations

    SimTime now_{};
    std::uint64_t next_seq_ = 0;
    std::vector<Event> queue_;  // a binary heap on EventLater
    std::vector<Node> nodes_;
    std::vector<InFlightPacket> packets_;
    std::vector<std::uint64_t> free_packets_;
    std::vector<std::function<void()>> actions_;
    std::vector<PendingFence> fences_;
    std::vector<std::pair<NodeId, bool>> fence_log_;
    std::uint64_t next_script_id_ = 1;

    GroundTruth truth_;
    agent::GroupRelations relations_;
    FailoverTracker failover_;
    std::vector<bool> overlap_open_;  // per group: a split brain already reported
    struct LastStart {
        NodeId node = agent::no_node;
        agent::Term term = 0;
    };
    std::vector<LastStart> last_start_;
    std::vector<Violation> violations_;
    std::vector<std::string> transcript_;
    std::vector<std::string> log_;
    std::map<std::uint64_t, agent::out::Reply> replies_;
    std::uint64_t next_request_ = 1;
    SimTime faulty_scripts_settled_{};
    // in::Escalated answers of this step's out::Escalate, fed after its outputs.
    std::vector<std::pair<NodeId, agent::in::Escalated>> pending_escalated_;
    std::uint64_t events_processed_ = 0;
};

}  // namespace hacluster::sim
