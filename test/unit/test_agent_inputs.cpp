// The agent's handling of untrusted datagrams and its quorum state, driven
// directly (no simulator): two agents wired by hand, time passed in.
#include <catch2/catch.hpp>

#include <variant>

#include "agent/agent.h"
#include "daemon/hmac_sha256.h"

using namespace hacluster::agent;
using namespace std::chrono_literals;
using hacluster::daemon::HmacSha256;

namespace {

ClusterConfig config_of(std::size_t nodes) {
    ClusterConfig c;
    c.cluster = "unit";
    for (std::size_t i = 1; i <= nodes; ++i) {
        c.nodes.push_back({"n" + std::to_string(i), {"198.18.0." + std::to_string(i)}, 1});
    }
    GroupConfig g;
    g.name = "web";
    for (const NodeConfig& n : c.nodes) g.nodes.push_back(n.name);
    c.groups.push_back(g);
    return c;
}

const HmacSha256& key_a() {
    static const HmacSha256 a = *HmacSha256::from_key(std::vector<std::uint8_t>(32, 1));
    return a;
}
const HmacSha256& key_b() {
    static const HmacSha256 b = *HmacSha256::from_key(std::vector<std::uint8_t>(32, 2));
    return b;
}

Instant at(Duration d) { return Instant{} + d; }

AgentOptions options(Incarnation incarnation) {
    AgentOptions o;
    o.incarnation = incarnation;
    return o;
}

// The datagrams an agent sent to `to` in its last outputs.
std::vector<std::vector<std::uint8_t>> sent_to(Agent& agent, NodeId to) {
    std::vector<std::vector<std::uint8_t>> out;
    for (auto& o : agent.take_outputs()) {
        if (auto* s = std::get_if<out::Send>(&o); s && s->to == to) out.push_back(s->bytes);
    }
    return out;
}

}  // namespace

TEST_CASE("agent: a fresh heartbeat is accepted, its replay is rejected", "[agent]") {
    const ClusterConfig c = config_of(3);
    Agent n1(c, 0, key_a(), options(10), at(0ms));
    Agent n2(c, 1, key_a(), options(20), at(0ms));
    n1.step(at(1ms), in::Tick{});
    const auto packets = sent_to(n1, 1);
    REQUIRE(packets.size() == 1);
    n2.step(at(2ms), in::Packet{0, packets[0]});
    CHECK(n2.view().peers[0].alive);
    CHECK(n2.view().packets_rejected == 0);
    n2.step(at(3ms), in::Packet{0, packets[0]});
    CHECK(n2.view().packets_rejected == 1);
}

TEST_CASE("agent: forged, foreign and garbage datagrams are counted and ignored", "[agent]") {
    const ClusterConfig c = config_of(3);
    Agent n1(c, 0, key_a(), options(10), at(0ms));
    Agent forger(c, 0, key_b(), options(11), at(0ms));
    ClusterConfig other = c;
    other.cluster = "other";
    Agent foreign(other, 0, key_a(), options(12), at(0ms));
    ClusterConfig changed = c;
    changed.timing.timeout = 600ms;
    Agent mismatched(changed, 0, key_a(), options(13), at(0ms));
    Agent n2(c, 1, key_a(), options(20), at(0ms));

    std::uint64_t expected = 0;
    for (Agent* sender : {&forger, &foreign, &mismatched}) {
        sender->step(at(1ms), in::Tick{});
        for (const auto& p : sent_to(*sender, 1)) {
            n2.step(at(2ms), in::Packet{0, p});
            ++expected;
        }
    }
    n2.step(at(3ms), in::Packet{0, {1, 2, 3}});
    n2.step(at(3ms), in::Packet{0, std::vector<std::uint8_t>(20000, 0xAB)});
    n2.step(at(3ms), in::Packet{7, {}});  // a link the config does not have
    expected += 3;
    CHECK(n2.view().packets_rejected == expected);
    CHECK_FALSE(n2.view().peers[0].alive);
    (void)n1;
}

TEST_CASE("agent: an older incarnation is rejected, a newer one means a restart", "[agent]") {
    const ClusterConfig c = config_of(3);
    Agent old_n1(c, 0, key_a(), options(10), at(0ms));
    Agent new_n1(c, 0, key_a(), options(11), at(0ms));
    Agent n2(c, 1, key_a(), options(20), at(0ms));
    old_n1.step(at(1ms), in::Tick{});
    new_n1.step(at(1ms), in::Tick{});
    const auto old_packet = sent_to(old_n1, 1).at(0);
    const auto new_packet = sent_to(new_n1, 1).at(0);
    n2.step(at(2ms), in::Packet{0, old_packet});
    n2.step(at(3ms), in::Packet{0, new_packet});
    CHECK(n2.view().peers[0].incarnation == 11);
    bool restarted = false;
    for (auto& o : n2.take_outputs()) {
        if (auto* t = std::get_if<out::Transition>(&o)) {
            restarted |= t->kind == out::TransitionKind::node_restarted;
        }
    }
    CHECK(restarted);
    n2.step(at(4ms), in::Packet{0, old_packet});
    CHECK(n2.view().packets_rejected == 1);
    CHECK(n2.view().peers[0].incarnation == 11);
}

TEST_CASE("agent: quorum is pending at start, lost alone, won with a majority", "[agent]") {
    const ClusterConfig c = config_of(3);
    Agent n1(c, 0, key_a(), options(10), at(0ms));
    Agent n2(c, 1, key_a(), options(20), at(0ms));
    n1.step(at(1ms), in::Tick{});
    CHECK(n1.view().quorum == wire::QuorumState::pending);
    CHECK(n1.view().votes_needed == 2);
    n1.step(at(600ms), in::Tick{});  // a timeout passed, nobody heard
    CHECK(n1.view().quorum == wire::QuorumState::lost);
    CHECK(n1.view().votes_present == 1);
    n2.step(at(600ms), in::Tick{});
    for (const auto& p : sent_to(n2, 0)) n1.step(at(601ms), in::Packet{0, p});
    CHECK(n1.view().quorum == wire::QuorumState::won);
    CHECK(n1.view().votes_present == 2);
    n1.step(at(1200ms), in::Tick{});  // n2 silent for a timeout
    CHECK(n1.view().quorum == wire::QuorumState::lost);
    CHECK_FALSE(n1.view().peers[1].alive);
}

TEST_CASE("agent: wait_for_all keeps quorum pending until every node was seen", "[agent]") {
    ClusterConfig c = config_of(3);
    c.quorum.wait_for_all = WaitForAll::yes;
    Agent n1(c, 0, key_a(), options(10), at(0ms));
    Agent n2(c, 1, key_a(), options(20), at(0ms));
    Agent n3(c, 2, key_a(), options(30), at(0ms));
    n2.step(at(1ms), in::Tick{});
    for (const auto& p : sent_to(n2, 0)) n1.step(at(2ms), in::Packet{0, p});
    n1.step(at(2s), in::Tick{});
    CHECK(n1.view().votes_present == 1);  // n2 went silent again
    n2.step(at(2s), in::Tick{});
    for (const auto& p : sent_to(n2, 0)) n1.step(at(2s), in::Packet{0, p});
    CHECK(n1.view().votes_present == 2);
    CHECK(n1.view().quorum == wire::QuorumState::pending);  // a majority, but n3 never seen
    n3.step(at(2s), in::Tick{});
    for (const auto& p : sent_to(n3, 0)) n1.step(at(2s), in::Packet{0, p});
    CHECK(n1.view().quorum == wire::QuorumState::won);
}

TEST_CASE("agent: a heartbeat with an absurd term is dropped, terms cannot wrap", "[agent]") {
    const ClusterConfig c = config_of(3);
    Agent n2(c, 1, key_a(), options(20), at(0ms));
    wire::Heartbeat hb;
    hb.cluster_id = cluster_id(c.cluster);
    hb.config_hash = config_hash(c);
    hb.sender = 0;
    hb.incarnation = 10;
    hb.seq = 1;
    hb.term = ~Term{0};
    n2.step(at(1ms), in::Packet{0, wire::encode(hb, key_a())});
    CHECK(n2.view().packets_rejected == 1);
    CHECK(n2.view().term < (Term{1} << 62));
    CHECK_FALSE(n2.view().peers[0].alive);
    // Ids that the codec allows but this 3-node config does not have.
    hb.term = 5;
    hb.seq = 2;
    hb.view.push_back(wire::PeerEntry{40, 1, 1});
    n2.step(at(2ms), in::Packet{0, wire::encode(hb, key_a())});
    CHECK(n2.view().packets_rejected == 2);
}

namespace {

// Heartbeats of a node that is not simulated, built by hand.
struct FakeNode {
    wire::Heartbeat hb;
    std::vector<std::uint8_t> next() {
        ++hb.seq;
        return wire::encode(hb, key_a());
    }
};

FakeNode fake(const ClusterConfig& c, NodeId sender, Incarnation incarnation) {
    FakeNode f;
    f.hb.cluster_id = cluster_id(c.cluster);
    f.hb.config_hash = config_hash(c);
    f.hb.sender = sender;
    f.hb.incarnation = incarnation;
    f.hb.quorum = wire::QuorumState::won;
    f.hb.coordinator = 0;
    f.hb.view = {wire::PeerEntry{1, 20, 0}};
    return f;
}

}  // namespace

// design §4.7: the granter's side of a fenced announcement.
TEST_CASE("agent: a fenced announcement frees a grant only for that incarnation, term and coordinator",
          "[agent][fencing]") {
    const ClusterConfig c = config_of(3);
    Agent n2(c, 1, key_a(), options(20), at(0ms));
    FakeNode coordinator = fake(c, 0, 10);
    coordinator.hb.flags = wire::flag_coordinator;
    coordinator.hb.coordinator_term = 1;
    coordinator.hb.assignments = {wire::Assignment{0, 2}};
    FakeNode holder = fake(c, 2, 30);
    holder.hb.term = 2;
    holder.hb.claims = {wire::Claim{0, wire::ClaimState::primary, 2}};
    Duration t = 0ms;
    auto beat = [&](FakeNode& from) {
        t += 1ms;
        n2.step(at(t), in::Packet{0, from.next()});
    };
    // Past the quiet period (a grant hold after start), hearing both every 100 ms.
    for (int i = 0; i < 15; ++i) {
        beat(coordinator);
        beat(holder);
        t += 98ms;
    }
    REQUIRE(n2.view().grants[0].holder == 2);
    // The holder falls silent; its grant is held for a grant hold after its last renewal.
    for (int i = 0; i < 6; ++i) {
        beat(coordinator);
        t += 99ms;
    }
    REQUIRE_FALSE(n2.view().peers[2].alive);
    REQUIRE(n2.view().grants[0].holder == 2);

    coordinator.hb.fenced = {wire::Fenced{2, 29, 100}};  // an older incarnation
    beat(coordinator);
    CHECK(n2.view().grants[0].holder == 2);
    coordinator.hb.fenced = {wire::Fenced{2, 30, 1}};  // below the grant's term
    beat(coordinator);
    CHECK(n2.view().grants[0].holder == 2);
    coordinator.hb.fenced = {wire::Fenced{2, 30, 100}};
    coordinator.hb.quorum = wire::QuorumState::lost;  // not a coordinator that may decide
    beat(coordinator);
    CHECK(n2.view().grants[0].holder == 2);
    coordinator.hb.quorum = wire::QuorumState::won;
    beat(coordinator);
    CHECK(n2.view().grants[0].holder == no_node);
    CHECK(n2.view().grants[0].term == 2);  // the term floor stays: terms still only grow
}
