#include "agent/timing.h"

#include <sstream>

namespace hacluster::agent {

namespace {

// d * num / den, rounded up, in integer nanoseconds (no floating point: the
// numbers must be identical on every node and in the simulator).
Duration scale_up(Duration d, std::int64_t num, std::int64_t den) {
    const __int128 n = static_cast<__int128>(d.count()) * num;
    return Duration(static_cast<std::int64_t>((n + den - 1) / den));
}

Duration scale_down(Duration d, std::int64_t num, std::int64_t den) {
    const __int128 n = static_cast<__int128>(d.count()) * num;
    return Duration(static_cast<std::int64_t>(n / den));
}

std::string ms(Duration d) {
    std::ostringstream out;
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    out << us / 1000;
    if (us % 1000 != 0) out << '.' << (us % 1000) / 100;
    out << " ms";
    return out.str();
}

}  // namespace

GroupTiming group_timing(const ClusterConfig& config, const GroupConfig& group) {
    const TimingConfig& t = config.timing;
    const std::int64_t million = 1'000'000;
    const std::int64_t rho = t.max_clock_drift_ppm;
    GroupTiming g;
    g.stop_budget = group.stop_timeout;
    // design §4.8: a stop not confirmed by lease end - margin is escalated; the
    // escalation (SIGKILL, netlink, sysrq: no fork, no wait) has the margin.
    g.escalate_lead = t.lease_margin;
    // design §5 (I1): the holder notices its deadline at tick granularity, so it
    // starts one tick early on top of the stop budget and the escalation's margin.
    g.stop_lead = group.stop_timeout + g.escalate_lead + t.tick;
    // design §5 (I2): the holder begins stopping after `timeout` without a quorum
    // acknowledging a newer heartbeat.
    g.lease = t.timeout + g.stop_lead;
    // design §5 (I3): a granter's W on its own clock must cover the holder's L on
    // the holder's clock whatever the two rates within ±rho:
    // W / (1 + rho) >= L / (1 - rho)  <=>  W >= L (1 + rho) / (1 - rho).
    g.grant_hold = scale_up(g.lease, million + rho, million - rho) + t.lease_margin;
    // Real time between "the holder's stop is done at the latest" and "a granter
    // may grant to someone else at the earliest".
    g.safety_margin = scale_down(g.grant_hold, million, million + rho) -
                      scale_up(g.lease, million, million - rho);
    // design §5 (B1): the last renewal can reach a granter one network delay after
    // the crash; the granter frees the grant W later on its clock (at most
    // W / (1 - rho) real), notices it within a tick, grants the waiting claimant at
    // once, and the claimant learns it one network delay later and starts.
    g.failover_bound = assumed_network_delay + scale_up(g.grant_hold, million, million - rho) +
                       t.tick + 2 * assumed_network_delay + t.tick;
    // Long enough that the coordinator tries the other nodes first, short enough
    // that a transient failure does not keep the group down when every node had one.
    g.start_failure_backoff = 10 * t.timeout;
    // One tick: a stop that fails fast is retried several times inside its budget.
    g.stop_retry = t.tick;
    return g;
}

std::string explain_timing(const ClusterConfig& config) {
    const TimingConfig& t = config.timing;
    std::ostringstream out;
    out << "heartbeat every " << ms(t.interval) << ", a peer is down after " << ms(t.timeout)
        << " of silence; clocks may drift by up to " << t.max_clock_drift_ppm
        << " ppm; lease margin " << ms(t.lease_margin) << ", tick " << ms(t.tick) << ".\n";
    out << "quorum: " << config.majority() << " of " << config.total_votes() << " votes"
        << (config.quorum.wait_for_all == WaitForAll::yes ? ", waiting for all nodes at cold start"
                                                          : "")
        << ".\n";
    for (const GroupConfig& group : config.groups) {
        const GroupTiming g = group_timing(config, group);
        out << "group " << group.name << ":\n"
            << "  lease " << ms(g.lease) << " = timeout " << ms(t.timeout) << " + stop budget "
            << ms(g.stop_budget) << " + escalation margin " << ms(g.escalate_lead) << " + tick "
            << ms(t.tick)
            << " (the primary stops itself when no quorum has acknowledged it for "
            << ms(t.timeout) << ")\n"
            << "  grant hold " << ms(g.grant_hold) << " = lease x (1 + drift) / (1 - drift) + margin "
            << ms(t.lease_margin) << " (no node votes for a new primary sooner)\n"
            << "  a stop not done " << ms(g.escalate_lead)
            << " before the lease ends is escalated: its process group killed, the group's "
               "addresses removed, then self_fence "
            << to_string(config.self_fence)
            << (config.self_fence == SelfFence::off
                    ? " — UNSAFE: a stop that hangs on a node cut off from the cluster leaves the "
                      "group running on two nodes"
                    : "")
            << "\n"
            << "  safety margin " << ms(g.safety_margin)
            << " of real time between the old primary's latest possible stop and the earliest "
               "new start\n"
            << "  worst-case failover " << ms(g.failover_bound)
            << " from a primary crash to a new primary starting (plus its start script), "
               "assuming network delay <= "
            << ms(assumed_network_delay) << "\n"
            << "  graceful switchover: a few network round trips plus the stop and start "
               "scripts\n";
    }
    return out.str();
}

}  // namespace hacluster::agent
