// The heartbeat codec (docs/design.md §2). Layout, all integers little-endian,
// every size explicit, written and read byte by byte (never memcpy of structs, so
// padding, alignment and host byte order cannot leak onto the wire):
//
//   header (59 bytes)
//     magic u32, version u8, flags u8, quorum u8, cluster_id u64, sender u16,
//     incarnation u64, seq u64, term u64, config_hash u64, coordinator u16,
//     coordinator_term u64
//   sections, each a u16 count then fixed-size entries, in this order
//     view          node u16, incarnation u64, last_seq u64        (18 bytes)
//     claims        group u16, state u8, term u64                   (11 bytes)
//     grants        group u16, holder u16, term u64, acked_seq u64  (20 bytes)
//     assignments   group u16, node u16                             (4 bytes)
//     failed_groups group u16                                       (2 bytes)
//     requests      id u32, kind u8, group u16, node u16, ttl_s u32 (13 bytes)
//     acks          requester u16, id u32, ok u8                    (7 bytes)
//   policy (51 bytes): version u64, by u16, cluster_maintenance u8,
//     cluster_ttl_ms u32, maintenance u64, blocked u64, probing u64, found u64,
//     standby_ttl_ms u32; then three more sections
//     ttls          group u16, ttl_ms u32                           (6 bytes)
//     cleanups      version u64, group u16, node u16                (12 bytes)
//     pins          group u16, node u16, remaining_ms u32           (8 bytes)
//     fenced        node u16, incarnation u64, term u64             (18 bytes)
//                   optional: absent (no bytes at all) when empty
//   mac (32 bytes): HMAC-SHA-256 of every byte before it
#include "agent/wire.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

#include "agent/assert.h"

namespace hacluster::agent::wire {
namespace {

constexpr std::size_t header_size = 4 + 1 + 1 + 1 + 8 + 2 + 8 + 8 + 8 + 8 + 2 + 8;
constexpr std::size_t count_size = 2;
constexpr std::size_t section_count = 10;
constexpr std::size_t policy_size = 8 + 2 + 1 + 4 + 8 + 8 + 8 + 8 + 4;
constexpr std::size_t ttl_entry_size = 2 + 4;
constexpr std::size_t cleanup_entry_size = 8 + 2 + 2;
constexpr std::size_t view_entry_size = 2 + 8 + 8;
constexpr std::size_t claim_entry_size = 2 + 1 + 8;
constexpr std::size_t grant_entry_size = 2 + 2 + 8 + 8;
constexpr std::size_t assignment_entry_size = 2 + 2;
constexpr std::size_t failed_group_entry_size = 2;
constexpr std::size_t request_entry_size = 4 + 1 + 2 + 2 + 4;
constexpr std::size_t ack_entry_size = 2 + 4 + 1;
constexpr std::size_t pin_entry_size = 2 + 2 + 4;
constexpr std::size_t fenced_entry_size = 2 + 8 + 8;

constexpr std::size_t max_view = max_nodes;
constexpr std::size_t max_claims = max_groups;
constexpr std::size_t max_grants = max_groups;
constexpr std::size_t max_assignments = max_groups;
constexpr std::size_t max_failed_groups = max_groups;
constexpr std::size_t max_requests = max_pending_requests;
// The coordinator may owe every node an answer to each of its pending requests.
constexpr std::size_t max_acks = max_nodes * max_pending_requests;

// The smallest valid message: a header, every section empty, the MAC.
constexpr std::size_t min_message_size =
    header_size + section_count * count_size + policy_size + mac_size;

constexpr std::size_t max_message_size =
    header_size + section_count * count_size + max_view * view_entry_size +
    max_claims * claim_entry_size + max_grants * grant_entry_size +
    max_assignments * assignment_entry_size + max_failed_groups * failed_group_entry_size +
    max_requests * request_entry_size + max_acks * ack_entry_size + policy_size +
    max_ttls * ttl_entry_size + max_cleanups * cleanup_entry_size + max_pins * pin_entry_size +
    count_size + max_fenced * fenced_entry_size + mac_size;
static_assert(max_groups <= 64, "group masks are u64 on the wire");

// With this, every message within the limits of types.h fits in one datagram, so
// the size assert in encode() can only fire if the limits above are broken.
static_assert(max_message_size <= max_datagram, "limits of types.h exceed max_datagram");
static_assert(max_acks <= 0xFFFF, "section counts are u16 on the wire");

// Value rules, shared by encode (which asserts them: the core must never send what
// every peer would reject) and decode (which reports them).
bool is_node(std::uint64_t node) { return node < max_nodes; }
bool is_node_or_none(std::uint64_t node) { return node < max_nodes || node == no_node; }
bool is_group(std::uint64_t group) { return group < max_groups; }
bool is_known_flags(std::uint64_t flags) { return (flags & ~std::uint64_t{flags_known}) == 0; }
bool is_quorum_state(std::uint64_t quorum) {
    return quorum <= static_cast<std::uint8_t>(QuorumState::lost);
}
bool is_claim_state(std::uint64_t state) {
    return state >= static_cast<std::uint8_t>(ClaimState::claiming) &&
           state <= static_cast<std::uint8_t>(ClaimState::stop_failed);
}
bool is_request_kind(std::uint64_t kind) {
    return kind >= static_cast<std::uint8_t>(RequestKind::switchover) &&
           kind <= static_cast<std::uint8_t>(RequestKind::online);
}
bool is_ok_flag(std::uint64_t ok) { return ok <= 1; }
bool is_ttl(std::uint64_t ttl_s) { return ttl_s <= max_ttl_s; }
bool is_remaining(std::uint64_t ms) { return ms <= std::uint64_t{max_ttl_s} * 1000; }

// Appends integers little-endian, byte by byte.
class Writer {
public:
    explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}

    void u8(std::uint8_t value) { out_.push_back(value); }
    void u16(std::uint16_t value) { put(value, 2); }
    void u32(std::uint32_t value) { put(value, 4); }
    void u64(std::uint64_t value) { put(value, 8); }
    void count(std::size_t n) { u16(static_cast<std::uint16_t>(n)); }

private:
    void put(std::uint64_t value, std::size_t size) {
        for (std::size_t i = 0; i < size; ++i) {
            out_.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
        }
    }

    std::vector<std::uint8_t>& out_;
};

std::size_t encoded_size(const Heartbeat& m) {
    return header_size + section_count * count_size + m.view.size() * view_entry_size +
           m.claims.size() * claim_entry_size + m.grants.size() * grant_entry_size +
           m.assignments.size() * assignment_entry_size +
           m.failed_groups.size() * failed_group_entry_size +
           m.requests.size() * request_entry_size + m.acks.size() * ack_entry_size + policy_size +
           m.policy.ttls.size() * ttl_entry_size + m.policy.cleanups.size() * cleanup_entry_size +
           m.pins.size() * pin_entry_size +
           (m.fenced.empty() ? 0 : count_size + m.fenced.size() * fenced_entry_size) + mac_size;
}

void assert_encodable(const Heartbeat& m) {
    HA_ASSERT(m.version == protocol_version);
    HA_ASSERT(is_known_flags(m.flags));
    HA_ASSERT(is_quorum_state(static_cast<std::uint8_t>(m.quorum)));
    HA_ASSERT(is_node(m.sender));
    HA_ASSERT(is_node_or_none(m.coordinator));
    HA_ASSERT(m.view.size() <= max_view);
    HA_ASSERT(m.claims.size() <= max_claims);
    HA_ASSERT(m.grants.size() <= max_grants);
    HA_ASSERT(m.assignments.size() <= max_assignments);
    HA_ASSERT(m.failed_groups.size() <= max_failed_groups);
    HA_ASSERT(m.requests.size() <= max_requests);
    HA_ASSERT(m.acks.size() <= max_acks);
    HA_ASSERT(is_node_or_none(m.policy.by));
    HA_ASSERT(m.policy.cluster_maintenance <= 1);
    HA_ASSERT(m.policy.ttls.size() <= max_ttls);
    HA_ASSERT(m.policy.cleanups.size() <= max_cleanups);
    for (const Policy::Ttl& t : m.policy.ttls) HA_ASSERT(is_group(t.group));
    for (const Cleanup& c : m.policy.cleanups) {
        HA_ASSERT(is_group(c.group));
        HA_ASSERT(is_node_or_none(c.node));
    }
    HA_ASSERT(m.pins.size() <= max_pins);
    for (const PeerEntry& e : m.view) HA_ASSERT(is_node(e.node));
    for (const Claim& c : m.claims) {
        HA_ASSERT(is_group(c.group));
        HA_ASSERT(is_claim_state(static_cast<std::uint8_t>(c.state)));
    }
    for (const Grant& g : m.grants) {
        HA_ASSERT(is_group(g.group));
        HA_ASSERT(is_node_or_none(g.holder));
    }
    for (const Assignment& a : m.assignments) {
        HA_ASSERT(is_group(a.group));
        HA_ASSERT(is_node_or_none(a.node));
    }
    for (std::uint16_t g : m.failed_groups) HA_ASSERT(is_group(g));
    for (const Request& r : m.requests) {
        HA_ASSERT(is_request_kind(static_cast<std::uint8_t>(r.kind)));
        HA_ASSERT(is_group(r.group));
        HA_ASSERT(is_node_or_none(r.node));
        HA_ASSERT(is_ttl(r.ttl_s));
    }
    for (const RequestAck& a : m.acks) {
        HA_ASSERT(is_node(a.requester));
        HA_ASSERT(is_ok_flag(a.ok));
    }
    for (const PinEntry& p : m.pins) {
        HA_ASSERT(is_group(p.group));
        HA_ASSERT(is_node(p.node));
        HA_ASSERT(is_remaining(p.remaining_ms));
    }
    HA_ASSERT(m.fenced.size() <= max_fenced);
    for (const Fenced& f : m.fenced) HA_ASSERT(is_node(f.node));
}

// Names a field without building a string: decoding a valid packet allocates no
// names; only an error renders one ("claims[2].state", "view.count", "failed_groups[0]").
struct Field {
    static constexpr std::size_t no_index = static_cast<std::size_t>(-1);
    const char* section;
    const char* member = nullptr;
    std::size_t index = no_index;
};

std::string render(const Field& f) {
    std::string name = f.section;
    if (f.index != Field::no_index) {
        name += '[';
        name += std::to_string(f.index);
        name += ']';
    }
    if (f.member != nullptr) {
        name += '.';
        name += f.member;
    }
    return name;
}

std::string hex(std::uint64_t value, int digits) {
    static constexpr char digit[] = "0123456789abcdef";
    std::string out = "0x";
    for (int i = digits - 1; i >= 0; --i) out += digit[(value >> (4 * i)) & 0xF];
    return out;
}

// Reads the authenticated body field by field. Every read is bounds-checked; the
// first failure is kept and every later read fails too, so the parse code below
// can read a whole entry and check once.
class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> body) : body_(body) {}

    bool failed() const { return error_.has_value(); }
    DecodeError take_error() { return std::move(*error_); }
    std::size_t remaining() const { return body_.size() - pos_; }

    template <typename T>
    bool read(T& out, const Field& field) {
        if (failed()) return false;
        if (remaining() < sizeof(T)) {
            return fail(DecodeErrc::truncated, field,
                        "needs " + std::to_string(sizeof(T)) + " bytes, " +
                            std::to_string(remaining()) + " left before the MAC");
        }
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i) {
            value |= std::uint64_t{body_[pos_ + i]} << (8 * i);
        }
        pos_ += sizeof(T);
        out = static_cast<T>(value);
        return true;
    }

    bool fail(DecodeErrc code, const Field& field, std::string detail) {
        if (!failed()) error_ = DecodeError{code, render(field), std::move(detail)};
        return false;
    }

    // Reads a value and checks it against a rule; detail is built only on failure.
    template <typename T, typename Valid, typename Describe>
    bool read_checked(T& out, const Field& field, Valid valid, Describe describe) {
        if (!read(out, field)) return false;
        if (!valid(out)) return fail(DecodeErrc::bad_field, field, describe(out));
        return true;
    }

    bool read_node(NodeId& out, const Field& field) {
        return read_checked(out, field, is_node, [](std::uint64_t v) {
            return "node " + std::to_string(v) + " out of range (max_nodes " +
                   std::to_string(max_nodes) + ")";
        });
    }
    bool read_node_or_none(NodeId& out, const Field& field) {
        return read_checked(out, field, is_node_or_none, [](std::uint64_t v) {
            return "node " + std::to_string(v) + " out of range (max_nodes " +
                   std::to_string(max_nodes) + ", or no_node)";
        });
    }
    bool read_group(GroupId& out, const Field& field) {
        return read_checked(out, field, is_group, [](std::uint64_t v) {
            return "group " + std::to_string(v) + " out of range (max_groups " +
                   std::to_string(max_groups) + ")";
        });
    }
    bool read_count(std::size_t& out, const char* section, std::size_t limit) {
        std::uint16_t n = 0;
        const bool ok = read_checked(
            n, Field{section, "count"}, [limit](std::uint64_t v) { return v <= limit; },
            [limit](std::uint64_t v) {
                return "count " + std::to_string(v) + " exceeds limit " + std::to_string(limit);
            });
        out = n;
        return ok;
    }

private:
    std::span<const std::uint8_t> body_;
    std::size_t pos_ = 0;
    std::optional<DecodeError> error_;
};

// Compares in time that depends only on the length, so a forger learns nothing
// from how fast a guess is rejected.
bool equal_constant_time(std::span<const std::uint8_t> a, const Mac& b) {
    if (a.size() != b.size()) return false;
    volatile std::uint8_t diff = 0;
    for (std::size_t i = 0; i < b.size(); ++i) diff = diff | (a[i] ^ b[i]);
    return diff == 0;
}

bool read_header(Reader& r, Heartbeat& m) {
    std::uint32_t got_magic = 0;
    if (!r.read(got_magic, Field{"header", "magic"})) return false;
    if (got_magic != magic) {
        return r.fail(DecodeErrc::bad_magic, Field{"header", "magic"},
                      "expected " + hex(magic, 8) + ", got " + hex(got_magic, 8));
    }
    if (!r.read(m.version, Field{"header", "version"})) return false;
    if (m.version != protocol_version) {
        return r.fail(DecodeErrc::bad_version, Field{"header", "version"},
                      "version " + std::to_string(m.version) + " not supported (expected " +
                          std::to_string(protocol_version) + ")");
    }
    r.read_checked(m.flags, Field{"header", "flags"}, is_known_flags, [](std::uint64_t v) {
        return "unknown flag bits " + hex(v & ~std::uint64_t{flags_known}, 2) + " in " +
               hex(v, 2);
    });
    std::uint8_t quorum = 0;
    r.read_checked(quorum, Field{"header", "quorum"}, is_quorum_state, [](std::uint64_t v) {
        return "unknown quorum state " + std::to_string(v);
    });
    m.quorum = static_cast<QuorumState>(quorum);
    r.read(m.cluster_id, Field{"header", "cluster_id"});
    r.read_node(m.sender, Field{"header", "sender"});
    r.read(m.incarnation, Field{"header", "incarnation"});
    r.read(m.seq, Field{"header", "seq"});
    r.read(m.term, Field{"header", "term"});
    r.read(m.config_hash, Field{"header", "config_hash"});
    r.read_node_or_none(m.coordinator, Field{"header", "coordinator"});
    r.read(m.coordinator_term, Field{"header", "coordinator_term"});
    return !r.failed();
}

bool read_sections(Reader& r, Heartbeat& m) {
    std::size_t n = 0;

    if (!r.read_count(n, "view", max_view)) return false;
    m.view.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        PeerEntry& e = m.view[i];
        r.read_node(e.node, Field{"view", "node", i});
        r.read(e.incarnation, Field{"view", "incarnation", i});
        if (!r.read(e.last_seq, Field{"view", "last_seq", i})) return false;
    }

    if (!r.read_count(n, "claims", max_claims)) return false;
    m.claims.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        Claim& c = m.claims[i];
        r.read_group(c.group, Field{"claims", "group", i});
        std::uint8_t state = 0;
        r.read_checked(state, Field{"claims", "state", i}, is_claim_state, [](std::uint64_t v) {
            return "unknown claim state " + std::to_string(v);
        });
        c.state = static_cast<ClaimState>(state);
        if (!r.read(c.term, Field{"claims", "term", i})) return false;
    }

    if (!r.read_count(n, "grants", max_grants)) return false;
    m.grants.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        Grant& g = m.grants[i];
        r.read_group(g.group, Field{"grants", "group", i});
        r.read_node_or_none(g.holder, Field{"grants", "holder", i});
        r.read(g.term, Field{"grants", "term", i});
        if (!r.read(g.acked_seq, Field{"grants", "acked_seq", i})) return false;
    }

    if (!r.read_count(n, "assignments", max_assignments)) return false;
    m.assignments.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        Assignment& a = m.assignments[i];
        r.read_group(a.group, Field{"assignments", "group", i});
        if (!r.read_node_or_none(a.node, Field{"assignments", "node", i})) return false;
    }

    if (!r.read_count(n, "failed_groups", max_failed_groups)) return false;
    m.failed_groups.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (!r.read_group(m.failed_groups[i], Field{"failed_groups", nullptr, i})) return false;
    }

    if (!r.read_count(n, "requests", max_requests)) return false;
    m.requests.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        Request& q = m.requests[i];
        r.read(q.id, Field{"requests", "id", i});
        std::uint8_t kind = 0;
        r.read_checked(kind, Field{"requests", "kind", i}, is_request_kind, [](std::uint64_t v) {
            return "unknown request kind " + std::to_string(v);
        });
        q.kind = static_cast<RequestKind>(kind);
        r.read_group(q.group, Field{"requests", "group", i});
        r.read_node_or_none(q.node, Field{"requests", "node", i});
        if (!r.read_checked(q.ttl_s, Field{"requests", "ttl_s", i}, is_ttl, [](std::uint64_t v) {
                return "ttl " + std::to_string(v) + " s exceeds " + std::to_string(max_ttl_s);
            })) {
            return false;
        }
    }

    if (!r.read_count(n, "acks", max_acks)) return false;
    m.acks.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        RequestAck& a = m.acks[i];
        r.read_node(a.requester, Field{"acks", "requester", i});
        r.read(a.id, Field{"acks", "id", i});
        if (!r.read_checked(a.ok, Field{"acks", "ok", i}, is_ok_flag, [](std::uint64_t v) {
                return "ok must be 0 or 1, got " + std::to_string(v);
            })) {
            return false;
        }
    }

    Policy& p = m.policy;
    r.read(p.version, Field{"policy", "version"});
    r.read_node_or_none(p.by, Field{"policy", "by"});
    r.read_checked(p.cluster_maintenance, Field{"policy", "cluster_maintenance"}, is_ok_flag,
                   [](std::uint64_t v) { return "must be 0 or 1, got " + std::to_string(v); });
    r.read(p.cluster_ttl_ms, Field{"policy", "cluster_ttl_ms"});
    r.read(p.maintenance, Field{"policy", "maintenance"});
    r.read(p.blocked, Field{"policy", "blocked"});
    r.read(m.probing, Field{"policy", "probing"});
    r.read(m.found, Field{"policy", "found"});
    if (!r.read(m.standby_ttl_ms, Field{"policy", "standby_ttl_ms"})) return false;
    if (!r.read_count(n, "ttls", max_ttls)) return false;
    p.ttls.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        r.read_group(p.ttls[i].group, Field{"ttls", "group", i});
        if (!r.read(p.ttls[i].ttl_ms, Field{"ttls", "ttl_ms", i})) return false;
    }
    if (!r.read_count(n, "cleanups", max_cleanups)) return false;
    p.cleanups.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        Cleanup& c = p.cleanups[i];
        r.read(c.version, Field{"cleanups", "version", i});
        r.read_group(c.group, Field{"cleanups", "group", i});
        if (!r.read_node_or_none(c.node, Field{"cleanups", "node", i})) return false;
    }
    if (!r.read_count(n, "pins", max_pins)) return false;
    m.pins.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        PinEntry& pin = m.pins[i];
        r.read_group(pin.group, Field{"pins", "group", i});
        r.read_node(pin.node, Field{"pins", "node", i});
        if (!r.read_checked(pin.remaining_ms, Field{"pins", "remaining_ms", i}, is_remaining,
                            [](std::uint64_t v) {
                                return "remaining " + std::to_string(v) + " ms exceeds the longest TTL";
                            })) {
            return false;
        }
    }

    // Optional: absent when the sender announces nothing (and from older nodes).
    if (r.remaining() == 0) return true;
    if (!r.read_count(n, "fenced", max_fenced)) return false;
    if (n == 0) {
        // One encoding per message: an empty section is left out, never sent empty.
        return r.fail(DecodeErrc::bad_field, Field{"fenced", "count"}, "0: an empty section is left out");
    }
    m.fenced.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        Fenced& f = m.fenced[i];
        r.read_node(f.node, Field{"fenced", "node", i});
        r.read(f.incarnation, Field{"fenced", "incarnation", i});
        if (!r.read(f.term, Field{"fenced", "term", i})) return false;
    }
    return true;
}

const char* describe(DecodeErrc code) {
    switch (code) {
        case DecodeErrc::too_short: return "message too short";
        case DecodeErrc::too_long: return "message too long";
        case DecodeErrc::bad_magic: return "bad magic";
        case DecodeErrc::bad_version: return "bad version";
        case DecodeErrc::truncated: return "truncated field";
        case DecodeErrc::bad_field: return "bad field";
        case DecodeErrc::trailing_bytes: return "trailing bytes";
        case DecodeErrc::bad_mac: return "bad MAC";
    }
    return "unknown decode error";
}

}  // namespace

std::vector<std::uint8_t> encode(const Heartbeat& m, const Authenticator& auth) {
    assert_encodable(m);
    const std::size_t size = encoded_size(m);
    HA_ASSERT(size <= max_datagram);

    std::vector<std::uint8_t> out;
    out.reserve(size);
    Writer w(out);

    w.u32(magic);
    w.u8(m.version);
    w.u8(m.flags);
    w.u8(static_cast<std::uint8_t>(m.quorum));
    w.u64(m.cluster_id);
    w.u16(m.sender);
    w.u64(m.incarnation);
    w.u64(m.seq);
    w.u64(m.term);
    w.u64(m.config_hash);
    w.u16(m.coordinator);
    w.u64(m.coordinator_term);

    w.count(m.view.size());
    for (const PeerEntry& e : m.view) {
        w.u16(e.node);
        w.u64(e.incarnation);
        w.u64(e.last_seq);
    }
    w.count(m.claims.size());
    for (const Claim& c : m.claims) {
        w.u16(c.group);
        w.u8(static_cast<std::uint8_t>(c.state));
        w.u64(c.term);
    }
    w.count(m.grants.size());
    for (const Grant& g : m.grants) {
        w.u16(g.group);
        w.u16(g.holder);
        w.u64(g.term);
        w.u64(g.acked_seq);
    }
    w.count(m.assignments.size());
    for (const Assignment& a : m.assignments) {
        w.u16(a.group);
        w.u16(a.node);
    }
    w.count(m.failed_groups.size());
    for (std::uint16_t g : m.failed_groups) w.u16(g);
    w.count(m.requests.size());
    for (const Request& r : m.requests) {
        w.u32(r.id);
        w.u8(static_cast<std::uint8_t>(r.kind));
        w.u16(r.group);
        w.u16(r.node);
        w.u32(r.ttl_s);
    }
    w.count(m.acks.size());
    for (const RequestAck& a : m.acks) {
        w.u16(a.requester);
        w.u32(a.id);
        w.u8(a.ok);
    }
    const Policy& p = m.policy;
    w.u64(p.version);
    w.u16(p.by);
    w.u8(p.cluster_maintenance);
    w.u32(p.cluster_ttl_ms);
    w.u64(p.maintenance);
    w.u64(p.blocked);
    w.u64(m.probing);
    w.u64(m.found);
    w.u32(m.standby_ttl_ms);
    w.count(p.ttls.size());
    for (const Policy::Ttl& t : p.ttls) {
        w.u16(t.group);
        w.u32(t.ttl_ms);
    }
    w.count(p.cleanups.size());
    for (const Cleanup& c : p.cleanups) {
        w.u64(c.version);
        w.u16(c.group);
        w.u16(c.node);
    }
    w.count(m.pins.size());
    for (const PinEntry& pin : m.pins) {
        w.u16(pin.group);
        w.u16(pin.node);
        w.u32(pin.remaining_ms);
    }
    if (!m.fenced.empty()) {
        w.count(m.fenced.size());
        for (const Fenced& f : m.fenced) {
            w.u16(f.node);
            w.u64(f.incarnation);
            w.u64(f.term);
        }
    }

    const Mac mac = auth.compute(out);
    out.insert(out.end(), mac.begin(), mac.end());
    HA_ASSERT(out.size() == size);
    return out;
}

std::variant<Heartbeat, DecodeError> decode(std::span<const std::uint8_t> bytes,
                                            const Authenticator& auth) {
    if (bytes.size() < min_message_size) {
        return DecodeError{DecodeErrc::too_short, "message.size",
                           std::to_string(bytes.size()) + " bytes, minimum " +
                               std::to_string(min_message_size)};
    }
    if (bytes.size() > max_datagram) {
        return DecodeError{DecodeErrc::too_long, "message.size",
                           std::to_string(bytes.size()) + " bytes, maximum " +
                               std::to_string(max_datagram)};
    }

    // Authenticate before looking at any field: an attacker without the key gets
    // no parser surface beyond the size checks above (docs/design.md §2).
    const std::span<const std::uint8_t> body = bytes.first(bytes.size() - mac_size);
    const std::span<const std::uint8_t> mac = bytes.last(mac_size);
    if (!equal_constant_time(mac, auth.compute(body))) {
        return DecodeError{DecodeErrc::bad_mac, "mac",
                           "does not match the cluster key (wrong key or corrupted)"};
    }

    Heartbeat m;
    Reader r(body);
    if (!read_header(r, m) || !read_sections(r, m)) return r.take_error();
    if (r.remaining() != 0) {
        return DecodeError{DecodeErrc::trailing_bytes, "trailing",
                           std::to_string(r.remaining()) + " bytes after the last section"};
    }
    return m;
}

std::string DecodeError::message() const {
    std::string out = describe(code);
    if (!field.empty()) {
        out += ' ';
        out += field;
    }
    if (!detail.empty()) {
        out += ": ";
        out += detail;
    }
    return out;
}

const char* to_string(ClaimState state) {
    switch (state) {
        case ClaimState::claiming: return "claiming";
        case ClaimState::starting: return "starting";
        case ClaimState::primary: return "primary";
        case ClaimState::stopping: return "stopping";
        case ClaimState::released: return "released";
        case ClaimState::stop_failed: return "stop_failed";
    }
    return "unknown";
}

const char* to_string(QuorumState state) {
    switch (state) {
        case QuorumState::pending: return "pending";
        case QuorumState::won: return "won";
        case QuorumState::lost: return "lost";
    }
    return "unknown";
}

}  // namespace hacluster::agent::wire
