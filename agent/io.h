#pragma once
// The whole contract between the core and its driver (daemon or simulator):
// inputs fed to Agent::step(now, input), outputs drained by take_outputs().
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "agent/types.h"
#include "agent/wire.h"

namespace hacluster::agent {

enum class ScriptAction : std::uint8_t { start, stop };

// How a script run ended, kept apart from its exit code (Pacemaker results.h).
enum class ExecStatus : std::uint8_t {
    done,          // exited; exit_code is meaningful
    timed_out,     // killed by the runner after its timeout
    killed,        // died of a signal nobody asked for
    spawn_failed,  // never ran
    cancelled,     // killed because the core asked (CancelScript)
};

enum class CommandKind : std::uint8_t { switchover, standby, online, maintenance, cleanup };
enum class Switch : std::uint8_t { on, off };
enum class Fatal : std::uint8_t { no, yes };
enum class ProbeResult : std::uint8_t { stopped, running };

// The operator's cluster-wide policy as this node holds it (docs/design.md §3.5).
struct GroupPolicy {
    bool maintenance = false;
    std::optional<Instant> maintenance_until;  // local clock; nullopt: no TTL
    bool blocked = false;
    friend bool operator==(const GroupPolicy&, const GroupPolicy&) = default;
};
struct Policy {
    Term version = 0;
    NodeId by = no_node;
    bool cluster_maintenance = false;
    std::optional<Instant> cluster_until;
    std::vector<GroupPolicy> groups;        // indexed by GroupId
    std::vector<wire::Cleanup> cleanups;    // newest last, at most wire::max_cleanups
    bool in_maintenance(GroupId g) const {
        return cluster_maintenance || (g < groups.size() && groups[g].maintenance);
    }
    bool blocked(GroupId g) const { return g < groups.size() && groups[g].blocked; }
    friend bool operator==(const Policy&, const Policy&) = default;
};

namespace in {
struct Tick {};
// An authenticated-or-not datagram from a link; the core decodes and verifies it.
struct Packet {
    std::uint8_t link = 0;
    std::vector<std::uint8_t> bytes;
};
struct ScriptDone {
    std::uint64_t op = 0;
    ExecStatus status = ExecStatus::done;
    int exit_code = 0;
};
struct Command {
    std::uint64_t request = 0;  // echoed in the Reply
    CommandKind kind = CommandKind::switchover;
    std::string group;          // switchover
    std::string node;           // switchover target (empty: best other), standby/online node,
                                // cleanup node (empty: every node)
    Switch state = Switch::on;  // maintenance
    // switchover: keep the group there this long (none: a one-off move);
    // standby, maintenance: undone by itself after this long.
    std::optional<Duration> ttl = std::nullopt;
};
// The answer to out::Probe: whether any resource of the group runs here.
struct Probed {
    GroupId group = 0;
    ProbeResult result = ProbeResult::stopped;
};
// Graceful leave: release every group, announce it, then LeaveDone.
struct Shutdown {};
// The supervisor (design §4.3) began or finished stopping this group while the
// core was not running (paused). term is the one of the Guard it acted on: a
// report about an older term is ignored. While a supervisor stop is in flight the
// core treats the group as stopping and releases it only when it is done.
enum class SupervisorPhase : std::uint8_t { begun, done };
struct SupervisorStop {
    GroupId group = 0;
    Term term = 0;
    SupervisorPhase phase = SupervisorPhase::done;
};
// A resource of the group failed here beyond what restarting it in place may
// fix (the shell's monitors count the failures, resources/README.md): stop the
// group and let another node run it. term is the tenure the failure belongs to;
// a report about another term is ignored. The node then stays ineligible for the
// group for the start failure backoff, as after a failed start.
struct GroupFailed {
    GroupId group = 0;
    Term term = 0;
    std::string reason;  // e.g. "monitor_failed_web-ip"
    // A monitor said "not installed" or "not configured" (OCF 5, 6): no node
    // can run it, so the group is blocked cluster-wide until a cleanup.
    Fatal fatal = Fatal::no;
};
// The end of an out::Fence (docs/design.md §4.7): ok when a device reported the
// node off (exit 0); message says which device and how it ended.
struct FenceDone {
    std::uint64_t op = 0;
    bool ok = false;
    std::string message;
};
// The node's own health checks changed their verdict (daemon/health_checks.h):
// an unhealthy node runs no group and is placed none, like a node in standby,
// but keeps voting and counts for quorum. reason says which check failed, e.g.
// "disk-root failed: 3% free < 10%".
struct Health {
    bool healthy = true;
    std::string reason;
};
// A promotable group's unpromoted instance here (README "Promotable resources"):
// ready when it runs and its monitors find it healthy, not ready when it cannot be
// kept running. A node is eligible for a promotable group only while its instance
// is ready (it starts not ready); the node announces it in failed_groups. Ignored
// for groups that are not promotable. The group this node holds is not affected:
// its instance is the promoted one, watched as the group.
struct GroupReady {
    GroupId group = 0;
    bool ready = false;
    std::string reason;  // e.g. "unpromoted_running", "start_failed_db"
};
// What the shell's escalation (out::Escalate) achieved: covered when every
// resource of the group is an address the shell removed and saw gone (a native
// vip, IPaddr2's ip, ...): nothing of the group can run here any more. Otherwise
// the core self-fences (out::SelfFence). term is the Escalate's.
enum class Covered : std::uint8_t { no, yes };
struct Escalated {
    GroupId group = 0;
    Term term = 0;
    Covered covered = Covered::no;
    std::string message;  // what was killed and removed, or what failed
};
}  // namespace in

// now, given with every input, must be read after the input arrived (a packet
// received before the clock was read): a voter's renewal time must not be earlier
// than the moment it really received the heartbeat (design §4.2).
using Input = std::variant<in::Tick, in::Packet, in::ScriptDone, in::Command, in::Shutdown,
                           in::SupervisorStop, in::GroupFailed, in::FenceDone, in::Probed,
                           in::Health, in::GroupReady, in::Escalated>;

namespace out {
struct Send {
    NodeId to = no_node;
    std::uint8_t link = 0;
    std::vector<std::uint8_t> bytes;
};
struct RunScript {
    std::uint64_t op = 0;
    GroupId group = 0;
    ScriptAction action = ScriptAction::start;
    Term term = 0;          // HACLUSTER_TERM
    std::string reason;     // HACLUSTER_REASON
    Duration timeout{};
};
struct CancelScript {
    std::uint64_t op = 0;
};
struct Reply {
    std::uint64_t request = 0;
    bool ok = false;
    std::string message;
};
// The supervisor's instruction for one group: if the core has not renewed this by
// stop_at (local clock), stop the group so that it is down before the lease ends.
// stop_at == nullopt: the group is not held here, nothing to guard.
// escalate_at: if that stop has not succeeded by then, the supervisor escalates
// as the core would (out::Escalate, design §4.8): kill, remove addresses,
// self-fence unless the addresses were the whole group.
struct Guard {
    GroupId group = 0;
    Term term = 0;
    std::optional<Instant> stop_at;
    std::optional<Instant> escalate_at;
};
// design §4.8: the group's stop was not confirmed escalate_lead before the lease
// ends. At once, without forking or waiting: SIGKILL the process group of the
// group's action in flight (op, if any), remove every address the group's
// resources hold through netlink, and answer with in::Escalated.
struct Escalate {
    GroupId group = 0;
    Term term = 0;
    std::optional<std::uint64_t> op;
};
// The last step (design §4.8): the node cannot prove the group is down here
// before the lease ends elsewhere; the shell carries out the configured
// self_fence (reboot, command, or off) at once.
struct SelfFence {
    GroupId group = 0;
    Term term = 0;
    std::string reason;
};
// The record of a decision or an observed change; the shell logs it and turns it
// into hooks, the simulator into golden transcripts.
enum class TransitionKind : std::uint8_t {
    node_up,
    node_down,
    node_restarted,
    link_up,
    link_down,
    quorum_won,
    quorum_lost,
    coordinator_elected,  // this node became coordinator
    coordinator_changed,  // this node follows another coordinator
    assigned,             // coordinator placed a group
    claiming,
    starting,
    started,
    start_failed,
    failed,  // a running group failed here (in::GroupFailed)
    stopping,
    stopped,
    stop_failed,
    released,
    ready,      // this node's unpromoted instance of a promotable group is ready
    not_ready,  // ... is not: the node is not eligible for the group
    standby,
    online,
    unhealthy,  // this node's health checks failed (in::Health)
    healthy,    // and pass again
    left,
    fencing,       // the coordinator runs the fence devices against a silent holder
    fenced,        // a device reported it off
    fence_failed,  // every device failed; retried with a backoff
    blocked,          // the group is placed nowhere until a cleanup
    unblocked,
    maintenance_on,   // the group is unmanaged
    maintenance_off,  // managed again: probing what runs where
    cleanup,          // fail counts and failures of the group forgotten here
    found_running,    // the probe after maintenance found it running here
    escalating,       // a stop not confirmed before the lease ends: kill, remove addresses
    self_fencing,     // ... and what ran was not only addresses: self_fence
};
struct Transition {
    TransitionKind kind = TransitionKind::node_up;
    std::optional<GroupId> group;
    NodeId node = no_node;  // the node it is about
    Term term = 0;
    std::string reason;
};
struct LeaveDone {};
// Run `monitor` of every resource of the group and answer with in::Probed
// (after maintenance ends: the cluster re-learns what runs where).
struct Probe {
    GroupId group = 0;
};
// Store durably, like votes; AgentOptions::policy at the next start.
struct PersistPolicy {
    Policy policy;
};
// Store durably before sending this step's datagrams: the highest term this node
// granted for the group, and to whom (AgentOptions::votes at the next start).
struct PersistVote {
    GroupId group = 0;
    Term term = 0;
    NodeId holder = no_node;
};
// Power off (or reboot, per the config) a node that went silent while holding a
// group (docs/design.md §4.7): the shell tries the configured devices in order and
// answers with in::FenceDone{op}. incarnation is the process the core saw last.
struct Fence {
    std::uint64_t op = 0;
    NodeId node = no_node;
    Incarnation incarnation = 0;
};
}  // namespace out

using Output = std::variant<out::Send, out::RunScript, out::CancelScript, out::Reply, out::Guard,
                            out::Transition, out::LeaveDone, out::PersistVote, out::Fence, out::Probe,
                            out::PersistPolicy, out::Escalate, out::SelfFence>;

const char* to_string(out::TransitionKind kind);
const char* to_string(ExecStatus status);

}  // namespace hacluster::agent
