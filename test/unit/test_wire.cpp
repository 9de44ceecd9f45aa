// The heartbeat codec (agent/wire.h) and its HMAC (daemon/hmac_sha256.h).
//
// The MAC covers the whole message, so a corrupted or truncated packet fails the
// MAC before any field is read. To reach the field checks, corrupt() rewrites a
// field in an encoded message and signs it again with the same key: a sender that
// holds the key but sends garbage (a bug, or an incompatible build).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "agent/prng.h"
#include "agent/wire.h"
#include "daemon/hmac_sha256.h"

namespace {

using namespace hacluster::agent;
using namespace hacluster::agent::wire;
using hacluster::daemon::HmacSha256;
using Bytes = std::vector<std::uint8_t>;

Bytes key_bytes(std::uint8_t first, std::size_t size = 32) {
    Bytes key(size);
    for (std::size_t i = 0; i < size; ++i) key[i] = static_cast<std::uint8_t>(first + i);
    return key;
}

const HmacSha256& test_auth() {
    static const HmacSha256 auth = *HmacSha256::from_key(key_bytes(0));
    return auth;
}

Bytes from_hex(const std::string& hex) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digit[] = "0123456789abcdef";
    std::string out;
    for (std::uint8_t b : bytes) {
        out += digit[b >> 4];
        out += digit[b & 0xF];
    }
    return out;
}

// The layout restated here, independently of agent/wire.cpp, so that a change
// of the format shows up as a failing test and not only as a changed encoder.
constexpr std::size_t off_magic = 0;
constexpr std::size_t off_version = 4;
constexpr std::size_t off_flags = 5;
constexpr std::size_t off_quorum = 6;
constexpr std::size_t off_sender = 15;
constexpr std::size_t off_coordinator = 49;
constexpr std::size_t header_size = 59;
constexpr std::size_t policy_size = 51;
constexpr std::size_t min_size = header_size + 7 * 2 + policy_size + 3 * 2 + mac_size;

struct Section {
    std::size_t count_offset;
    std::size_t entry_size;
    std::size_t entry(std::size_t i, std::size_t member_offset) const {
        return count_offset + 2 + i * entry_size + member_offset;
    }
};

struct Layout {
    Section view, claims, grants, assignments, failed_groups, requests, acks;
    std::size_t policy;  // version u64, by u16, cluster_maintenance u8, ...
    Section ttls, cleanups, pins;
    std::size_t mac;
};

Layout layout_of(const Heartbeat& m) {
    Layout l{};
    std::size_t at = header_size;
    auto next = [&at](std::size_t count, std::size_t entry_size) {
        const Section s{at, entry_size};
        at += 2 + count * entry_size;
        return s;
    };
    l.view = next(m.view.size(), 18);
    l.claims = next(m.claims.size(), 11);
    l.grants = next(m.grants.size(), 20);
    l.assignments = next(m.assignments.size(), 4);
    l.failed_groups = next(m.failed_groups.size(), 2);
    l.requests = next(m.requests.size(), 13);
    l.acks = next(m.acks.size(), 7);
    l.policy = at;
    at += policy_size;
    l.ttls = next(m.policy.ttls.size(), 6);
    l.cleanups = next(m.policy.cleanups.size(), 12);
    l.pins = next(m.pins.size(), 8);
    l.mac = at;
    return l;
}

void put_le(Bytes& bytes, std::size_t offset, std::uint64_t value, std::size_t size) {
    REQUIRE(offset + size <= bytes.size() - mac_size);
    for (std::size_t i = 0; i < size; ++i) {
        bytes[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
    }
}

// Replaces the trailing MAC with one computed over the (modified) body.
void resign(Bytes& bytes, const Authenticator& auth = test_auth()) {
    REQUIRE(bytes.size() >= mac_size);
    const std::span<const std::uint8_t> body(bytes.data(), bytes.size() - mac_size);
    const Mac mac = auth.compute(body);
    std::copy(mac.begin(), mac.end(), bytes.end() - static_cast<std::ptrdiff_t>(mac_size));
}

Bytes corrupt(const Heartbeat& m, std::size_t offset, std::uint64_t value, std::size_t size) {
    Bytes bytes = encode(m, test_auth());
    put_le(bytes, offset, value, size);
    resign(bytes);
    return bytes;
}

DecodeError decode_error(std::span<const std::uint8_t> bytes,
                         const Authenticator& auth = test_auth()) {
    auto result = decode(bytes, auth);
    REQUIRE(std::holds_alternative<DecodeError>(result));
    return std::get<DecodeError>(std::move(result));
}

Heartbeat decode_ok(std::span<const std::uint8_t> bytes) {
    auto result = decode(bytes, test_auth());
    if (auto* error = std::get_if<DecodeError>(&result)) FAIL(error->message());
    return std::get<Heartbeat>(std::move(result));
}

Heartbeat header_only() {
    Heartbeat m;
    m.cluster_id = 0x1122334455667788;
    m.sender = 2;
    m.incarnation = 7;
    m.seq = 42;
    m.term = 3;
    m.config_hash = 0xdeadbeefcafef00d;
    m.flags = flag_coordinator | flag_quiet;
    m.quorum = QuorumState::won;
    m.coordinator = 2;
    m.coordinator_term = 3;
    return m;
}

// Every section non-empty, with at least four entries where the tests below
// address an entry by index.
Heartbeat populated() {
    Heartbeat m = header_only();
    m.view = {{0, 11, 100}, {1, 12, 101}, {3, 13, 102}, {63, 14, 103}};
    m.claims = {{0, ClaimState::primary, 3}, {5, ClaimState::stop_failed, 2}};
    m.grants = {{0, 2, 3, 41}, {5, no_node, 9, 0}, {63, 63, 1, 7}};
    m.assignments = {{0, 2}, {5, no_node}};
    m.failed_groups = {5, 63};
    m.requests = {{77, RequestKind::switchover, 0, no_node, 0}, {78, RequestKind::standby, 0, 4, 60}};
    m.acks = {{1, 5, 1}, {3, 6, 0}};
    m.policy.version = 9;
    m.policy.by = 1;
    m.policy.cluster_maintenance = 1;
    m.policy.cluster_ttl_ms = 5000;
    m.policy.maintenance = 0x21;
    m.policy.blocked = std::uint64_t{1} << 63;
    m.policy.ttls = {{0, 100}, {5, 200}};
    m.policy.cleanups = {{7, 5, no_node}, {9, 0, 3}};
    m.probing = 2;
    m.found = 4;
    m.standby_ttl_ms = 1234;
    m.pins = {{0, 2, 1000}, {5, 0, 0}};
    return m;
}

// Every count at its limit, and extreme values in every field.
Heartbeat maximal() {
    Heartbeat m = header_only();
    m.cluster_id = ~std::uint64_t{0};
    m.incarnation = ~std::uint64_t{0};
    m.seq = ~std::uint64_t{0};
    m.term = ~std::uint64_t{0};
    m.flags = flags_known;
    m.quorum = QuorumState::lost;
    m.sender = max_nodes - 1;
    m.coordinator = no_node;
    m.coordinator_term = ~std::uint64_t{0};
    for (std::size_t i = 0; i < max_nodes; ++i) {
        m.view.push_back({static_cast<NodeId>(i), i * 1000003, ~std::uint64_t{0} - i});
    }
    for (std::size_t g = 0; g < max_groups; ++g) {
        const auto group = static_cast<GroupId>(g);
        const auto state = static_cast<ClaimState>(1 + g % 6);
        m.claims.push_back({group, state, g << 40});
        m.grants.push_back({group, g % 2 ? no_node : static_cast<NodeId>(g), g, ~g});
        m.assignments.push_back({group, g % 3 ? static_cast<NodeId>(g) : no_node});
        m.failed_groups.push_back(group);
    }
    for (std::size_t i = 0; i < max_pending_requests; ++i) {
        m.requests.push_back({static_cast<std::uint32_t>(0xFFFFFF00 + i),
                              static_cast<RequestKind>(1 + i % 3), static_cast<GroupId>(i),
                              i % 2 ? no_node : static_cast<NodeId>(i), max_ttl_s});
    }
    m.policy.version = ~std::uint64_t{0};
    m.policy.by = no_node;
    m.policy.cluster_maintenance = 1;
    m.policy.cluster_ttl_ms = ~std::uint32_t{0};
    m.policy.maintenance = ~std::uint64_t{0};
    m.policy.blocked = ~std::uint64_t{0};
    m.probing = ~std::uint64_t{0};
    m.found = ~std::uint64_t{0};
    m.standby_ttl_ms = ~std::uint32_t{0};
    for (std::size_t g = 0; g < max_ttls; ++g) {
        m.policy.ttls.push_back({static_cast<GroupId>(g), ~std::uint32_t{0}});
    }
    for (std::size_t i = 0; i < max_cleanups; ++i) {
        m.policy.cleanups.push_back({~std::uint64_t{0} - i, static_cast<GroupId>(max_groups - 1),
                                     i % 2 ? no_node : static_cast<NodeId>(max_nodes - 1)});
    }
    for (std::size_t g = 0; g < max_pins; ++g) {
        m.pins.push_back({static_cast<GroupId>(g), static_cast<NodeId>(max_nodes - 1),
                          max_ttl_s * 1000});
    }
    for (std::size_t i = 0; i < max_nodes * max_pending_requests; ++i) {
        m.acks.push_back({static_cast<NodeId>(i % max_nodes), static_cast<std::uint32_t>(i),
                          static_cast<std::uint8_t>(i % 2)});
    }
    return m;
}

void require_error(const Bytes& bytes, DecodeErrc code, const std::string& field) {
    const DecodeError error = decode_error(bytes);
    INFO(error.message());
    CHECK(error.code == code);
    CHECK(error.field == field);
    CHECK(error.message().find(field) != std::string::npos);
}

}  // namespace

TEST_CASE("wire: golden bytes of a small heartbeat", "[wire]") {
    // Produced by an independent Python encoder (struct.pack '<', hmac/hashlib)
    // with key 00 01 .. 1f; any change to the format must change this on purpose.
    const std::string golden =
        "314341480109018877665544332211020007000000000000002a000000000000"
        "0003000000000000000df0fecaefbeadde020003000000000000000100010005"
        "0000000000000029000000000000000100000003030000000000000001000000"
        "0200030000000000000028000000000000000100000002000100010001000403"
        "02010200000100580200000100010009000000010500000000000000010001e8"
        "0300000200000000000000040000000000000001000000000000000200000000"
        "000000b80b000001000100d0070000010005000000000000000100ffff00005e"
        "8345a0e2464432caf723e28afaf9529ff35efb756f33213ecddc7309fbfda0";
    Heartbeat m = header_only();
    m.view = {{1, 5, 41}};
    m.claims = {{0, ClaimState::primary, 3}};
    m.grants = {{0, 2, 3, 40}};
    m.assignments = {{0, 2}};
    m.failed_groups = {1};
    m.requests = {{0x01020304, RequestKind::standby, 0, 1, 600}};
    m.acks = {{1, 9, 1}};
    m.policy = {5, 1, 1, 1000, 2, 4, {{1, 2000}}, {{5, 1, no_node}}};
    m.probing = 1;
    m.found = 2;
    m.standby_ttl_ms = 3000;
    const Bytes bytes = encode(m, test_auth());
    CHECK(to_hex(bytes) == golden);
    CHECK(decode_ok(from_hex(golden)) == m);
}

TEST_CASE("wire: round trip", "[wire]") {
    SECTION("every section populated") {
        const Heartbeat m = populated();
        const Bytes bytes = encode(m, test_auth());
        CHECK(bytes.size() == layout_of(m).mac + mac_size);
        CHECK(decode_ok(bytes) == m);
    }
    SECTION("every count at its limit, extreme values") {
        const Heartbeat m = maximal();
        const Bytes bytes = encode(m, test_auth());
        CHECK(bytes.size() == 7560 + 2 + max_pins * 8);
        CHECK(bytes.size() <= max_datagram);
        CHECK(decode_ok(bytes) == m);
    }
    SECTION("empty sections") {
        const Heartbeat m = header_only();
        const Bytes bytes = encode(m, test_auth());
        CHECK(bytes.size() == min_size);
        CHECK(decode_ok(bytes) == m);
    }
    SECTION("default heartbeat with a sender") {
        Heartbeat m;
        m.sender = 0;
        CHECK(decode_ok(encode(m, test_auth())) == m);
    }
}

TEST_CASE("wire: every truncation is rejected", "[wire]") {
    for (const Heartbeat& m : {populated(), header_only()}) {
        const Bytes full = encode(m, test_auth());
        for (std::size_t length = 0; length < full.size(); ++length) {
            // An exact-size copy, so that a read past the end is a heap overflow
            // under AddressSanitizer rather than a read of the next bytes.
            const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(length));
            const DecodeError error = decode_error(prefix);
            INFO("length " << length << ": " << error.message());
            if (length < min_size) {
                CHECK(error.code == DecodeErrc::too_short);
                CHECK(error.field == "message.size");
            } else {
                CHECK(error.code == DecodeErrc::bad_mac);
                CHECK(error.field == "mac");
            }
        }
    }
}

TEST_CASE("wire: size limits", "[wire]") {
    CHECK(decode_error(Bytes(max_datagram + 1)).code == DecodeErrc::too_long);
    CHECK(decode_error(Bytes(65536)).code == DecodeErrc::too_long);
    // At the limit the size is fine and the MAC decides.
    CHECK(decode_error(Bytes(max_datagram)).code == DecodeErrc::bad_mac);
    CHECK(decode_error(Bytes(min_size)).code == DecodeErrc::bad_mac);
    CHECK(decode_error(Bytes(min_size - 1)).code == DecodeErrc::too_short);
    CHECK(decode_error(Bytes{}).code == DecodeErrc::too_short);
    CHECK(decode_error(std::span<const std::uint8_t>{}).message() ==
          "message too short message.size: 0 bytes, minimum 162");
}

TEST_CASE("wire: a single flipped bit anywhere fails the MAC", "[wire]") {
    const Bytes good = encode(populated(), test_auth());
    for (std::size_t bit = 0; bit < good.size() * 8; ++bit) {
        Bytes bad = good;
        bad[bit / 8] = static_cast<std::uint8_t>(bad[bit / 8] ^ (1u << (bit % 8)));
        const DecodeError error = decode_error(bad);
        INFO("bit " << bit);
        CHECK(error.code == DecodeErrc::bad_mac);
    }
}

TEST_CASE("wire: another key fails the MAC", "[wire]") {
    const Bytes bytes = encode(populated(), test_auth());
    const auto other = HmacSha256::from_key(key_bytes(1));
    REQUIRE(other.has_value());
    CHECK(decode_error(bytes, *other).code == DecodeErrc::bad_mac);
}

TEST_CASE("wire: no field is read before the MAC is verified", "[wire]") {
    // A bad magic and a bad version, not re-signed: the MAC is what fails.
    Bytes bytes = encode(populated(), test_auth());
    bytes[off_magic] = 0;
    bytes[off_version] = 9;
    CHECK(decode_error(bytes).code == DecodeErrc::bad_mac);
}

TEST_CASE("wire: header fields are validated", "[wire]") {
    const Heartbeat m = populated();
    SECTION("magic") {
        const Bytes bytes = corrupt(m, off_magic, 0x48414332, 4);
        require_error(bytes, DecodeErrc::bad_magic, "header.magic");
        CHECK(decode_error(bytes).message() ==
              "bad magic header.magic: expected 0x48414331, got 0x48414332");
    }
    SECTION("version") {
        require_error(corrupt(m, off_version, 2, 1), DecodeErrc::bad_version, "header.version");
        require_error(corrupt(m, off_version, 0, 1), DecodeErrc::bad_version, "header.version");
    }
    SECTION("flags") {
        require_error(corrupt(m, off_flags, 0x20, 1), DecodeErrc::bad_field, "header.flags");
        require_error(corrupt(m, off_flags, 0x81, 1), DecodeErrc::bad_field, "header.flags");
        CHECK(decode_ok(corrupt(m, off_flags, flags_known, 1)).flags == flags_known);
    }
    SECTION("quorum") {
        require_error(corrupt(m, off_quorum, 3, 1), DecodeErrc::bad_field, "header.quorum");
        CHECK(decode_ok(corrupt(m, off_quorum, 2, 1)).quorum == QuorumState::lost);
    }
    SECTION("sender must be a node") {
        require_error(corrupt(m, off_sender, max_nodes, 2), DecodeErrc::bad_field,
                      "header.sender");
        require_error(corrupt(m, off_sender, no_node, 2), DecodeErrc::bad_field,
                      "header.sender");
        CHECK(decode_ok(corrupt(m, off_sender, max_nodes - 1, 2)).sender == max_nodes - 1);
    }
    SECTION("coordinator may be no_node") {
        require_error(corrupt(m, off_coordinator, max_nodes, 2), DecodeErrc::bad_field,
                      "header.coordinator");
        CHECK(decode_ok(corrupt(m, off_coordinator, no_node, 2)).coordinator == no_node);
    }
    SECTION("the first bad field in wire order is the one reported") {
        Bytes bytes = encode(m, test_auth());
        put_le(bytes, off_flags, 0xF0, 1);
        put_le(bytes, off_sender, no_node, 2);
        resign(bytes);
        require_error(bytes, DecodeErrc::bad_field, "header.flags");
    }
}

TEST_CASE("wire: entry fields are validated", "[wire]") {
    const Heartbeat m = populated();
    const Layout l = layout_of(m);
    SECTION("view node must be a node") {
        require_error(corrupt(m, l.view.entry(3, 0), max_nodes, 2), DecodeErrc::bad_field,
                      "view[3].node");
        require_error(corrupt(m, l.view.entry(1, 0), no_node, 2), DecodeErrc::bad_field,
                      "view[1].node");
    }
    SECTION("claim group and state") {
        const Bytes bytes = corrupt(m, l.claims.entry(0, 2), 9, 1);
        require_error(bytes, DecodeErrc::bad_field, "claims[0].state");
        CHECK(decode_error(bytes).message() ==
              "bad field claims[0].state: unknown claim state 9");
        require_error(corrupt(m, l.claims.entry(1, 2), 0, 1), DecodeErrc::bad_field,
                      "claims[1].state");
        require_error(corrupt(m, l.claims.entry(1, 0), max_groups, 2), DecodeErrc::bad_field,
                      "claims[1].group");
    }
    SECTION("grant holder may be no_node, not out of range") {
        require_error(corrupt(m, l.grants.entry(1, 2), max_nodes, 2), DecodeErrc::bad_field,
                      "grants[1].holder");
        CHECK(decode_ok(corrupt(m, l.grants.entry(0, 2), no_node, 2)).grants[0].holder ==
              no_node);
        require_error(corrupt(m, l.grants.entry(2, 0), 0xFFFF, 2), DecodeErrc::bad_field,
                      "grants[2].group");
    }
    SECTION("assignments and failed groups") {
        require_error(corrupt(m, l.assignments.entry(0, 2), max_nodes, 2),
                      DecodeErrc::bad_field, "assignments[0].node");
        require_error(corrupt(m, l.assignments.entry(1, 0), max_groups, 2),
                      DecodeErrc::bad_field, "assignments[1].group");
        require_error(corrupt(m, l.failed_groups.entry(1, 0), max_groups, 2),
                      DecodeErrc::bad_field, "failed_groups[1]");
    }
    SECTION("request kind, group and node") {
        require_error(corrupt(m, l.requests.entry(0, 4), 0, 1), DecodeErrc::bad_field,
                      "requests[0].kind");
        require_error(corrupt(m, l.requests.entry(1, 4), 4, 1), DecodeErrc::bad_field,
                      "requests[1].kind");
        require_error(corrupt(m, l.requests.entry(0, 5), max_groups, 2), DecodeErrc::bad_field,
                      "requests[0].group");
        require_error(corrupt(m, l.requests.entry(1, 7), max_nodes, 2), DecodeErrc::bad_field,
                      "requests[1].node");
    }
    SECTION("policy: by, cluster_maintenance, ttl groups, cleanup groups and nodes") {
        require_error(corrupt(m, l.policy + 8, max_nodes, 2), DecodeErrc::bad_field, "policy.by");
        CHECK(decode_ok(corrupt(m, l.policy + 8, no_node, 2)).policy.by == no_node);
        require_error(corrupt(m, l.policy + 10, 2, 1), DecodeErrc::bad_field,
                      "policy.cluster_maintenance");
        require_error(corrupt(m, l.ttls.entry(1, 0), max_groups, 2), DecodeErrc::bad_field,
                      "ttls[1].group");
        require_error(corrupt(m, l.cleanups.entry(0, 8), max_groups, 2), DecodeErrc::bad_field,
                      "cleanups[0].group");
        require_error(corrupt(m, l.cleanups.entry(1, 10), max_nodes, 2), DecodeErrc::bad_field,
                      "cleanups[1].node");
    }
    SECTION("pin group, node and remaining time") {
        require_error(corrupt(m, l.pins.entry(0, 0), max_groups, 2), DecodeErrc::bad_field,
                      "pins[0].group");
        require_error(corrupt(m, l.pins.entry(1, 2), no_node, 2), DecodeErrc::bad_field,
                      "pins[1].node");
        require_error(corrupt(m, l.pins.entry(1, 4), std::uint64_t{max_ttl_s} * 1000 + 1, 4),
                      DecodeErrc::bad_field, "pins[1].remaining_ms");
    }
    SECTION("ack requester and ok") {
        const Bytes bytes = corrupt(m, l.acks.entry(0, 6), 2, 1);
        require_error(bytes, DecodeErrc::bad_field, "acks[0].ok");
        CHECK(decode_error(bytes).message() == "bad field acks[0].ok: ok must be 0 or 1, got 2");
        require_error(corrupt(m, l.acks.entry(1, 0), no_node, 2), DecodeErrc::bad_field,
                      "acks[1].requester");
    }
}

TEST_CASE("wire: counts are bounded", "[wire]") {
    const Heartbeat m = populated();
    const Layout l = layout_of(m);
    SECTION("larger than the limit") {
        const Bytes bytes = corrupt(m, l.view.count_offset, max_nodes + 1, 2);
        require_error(bytes, DecodeErrc::bad_field, "view.count");
        CHECK(decode_error(bytes).message() == "bad field view.count: count 65 exceeds limit 64");
        require_error(corrupt(m, l.claims.count_offset, max_groups + 1, 2), DecodeErrc::bad_field,
                      "claims.count");
        require_error(corrupt(m, l.grants.count_offset, 0xFFFF, 2), DecodeErrc::bad_field,
                      "grants.count");
        require_error(corrupt(m, l.assignments.count_offset, max_groups + 1, 2),
                      DecodeErrc::bad_field, "assignments.count");
        require_error(corrupt(m, l.failed_groups.count_offset, max_groups + 1, 2),
                      DecodeErrc::bad_field, "failed_groups.count");
        require_error(corrupt(m, l.requests.count_offset, max_pending_requests + 1, 2),
                      DecodeErrc::bad_field, "requests.count");
        require_error(corrupt(m, l.acks.count_offset, max_nodes * max_pending_requests + 1, 2),
                      DecodeErrc::bad_field, "acks.count");
        require_error(corrupt(m, l.ttls.count_offset, max_ttls + 1, 2), DecodeErrc::bad_field,
                      "ttls.count");
        require_error(corrupt(m, l.cleanups.count_offset, max_cleanups + 1, 2),
                      DecodeErrc::bad_field, "cleanups.count");
        require_error(corrupt(m, l.pins.count_offset, max_pins + 1, 2), DecodeErrc::bad_field,
                      "pins.count");
    }
    SECTION("within the limit but running past the end") {
        // One pin more than the message holds: the first field of the missing
        // entry runs into the MAC.
        const Bytes bytes = corrupt(m, l.pins.count_offset, m.pins.size() + 1, 2);
        require_error(bytes, DecodeErrc::truncated, "pins[2].group");
        CHECK(decode_error(bytes).message() ==
              "truncated field pins[2].group: needs 2 bytes, 0 left before the MAC");

        // In an empty message, a TTL entry's group swallows the cleanups count
        // and its ttl_ms is what runs past the end (only the pins count is left).
        const Heartbeat empty = header_only();
        const Layout e = layout_of(empty);
        require_error(corrupt(empty, e.ttls.count_offset, 1, 2), DecodeErrc::truncated,
                      "ttls[0].ttl_ms");
        require_error(corrupt(empty, e.cleanups.count_offset, 1, 2), DecodeErrc::truncated,
                      "cleanups[0].version");
        require_error(corrupt(empty, e.pins.count_offset, 1, 2), DecodeErrc::truncated,
                      "pins[0].group");
    }
    SECTION("bytes after the last section") {
        // The optional fenced section is the last one when present.
        Heartbeat with_fenced = m;
        with_fenced.fenced = {Fenced{1, 2, 3}};
        Bytes bytes = encode(with_fenced, test_auth());
        bytes.insert(bytes.end() - static_cast<std::ptrdiff_t>(mac_size), {0, 0, 0});
        resign(bytes);
        require_error(bytes, DecodeErrc::trailing_bytes, "trailing");
        CHECK(decode_error(bytes).message() ==
              "trailing bytes trailing: 3 bytes after the last section");
    }
}

TEST_CASE("wire: re-signed random corruption is rejected or re-encodes identically",
          "[wire]") {
    // A sender with the key and a bug: the decoder must never crash or read out
    // of bounds, and whatever it accepts must be the one encoding of its value.
    Prng prng(20240601);
    const Bytes good = encode(populated(), test_auth());
    std::size_t accepted = 0;
    for (int round = 0; round < 5000; ++round) {
        Bytes bytes = good;
        const std::uint64_t changes = 1 + prng.below(4);
        for (std::uint64_t c = 0; c < changes; ++c) {
            const std::size_t at = prng.below(good.size() - mac_size);
            bytes[at] = static_cast<std::uint8_t>(prng.next());
        }
        if (prng.below(4) == 0) {  // sometimes also a different length
            const std::size_t body = 1 + prng.below(good.size() - mac_size);
            bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(body),
                        bytes.end() - static_cast<std::ptrdiff_t>(mac_size));
        }
        resign(bytes);
        auto result = decode(bytes, test_auth());
        if (const auto* m = std::get_if<Heartbeat>(&result)) {
            ++accepted;
            CHECK(encode(*m, test_auth()) == bytes);
        } else {
            const DecodeError& error = std::get<DecodeError>(result);
            CHECK(error.code != DecodeErrc::bad_mac);
            CHECK_FALSE(error.field.empty());
        }
    }
    CHECK(accepted > 0);  // the corruption does not always hit a checked field
}

TEST_CASE("wire: encode asserts the limits of types.h", "[wire]") {
    // The caller guarantees the limits; breaking them is a bug in the core and
    // aborts rather than sending what every peer rejects.
    const auto aborts = [](Heartbeat m) {
        std::fflush(nullptr);
        const pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            // Catch2 reports SIGABRT as a failed test: let the child die of it
            // quietly, the parent judges.
            std::signal(SIGABRT, SIG_DFL);
            if (std::freopen("/dev/null", "w", stdout) == nullptr) _exit(2);
            if (std::freopen("/dev/null", "w", stderr) == nullptr) _exit(2);
            (void)encode(m, test_auth());
            _exit(0);
        }
        int status = 0;
        REQUIRE(waitpid(pid, &status, 0) == pid);
        return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
    };
    Heartbeat too_many = header_only();
    too_many.view.assign(max_nodes + 1, PeerEntry{0, 0, 0});
    CHECK(aborts(too_many));
    Heartbeat bad_state = populated();
    bad_state.claims[0].state = static_cast<ClaimState>(9);
    CHECK(aborts(bad_state));
    Heartbeat no_sender = header_only();
    no_sender.sender = no_node;
    CHECK(aborts(no_sender));
    CHECK_FALSE(aborts(populated()));
}

TEST_CASE("wire: names", "[wire]") {
    CHECK(std::string(to_string(ClaimState::claiming)) == "claiming");
    CHECK(std::string(to_string(ClaimState::stop_failed)) == "stop_failed");
    CHECK(std::string(to_string(static_cast<ClaimState>(0))) == "unknown");
    CHECK(std::string(to_string(QuorumState::pending)) == "pending");
    CHECK(std::string(to_string(QuorumState::won)) == "won");
    CHECK(std::string(to_string(QuorumState::lost)) == "lost");
    CHECK(DecodeError{DecodeErrc::bad_mac, "mac"}.message() == "bad MAC mac");
}

TEST_CASE("hmac: RFC 4231 known answers", "[hmac]") {
    SECTION("test case 1") {
        const Bytes key(20, 0x0b);
        const std::string data = "Hi There";
        const auto auth = HmacSha256::from_key(key);
        REQUIRE(auth.has_value());
        const Mac mac = auth->compute(
            {reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
        CHECK(to_hex(mac) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    }
    SECTION("test case 2: a 4-byte key, only through from_key_unchecked") {
        const std::string key = "Jefe";
        const std::string data = "what do ya want for nothing?";
        const std::span<const std::uint8_t> key_span(
            reinterpret_cast<const std::uint8_t*>(key.data()), key.size());
        CHECK_FALSE(HmacSha256::from_key(key_span).has_value());
        const HmacSha256 auth = HmacSha256::from_key_unchecked(key_span);
        const std::span<const std::uint8_t> data_span(
            reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
        const Mac first = auth.compute(data_span);
        CHECK(to_hex(first) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // The keyed state is copied per message, not consumed.
        CHECK(auth.compute(data_span) == first);
        const HmacSha256 copy = auth;
        CHECK(copy.compute(data_span) == first);
    }
}

TEST_CASE("hmac: keys shorter than 16 bytes are rejected", "[hmac]") {
    CHECK_FALSE(HmacSha256::from_key({}).has_value());
    CHECK_FALSE(HmacSha256::from_key(key_bytes(0, HmacSha256::min_key_size - 1)).has_value());
    CHECK(HmacSha256::from_key(key_bytes(0, HmacSha256::min_key_size)).has_value());
    CHECK(HmacSha256::from_key(key_bytes(0, 200)).has_value());  // longer than a block
}

TEST_CASE("wire: the fenced section is optional and validated", "[wire][fencing]") {
    Heartbeat m = populated();
    const Bytes without = encode(m, test_auth());
    // Empty: not on the wire at all, so older nodes decode it as before.
    CHECK(without.size() == layout_of(m).mac + mac_size);
    m.fenced = {Fenced{2, 0x1122334455667788ULL, 41}, Fenced{0, 1, 0}};
    const Bytes with = encode(m, test_auth());
    CHECK(with.size() == without.size() + 2 + 2 * 18);
    CHECK(decode_ok(with) == m);

    Bytes bad = with;
    const std::size_t at = layout_of(m).mac;  // where the fenced section starts
    put_le(bad, at + 2, max_nodes, 2);       // fenced[0].node
    resign(bad);
    require_error(bad, DecodeErrc::bad_field, "fenced[0].node");

    Bytes too_many = with;
    put_le(too_many, at, max_fenced + 1, 2);
    resign(too_many);
    require_error(too_many, DecodeErrc::bad_field, "fenced.count");

    // Present but empty: a second encoding of "nothing fenced", refused.
    Bytes empty = without;
    empty.insert(empty.end() - static_cast<std::ptrdiff_t>(mac_size), {0, 0});
    resign(empty);
    require_error(empty, DecodeErrc::bad_field, "fenced.count");

    Bytes cut = with;
    cut.erase(cut.end() - mac_size - 5, cut.end() - mac_size);
    resign(cut);
    require_error(cut, DecodeErrc::truncated, "fenced[1].term");
}
