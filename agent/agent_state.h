#pragma once
// Internal state of Agent, shared by the files that implement it:
// agent.cpp (step, roles, scripts), membership.cpp (peers, links, quorum),
// lease_grants.cpp (this node as a voter), placement.cpp (coordinator),
// operator_requests.cpp (commands). Not part of the public API.
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agent/agent.h"
#include "agent/group_relations.h"
#include "agent/prng.h"
#include "agent/replay_window.h"
#include "agent/timing.h"

namespace hacluster::agent {

// Terms grow by one per election or claim; a heartbeat claiming more than this is
// a bug or garbage, and taking it would end in a wrapped term (design §2.2).
inline constexpr Term max_plausible_term = Term{1} << 62;

// OCF exit codes of a start or monitor that no other node would do better with:
// the group is blocked (design §3.5).
inline constexpr int exit_not_installed = 5;
inline constexpr int exit_not_configured = 6;

struct PeerState {
    ReplayWindow replay;
    Incarnation incarnation = 0;
    std::vector<std::optional<Instant>> link_heard;  // per link
    std::vector<bool> link_up;                       // as last reported
    std::optional<Instant> last_heard;
    bool alive = false;  // as last reported (node_up / node_down)
    std::optional<wire::Heartbeat> last;  // latest accepted heartbeat while alive
};

// This node as a voter for one group (design §4): at most one holder at a time,
// and no new holder before the last renewal is grant_hold old.
struct GrantState {
    NodeId holder = no_node;
    Term term = 0;
    Instant renewed{};
    Seq acked_seq = 0;
    Term max_term = 0;              // highest term ever granted (claims must not go below)
    NodeId max_term_holder = no_node;
    // The latest claim this node could not grant yet only because the grant was
    // still held: granted the moment the hold ends (saves up to an interval).
    NodeId pending = no_node;
    Term pending_term = 0;
    Seq pending_seq = 0;
    Instant pending_at{};
};

// After maintenance ends, this node re-learns whether the group runs here
// (design §3.5): probing until the shell answers, found until it is adopted
// (started here under a new lease) or stopped.
enum class Relearn : std::uint8_t { none, probing, found };

// This node as a (would-be) holder of one group.
struct GroupState {
    Role role = Role::standby;
    Term term = 0;
    std::optional<std::uint64_t> op;  // script in flight
    ScriptAction op_action = ScriptAction::start;
    // Per granter: the send time of our newest heartbeat it acknowledged while
    // granting us this term (design §4.2).
    std::vector<std::optional<Instant>> anchors;
    std::optional<Instant> lease_end;
    // Resumed from the previous process (AgentOptions::resume): the lease end it
    // had, a floor under lease_end until the granters renewed past it.
    std::optional<Instant> resumed_lease_end;
    std::optional<Instant> guard_sent;     // stop_at last given to the supervisor; none: unguarded
    std::optional<Instant> released_until;  // keep announcing `released` until then
    Term released_term = 0;
    std::optional<Instant> failed_until;    // a start failed here: not eligible until then
    std::optional<Instant> retry_stop_at;   // after a failed stop
    int failed_stops = 0;                   // in a row, for the retry backoff
    bool supervisor_stopping = false;       // the supervisor's stop is in flight
    // design §4.8: out::Escalate went out for this tenure (once), and out::SelfFence
    // after an escalation that did not cover the group.
    bool escalated = false;
    bool self_fenced = false;
    bool ready = true;                      // in::GroupReady; promotable groups start false
    std::string stop_reason;
    Relearn relearn = Relearn::none;
    std::optional<Instant> probe_sent;  // asked again when no answer comes
};

// A switchover with a TTL: the group belongs on node until then (design §3.6).
struct Pin {
    NodeId node = no_node;
    Instant until{};
};

// The coordinator's per-group placement state (design §3).
struct PlacementState {
    NodeId assigned = no_node;
    NodeId switch_to = no_node;  // a switchover in progress
    // failback_delay: the better node a failback waits for, eligible without a
    // break since failback_since (no_node: none).
    NodeId failback_to = no_node;
    Instant failback_since{};
    // The group should move but groups after it still run there or elsewhere:
    // it stays until they stopped (design §3.4).
    bool draining = false;
    Pin pin;
};

// A peer that went silent while holding a group (design §4.7), as this node saw
// it; only the acting coordinator fences, but every node keeps the record so that
// a new coordinator can take over.
struct FenceState {
    bool needed = false;              // silent holder, no release seen, not fenced yet
    Incarnation incarnation = 0;      // the process that went silent
    std::optional<std::uint64_t> op;  // a fence in flight
    Incarnation op_incarnation = 0;
    std::optional<Instant> retry_at;  // after a failed fence
    std::uint32_t failures = 0;       // in a row
    std::optional<Instant> announce_until;  // coordinator: announce `announced` until then
    wire::Fenced announced;
};
// How a node is judged for a group: keeping it where it runs lets groups placed
// later in the order make way (away_from), placing anew avoids them all.
enum class Placing : std::uint8_t { keep, fresh };

struct PendingRequest {
    wire::Request request;
    std::uint64_t client = 0;  // in::Command::request to answer
    Instant deadline{};
};

struct HandledRequest {
    NodeId requester = no_node;
    std::uint32_t id = 0;
    bool ok = true;
    Instant last_listed{};  // the requester still listed it then
};

struct Agent::State {
    State(const ClusterConfig& config, NodeId self, const wire::Authenticator& auth,
          AgentOptions options, Instant start);

    // --- configuration, derived once ---
    ClusterConfig config;
    NodeId self;
    const wire::Authenticator& auth;
    AgentOptions options;
    Instant start;
    std::uint64_t cluster_id;
    std::uint64_t config_hash;
    std::size_t links;
    std::vector<GroupTiming> timing;  // per group
    Duration max_grant_hold{};
    std::vector<std::vector<bool>> eligible_node;  // [group][node]: listed in the group
    GroupRelations relations;

    // --- mutable state ---
    Instant now{};
    Prng prng;
    std::vector<Output> outputs;
    Seq seq = 0;
    Term term = 0;  // highest known
    std::deque<std::pair<Seq, Instant>> sent;  // our recent heartbeats' send times
    Instant next_send{};
    bool urgent = false;  // send a heartbeat at the end of this step
    std::uint64_t next_op = 1;

    std::vector<PeerState> peers;  // indexed by NodeId, self unused
    wire::QuorumState quorum = wire::QuorumState::pending;
    std::uint32_t votes_present = 0;
    bool all_seen = false;  // wait_for_all satisfied
    std::set<NodeId> seen_since_start;

    bool standby = false;
    std::optional<Instant> standby_until;  // a standby with a TTL
    bool unhealthy = false;  // in::Health; healthy until the checks say otherwise
    bool leaving = false;
    bool left = false;
    int leave_announcements = 0;

    NodeId coordinator = no_node;  // whom we follow (may be self)
    bool is_coordinator = false;
    Term coordinator_term = 0;
    std::vector<std::optional<NodeId>> assignment;  // per group, from the coordinator; nullopt: unknown
    std::vector<PlacementState> placement;          // when coordinator
    std::vector<Pin> pins;  // per group, as this node last knew them (placement's when coordinator)
    Instant placement_from{};  // a new coordinator places nothing before (design §3.3)
    Instant last_node_up{};    // when a peer last became alive here

    std::vector<GrantState> grants;
    std::vector<GroupState> groups;
    std::vector<FenceState> fences;  // per node

    std::uint32_t next_request_id = 1;
    std::vector<PendingRequest> pending_requests;
    std::vector<HandledRequest> handled_requests;
    std::uint64_t packets_rejected = 0;
    Policy policy;
    Term cleanup_applied = 0;  // the newest cleanup version applied here

    // agent.cpp
    void step(const Input& input);
    void evaluate();
    void on_script_done(const in::ScriptDone& done);
    void on_supervisor_stop(const in::SupervisorStop& report);
    void on_group_failed(const in::GroupFailed& failure);
    void on_health(const in::Health& health);
    void on_group_ready(const in::GroupReady& report);
    void on_escalated(const in::Escalated& report);
    void escalate_if_due(GroupId g);
    bool unavailable_here(GroupId g) const;  // start failed recently, or instance not ready
    Term mint_term();
    void on_shutdown();
    void update_roles();
    void update_lease(GroupId g);
    void begin_claim(GroupId g);
    void abandon_claim(GroupId g, const std::string& reason);
    void begin_start(GroupId g);
    void begin_stop(GroupId g, const std::string& reason);
    void become_standby(GroupId g, const std::string& reason);
    void emit_guard(GroupId g);
    void run_script(GroupId g, ScriptAction action, const std::string& reason);
    void send_heartbeat();
    wire::Heartbeat build_heartbeat();
    void transition(out::TransitionKind kind, std::optional<GroupId> group, NodeId node, Term t,
                    std::string reason);
    std::optional<Instant> sent_time(Seq s) const;
    bool holds(GroupId g) const;  // role in starting/primary/stopping/stop_failed

    // membership.cpp
    void on_packet(const in::Packet& packet);
    void on_heartbeat(const wire::Heartbeat& hb);
    void update_membership();
    void update_quorum();
    bool peer_alive(NodeId n) const;
    const wire::Heartbeat* last_of(NodeId n) const;  // latest heartbeat of an alive peer
    std::uint32_t votes_of(NodeId n) const { return config.nodes[n].votes; }

    // lease_grants.cpp
    bool in_quiet_period() const;
    bool grant_expired(GroupId g) const;
    void on_claim(NodeId from, const wire::Claim& claim, Seq seq);
    void on_grant(NodeId from, const wire::Grant& grant);
    void forget_anchors_of(NodeId from, const wire::Heartbeat* hb);
    void update_grants();
    bool may_grant(GroupId g, NodeId claimant, Term t) const;
    void grant_to(GroupId g, NodeId claimant, Term t, Seq seq);

    // fencing.cpp
    void note_silent(NodeId n, const wire::Heartbeat& last);
    void update_fencing();
    void on_fence_done(const in::FenceDone& done);
    void apply_fenced(const wire::Fenced& fenced);
    void on_fenced_announcements(const wire::Heartbeat& hb);
    void announce_fenced(wire::Heartbeat& hb) const;

    // placement.cpp
    void update_coordinator();
    void update_placement();
    bool node_eligible(GroupId g, NodeId n) const;
    bool keeps_running(GroupId g, NodeId n) const;
    bool placing() const { return is_coordinator && now >= placement_from; }
    NodeId holder_of(GroupId g) const;
    NodeId best_allowed(GroupId g, NodeId except) const;
    bool related_ok(GroupId g, NodeId n, Placing how) const;
    bool settled_on(GroupId g, NodeId holder) const;
    std::optional<GroupId> unready_predecessor(GroupId g) const;
    bool followers_held(GroupId g) const;
    bool follower_held_here(GroupId g) const;
    bool may_claim_here(GroupId g) const;
    void adopt_assignments();
    void adopt_pins();

    // operator_policy.cpp
    void init_policy();
    void change_policy(Policy next, const std::string& reason);
    void adopt_policy(const wire::Heartbeat& hb);
    void apply_policy(const Policy& old, const std::string& reason);
    void expire_policy();
    void enter_maintenance(GroupId g);
    void on_probed(const in::Probed& probed);
    void block(GroupId g, const std::string& reason);
    void fill_policy(wire::Heartbeat& hb) const;
    bool relearn_pending(GroupId g) const;  // some live node has not finished its probe
    bool found_elsewhere(GroupId g) const;  // a live peer found it running, unsettled
    NodeId found_node(GroupId g) const;     // the best eligible node that found it running
    void on_policy_command(const in::Command& command);

    // operator_requests.cpp
    void on_command(const in::Command& command);
    void handle_request(NodeId requester, const wire::Request& request);
    std::pair<bool, std::string> apply_switchover(GroupId g, NodeId to, std::uint32_t ttl_s);
    void on_acks(const wire::Heartbeat& hb);
    void expire_requests();
    void reply(std::uint64_t client, bool ok, std::string message);
};

}  // namespace hacluster::agent
