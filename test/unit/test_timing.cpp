// The derived timing of docs/design.md §5.
#include <catch2/catch.hpp>

#include "agent/prng.h"
#include "agent/timing.h"

using namespace hacluster::agent;
using namespace std::chrono_literals;

namespace {

ClusterConfig three_nodes() {
    ClusterConfig c;
    c.cluster = "demo";
    for (int i = 1; i <= 3; ++i) {
        c.nodes.push_back({"n" + std::to_string(i), {"198.18.0." + std::to_string(i)}, 1});
    }
    GroupConfig g;
    g.name = "web";
    g.nodes = {"n1", "n2", "n3"};
    c.groups.push_back(g);
    return c;
}

}  // namespace

TEST_CASE("timing: defaults give the documented numbers", "[timing]") {
    const ClusterConfig c = three_nodes();
    const GroupTiming t = group_timing(c, c.groups[0]);
    CHECK(t.stop_budget == 200ms);
    CHECK(t.escalate_lead == 20ms);  // the lease margin (design §4.8)
    CHECK(t.stop_lead == 230ms);     // budget + escalation margin + tick
    CHECK(t.lease == 730ms);
    // 730 * 1.01 / 0.99 = 744.747..., rounded up to the nanosecond, + 20 ms margin
    CHECK(t.grant_hold == Duration(764'747'475));
    CHECK(to_ms(t.safety_margin) == 19);
    CHECK(to_ms(t.failover_bound) == 807);
    CHECK(t.failover_bound < 1s);
}

TEST_CASE("timing: a grant hold outlasts the lease for every drift and margin (I3)", "[timing]") {
    Prng prng(42);
    for (int i = 0; i < 2000; ++i) {
        ClusterConfig c = three_nodes();
        c.timing.interval = std::chrono::milliseconds(prng.range(1, 1000));
        c.timing.timeout = c.timing.interval * prng.range(2, 20);
        c.timing.tick = std::chrono::milliseconds(prng.range(1, to_ms(c.timing.interval)));
        c.timing.lease_margin = c.timing.tick + std::chrono::milliseconds(prng.range(0, 100));
        c.timing.max_clock_drift_ppm = static_cast<std::uint32_t>(prng.range(0, 100'000));
        c.groups[0].stop_timeout = std::chrono::milliseconds(prng.range(1, 60'000));
        const GroupTiming t = group_timing(c, c.groups[0]);
        const long double rho = c.timing.max_clock_drift_ppm / 1e6L;
        const long double hold_real_min = t.grant_hold.count() / (1 + rho);
        const long double lease_real_max = t.lease.count() / (1 - rho);
        INFO("drift " << c.timing.max_clock_drift_ppm << " lease " << t.lease.count());
        REQUIRE(hold_real_min - lease_real_max >= c.timing.lease_margin.count() / (1 + rho) - 1);
        REQUIRE(t.safety_margin > 0ns);
        REQUIRE(t.lease == c.timing.timeout + c.groups[0].stop_timeout + c.timing.lease_margin + c.timing.tick);
        // The escalation (design §4.8) begins after the whole stop budget and a tick.
        REQUIRE(t.lease - t.escalate_lead - (t.lease - t.stop_lead) == c.groups[0].stop_timeout + c.timing.tick);
        REQUIRE(t.failover_bound > t.grant_hold);
    }
}

TEST_CASE("timing: the explanation states lease, hold, margin and failover in numbers",
          "[timing]") {
    const ClusterConfig c = three_nodes();
    const std::string text = explain_timing(c);
    CHECK_THAT(text, Catch::Contains("quorum: 2 of 3 votes"));
    CHECK_THAT(text, Catch::Contains("lease 730 ms"));
    CHECK_THAT(text, Catch::Contains("grant hold 764.7 ms"));
    CHECK_THAT(text, Catch::Contains("is escalated"));
    CHECK_THAT(text, Catch::Contains("safety margin 19.8 ms"));
    CHECK_THAT(text, Catch::Contains("worst-case failover 807.4 ms"));
}
