#pragma once
// The heartbeat protocol (docs/design.md §2): one message type, sent by every node
// to every peer on every link each interval, and at once when something a peer is
// waiting for changed. Versioned, bounded, authenticated with HMAC-SHA-256 over
// the whole message, replay-protected per sender.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "agent/types.h"

namespace hacluster::agent::wire {

inline constexpr std::uint8_t protocol_version = 1;
inline constexpr std::uint32_t magic = 0x48414331;  // "HAC1"
inline constexpr std::size_t max_datagram = 8192;
inline constexpr std::size_t mac_size = 32;
using Mac = std::array<std::uint8_t, mac_size>;

// What the sender knows of a peer it hears: acknowledges the newest sequence
// number received, which is how a holder learns that a quorum heard its claim.
struct PeerEntry {
    NodeId node = no_node;
    Incarnation incarnation = 0;
    Seq last_seq = 0;
    friend bool operator==(const PeerEntry&, const PeerEntry&) = default;
};

enum class ClaimState : std::uint8_t {
    claiming = 1,    // assigned here, asking for grants, not started
    starting = 2,    // lease held, start script running
    primary = 3,     // started, renewing the lease
    stopping = 4,    // stop script running
    released = 5,    // stopped cleanly: granters may free the grant at once
    stop_failed = 6, // stop failed: state unknown, nobody may take over
};

// The sender's role for one group, with the term it runs under (fencing token).
struct Claim {
    GroupId group = 0;
    ClaimState state = ClaimState::claiming;
    Term term = 0;
    friend bool operator==(const Claim&, const Claim&) = default;
};

// The sender's vote for one group: it grants (or last granted) the lease to
// holder under term; acked_seq is the holder's sequence number the latest renewal
// answered. holder == no_node: nothing granted; term is then the highest term ever
// granted (claims must exceed it).
struct Grant {
    GroupId group = 0;
    NodeId holder = no_node;
    Term term = 0;
    Seq acked_seq = 0;
    friend bool operator==(const Grant&, const Grant&) = default;
};

// The coordinator's placement of one group (no_node: nowhere eligible).
struct Assignment {
    GroupId group = 0;
    NodeId node = no_node;
    friend bool operator==(const Assignment&, const Assignment&) = default;
};

enum class RequestKind : std::uint8_t { switchover = 1, standby = 2, online = 3 };

// The longest TTL an operator may give (haclusterctl --ttl): 30 days, which keeps
// a remaining time in milliseconds within a u32 on the wire.
inline constexpr std::uint32_t max_ttl_s = 30 * 24 * 3600;
// Pins in force at once (switchover --ttl): what the datagram has room for.
inline constexpr std::size_t max_pins = 16;

// An operator request forwarded to the coordinator until it acknowledges it.
struct Request {
    std::uint32_t id = 0;          // unique per sender incarnation
    RequestKind kind = RequestKind::switchover;
    GroupId group = 0;             // switchover
    NodeId node = no_node;         // switchover target (no_node: best other), standby/online node
    std::uint32_t ttl_s = 0;       // switchover: pin the group there this long (0: no pin);
                                   // standby: cleared by itself after this long (0: never)
    friend bool operator==(const Request&, const Request&) = default;
};

// A switchover with a TTL still in force (design §3.6), published by the
// coordinator so that the next one carries it on. A remaining time, not an
// instant: clocks of different nodes are not comparable.
struct PinEntry {
    GroupId group = 0;
    NodeId node = no_node;
    std::uint32_t remaining_ms = 0;
    friend bool operator==(const PinEntry&, const PinEntry&) = default;
};

// The answer to a forwarded request, from the node that handled it: the
// coordinator for a switchover, the named node for standby / online.
struct RequestAck {
    NodeId requester = no_node;
    std::uint32_t id = 0;
    std::uint8_t ok = 1;  // 0: refused (e.g. target not eligible)
    friend bool operator==(const RequestAck&, const RequestAck&) = default;
};

// The acting coordinator's announcement that a fence device powered `node` off
// (docs/design.md §4.7): every process of that node up to `incarnation` is gone.
// A granter frees a grant it holds for that node under a term up to `term`.
struct Fenced {
    NodeId node = no_node;
    Incarnation incarnation = 0;
    Term term = 0;
    friend bool operator==(const Fenced&, const Fenced&) = default;
};

// Announcements per heartbeat: the datagram has room for this many beside the
// other sections at their limits; more nodes fenced within one grant hold wait.
inline constexpr std::size_t max_fenced = 16;

inline constexpr std::size_t max_cleanups = 8;
// Groups whose maintenance has a TTL at once: what the datagram has room for
// beside the other sections at their limits (the command refuses more).
inline constexpr std::size_t max_ttls = 16;

// One `haclusterctl cleanup`, carried until every node had the chance to apply it.
struct Cleanup {
    Term version = 0;       // the policy version that introduced it
    GroupId group = 0;
    NodeId node = no_node;  // no_node: every node
    friend bool operator==(const Cleanup&, const Cleanup&) = default;
};

// The operator's cluster-wide policy (docs/design.md §3.5): maintenance and
// blocked groups, recent cleanups. Every node carries the newest it knows; a
// higher (version, by) wins. Bit g of a mask is group g.
struct Policy {
    Term version = 0;
    NodeId by = no_node;  // who made this version (ties between equal versions)
    std::uint8_t cluster_maintenance = 0;
    std::uint32_t cluster_ttl_ms = 0;  // remaining, 0: no TTL
    std::uint64_t maintenance = 0;
    std::uint64_t blocked = 0;
    struct Ttl {
        GroupId group = 0;
        std::uint32_t ttl_ms = 0;  // remaining maintenance of that group
        friend bool operator==(const Ttl&, const Ttl&) = default;
    };
    std::vector<Ttl> ttls;
    std::vector<Cleanup> cleanups;
    friend bool operator==(const Policy&, const Policy&) = default;
};

enum class QuorumState : std::uint8_t { pending = 0, won = 1, lost = 2 };

// Flag bits of Heartbeat::flags.
inline constexpr std::uint8_t flag_coordinator = 0x01;  // sender acts as coordinator
inline constexpr std::uint8_t flag_standby = 0x02;      // sender is in standby
inline constexpr std::uint8_t flag_leaving = 0x04;      // sender is shutting down
inline constexpr std::uint8_t flag_quiet = 0x08;        // sender restarted recently, grants nothing yet
inline constexpr std::uint8_t flag_unhealthy = 0x10;    // sender's health checks fail
inline constexpr std::uint8_t flags_known = 0x1F;

struct Heartbeat {
    std::uint8_t version = protocol_version;
    std::uint64_t cluster_id = 0;
    NodeId sender = no_node;
    Incarnation incarnation = 0;
    Seq seq = 0;
    Term term = 0;                 // highest term the sender knows
    std::uint64_t config_hash = 0;
    std::uint8_t flags = 0;
    QuorumState quorum = QuorumState::pending;
    NodeId coordinator = no_node;  // whom the sender follows
    Term coordinator_term = 0;     // that coordinator's term
    std::vector<PeerEntry> view;   // peers the sender hears (within the timeout)
    std::vector<Claim> claims;
    std::vector<Grant> grants;
    std::vector<Assignment> assignments;  // only when flag_coordinator
    std::vector<std::uint16_t> failed_groups;  // groups whose start failed here recently
    std::vector<Request> requests;
    std::vector<RequestAck> acks;  // answers to requests other nodes forwarded here
    Policy policy;
    // After maintenance ends (design §3.5): groups the sender is still probing,
    // and groups it found running and has neither adopted nor stopped yet.
    std::uint64_t probing = 0;
    std::uint64_t found = 0;
    std::uint32_t standby_ttl_ms = 0;  // the sender's standby ends by itself in this long
    std::vector<PinEntry> pins;     // the pins the sender knows (the coordinator's are authoritative)
    // Optional trailing section, only when flag_coordinator: encoded only when not
    // empty, so heartbeats without it are byte for byte what older nodes send.
    std::vector<Fenced> fenced;
    friend bool operator==(const Heartbeat&, const Heartbeat&) = default;
};

// Computes the MAC over bytes with the cluster's shared key. Implemented outside
// agent/ (daemon/hmac_sha256.h, libsodium) so the core links nothing but the
// standard library.
class Authenticator {
public:
    virtual ~Authenticator() = default;
    virtual Mac compute(std::span<const std::uint8_t> bytes) const = 0;
};

enum class DecodeErrc : std::uint8_t {
    too_short,
    too_long,
    bad_magic,
    bad_version,
    truncated,      // a field runs past the end
    bad_field,      // a value out of its range
    trailing_bytes,
    bad_mac,
};

// Which field was bad and why; field is a stable dotted name such as
// "header.version" or "claims[2].state" (match on code and field, not on text).
// detail says what was wrong with the value in it, e.g. "unknown claim state 9",
// for logs; message() renders all three.
struct DecodeError {
    DecodeErrc code;
    std::string field;
    std::string detail{};
    std::string message() const;
};

// Encoded message including the trailing MAC. Never longer than max_datagram
// (the caller guarantees the limits of types.h; asserts otherwise).
std::vector<std::uint8_t> encode(const Heartbeat& message, const Authenticator& auth);

// Strict, bounds-checked: verifies the MAC first (constant time), then every
// field and count against its limit; never reads past bytes.
std::variant<Heartbeat, DecodeError> decode(std::span<const std::uint8_t> bytes,
                                            const Authenticator& auth);

const char* to_string(ClaimState state);
const char* to_string(QuorumState state);

}  // namespace hacluster::agent::wire
