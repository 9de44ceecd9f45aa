#pragma once
// The per-node core (docs/design.md): membership and failure detection, quorum,
// coordinator election, placement, lease grants and the role of this node for
// every group. Pure and deterministic: fed step(now, input), drained with
// take_outputs(). No I/O, no clock reads, no threads; all state is instance state
// so a simulator runs many agents in one process.
#include <memory>
#include <optional>
#include <vector>

#include "agent/config.h"
#include "agent/io.h"
#include "agent/wire.h"

namespace hacluster::agent {

// Deliberately broken behaviour, only for proving that the simulator's checker
// can fail (hacluster-sim --unsafe-skip-lease, --unsafe-no-escalation). Never set
// by the daemon.
enum class Safety : std::uint8_t {
    normal,
    unsafe_skip_lease,     // grants ignore a grant still held by another node
    unsafe_no_escalation,  // a stop that overruns the lease is left running (no out::Escalate)
};

// A vote this node must remember across restarts (design §4.1): the highest
// term it ever granted for a group and to whom. The shell stores every
// out::PersistVote durably before it sends the datagrams of the same step, and
// hands the stored votes back at start-up.
struct PersistedVote {
    GroupId group = 0;
    Term term = 0;
    NodeId holder = no_node;
    friend bool operator==(const PersistedVote&, const PersistedVote&) = default;
};

// A group this node ran as primary in its previous process, handed over by the
// supervisor that guarded it (docs/design.md §8): the term it ran under and the
// stop_at of its last guard. The new core takes it up as primary with a lease
// that ends where the old one did (stop_at + stop lead), until the granters
// renew it; the resources never stop.
struct ResumedGroup {
    GroupId group = 0;
    Term term = 0;
    Instant stop_at{};
};

struct AgentOptions {
    // Must grow across restarts of the same node (the daemon uses wall-clock
    // microseconds at start-up): peers reject packets of older incarnations.
    Incarnation incarnation = 1;
    std::uint64_t seed = 1;  // the core's own PRNG (request ids, jitter)
    Safety safety = Safety::normal;
    std::vector<PersistedVote> votes;  // as stored by earlier runs of this node
    std::vector<ResumedGroup> resume;  // from the previous process's supervisor
    std::optional<Policy> policy = std::nullopt;  // as stored by earlier runs (out::PersistPolicy)
};

enum class Role : std::uint8_t { standby, claiming, starting, primary, stopping, stop_failed };
const char* to_string(Role role);

struct LinkView {
    bool up = false;
    std::optional<Instant> last_heard;
};

// This node's fencing record of a peer (design §4.7).
struct FenceView {
    bool needed = false;     // went silent while holding a group; not fenced yet
    bool in_flight = false;  // a fence runs now (only on the coordinator)
    std::uint32_t failures = 0;       // failed fences in a row
    std::optional<Instant> retry_at;  // the next attempt, after a failure
    bool announced = false;  // fenced: the coordinator announces it to the granters
};

struct PeerView {
    NodeId node = no_node;
    bool alive = false;  // heard on some link within the timeout
    Incarnation incarnation = 0;
    std::vector<LinkView> links;
    bool standby = false;
    std::optional<Duration> standby_ttl;  // remaining, when the standby ends by itself
    bool healthy = true;  // its health checks pass (as last heard)
    bool leaving = false;
    wire::QuorumState quorum = wire::QuorumState::pending;
    FenceView fence;
};

struct GroupView {
    GroupId group = 0;
    Role role = Role::standby;
    Term term = 0;
    std::optional<Instant> lease_end;  // while this node holds the lease
    NodeId assigned = no_node;         // the coordinator's placement as known here
    NodeId holder = no_node;           // who runs it, as far as this node knows
    bool failed_here = false;          // a start failed here recently
    bool maintenance = false;          // unmanaged (cluster-wide or this group)
    bool blocked = false;
    bool probing = false;              // after maintenance: probe running here
    bool found = false;                // after maintenance: found running here, unsettled
    NodeId pinned_to = no_node;        // a switchover --ttl in force (design §3.6)
    std::optional<Instant> pinned_until;
    bool ready_here = true;            // promotable: this node's unpromoted instance is ready
    std::vector<NodeId> eligible;      // nodes that may run it now, as this node sees them
};

// This node's vote for one group (docs/design.md §4).
struct GrantView {
    NodeId holder = no_node;  // no_node: free
    Term term = 0;            // of the holder, or the highest ever granted when free
    std::optional<Instant> held_until;  // no other holder before this, local clock
};

struct View {
    NodeId self = no_node;
    Incarnation incarnation = 0;
    wire::QuorumState quorum = wire::QuorumState::pending;
    std::uint32_t votes_present = 0;
    std::uint32_t votes_needed = 0;
    NodeId coordinator = no_node;
    bool is_coordinator = false;
    Term term = 0;
    bool standby = false;
    bool healthy = true;  // the last in::Health said so (or none came yet)
    bool leaving = false;
    std::uint64_t packets_rejected = 0;  // undecodable, forged, replayed or foreign datagrams
    std::vector<PeerView> peers;    // indexed by NodeId, self included (alive)
    std::vector<GroupView> groups;  // indexed by GroupId
    std::vector<GrantView> grants;  // indexed by GroupId
    Policy policy;
};

class Agent {
public:
    Agent(const ClusterConfig& config, NodeId self, const wire::Authenticator& auth,
          AgentOptions options, Instant start);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    // The only mutator. now must not go backwards (asserted).
    void step(Instant now, const Input& input);
    std::vector<Output> take_outputs();
    View view() const;

private:
    struct State;
    std::unique_ptr<State> s_;
};

}  // namespace hacluster::agent
