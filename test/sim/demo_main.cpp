// hacluster-demo: a 3-node cluster failing over in front of you. Real agent/ code
// (the same core the daemon will run), simulated network, clocks and scripts, so
// it runs anywhere without root. Usage: hacluster-demo [--fast] [--seed=N]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "agent/timing.h"
#include "test/sim/sim_cluster.h"
#include "test/sim/sim_config.h"

using namespace hacluster;
using namespace hacluster::sim;
using namespace std::chrono_literals;

namespace {

struct Demo {
    SimCluster& sim;
    bool fast = false;
    std::size_t printed = 0;

    void pause_for_reader() const {
        if (!fast) std::this_thread::sleep_for(std::chrono::milliseconds(700));
    }

    // Prints the decisions recorded since the last call, skipping the noise of
    // per-node membership lines.
    void flush() {
        const auto& lines = sim.transcript();
        for (; printed < lines.size(); ++printed) {
            const std::string& line = lines[printed];
            if (line.find(" node_up") != std::string::npos ||
                line.find(" coordinator_changed") != std::string::npos) {
                continue;
            }
            std::printf("    %s\n", line.c_str());
        }
        std::fflush(stdout);
    }

    void say(const std::string& text) {
        flush();
        std::printf("\n== %s\n", text.c_str());
        std::fflush(stdout);
        pause_for_reader();
    }

    void status() {
        flush();
        std::printf("\n  %-4s %-8s %-12s %-8s\n", "NODE", "STATE", "ROLE(web)", "QUORUM");
        for (NodeId n = 0; n < sim.node_count(); ++n) {
            const auto v = sim.view(n);
            const char* state = v ? (v->standby ? "standby" : "online") : to_string(sim.status(n));
            std::string role = v ? agent::to_string(v->groups[0].role) : "-";
            if (v && v->is_coordinator) role += " (coord)";
            const char* quorum = v ? agent::wire::to_string(v->quorum) : "-";
            std::printf("  %-4s %-8s %-12s %-8s\n", sim.node_name(n).c_str(), state, role.c_str(),
                        quorum);
        }
        const auto p = sim.primary_of("web");
        std::printf("  group web: primary %s, term %llu\n", p ? sim.node_name(*p).c_str() : "none",
                    p ? static_cast<unsigned long long>(sim.view(*p)->groups[0].term) : 0ULL);
        std::fflush(stdout);
        pause_for_reader();
    }

    // Runs until web runs settled somewhere other than `old`; returns how long.
    agent::Duration until_moved_from(NodeId old) {
        const SimTime from = sim.now();
        sim.run_until(
            [&] {
                const auto p = sim.primary_of("web");
                return p && *p != old;
            },
            10s);
        return sim.now() - from;
    }
};

long long ms(agent::Duration d) { return agent::to_ms(d); }

}  // namespace

int main(int argc, char** argv) {
    bool fast = false;
    std::uint64_t seed = 1;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--fast") == 0) {
            fast = true;
        } else if (std::strncmp(argv[i], "--seed=", 7) == 0) {
            seed = std::strtoull(argv[i] + 7, nullptr, 10);
        } else {
            std::fprintf(stderr, "usage: hacluster-demo [--fast] [--seed=N]\nunknown argument: %s\n",
                         argv[i]);
            return 2;
        }
    }
    SimOptions options;
    options.nodes = 3;
    options.groups = {"web"};
    options.seed = seed;
    options.clocks = ClockSetup::random_drift;
    SimCluster sim(options);
    Demo demo{sim, fast};

    std::printf("hacluster demo: three nodes n1 n2 n3, one group \"web\" (priority n1, n2, n3).\n"
                "Real agent core, simulated network and clocks (the daemon in network\n"
                "namespaces comes next). Default timing:\n\n%s",
                agent::explain_timing(sim.config()).c_str());

    demo.say("cold start: quorum, a coordinator, lease votes, then web starts");
    sim.run_until([&] { return sim.primary_of("web").has_value(); }, 5s);
    sim.run_for(300ms);
    demo.status();

    const NodeId first = *sim.primary_of("web");
    demo.say("crash the primary " + sim.node_name(first) + " (machine gone, no goodbye)");
    sim.crash(first);
    const agent::Duration crash_failover = demo.until_moved_from(first);
    const NodeId second = *sim.primary_of("web");
    demo.flush();
    std::printf("\n  failover: web moved %s -> %s in %lld ms (simulated time)\n",
                sim.node_name(first).c_str(), sim.node_name(second).c_str(), ms(crash_failover));
    sim.run_for(500ms);
    demo.status();

    demo.say(sim.node_name(first) + " comes back: it stays standby (a running group does not move)");
    sim.restart(first);
    sim.run_for(2s);
    demo.status();

    const NodeId third = sim.node_id("n3") == second ? sim.node_id("n2") : sim.node_id("n3");
    demo.say("operator switchover of web to " + sim.node_name(third));
    const SimTime switch_from = sim.now();
    const auto reply = sim.run_command(
        first, agent::in::Command{0, agent::CommandKind::switchover, "web", sim.node_name(third)},
        2s);
    demo.until_moved_from(second);
    const agent::Duration switch_time = sim.now() - switch_from;
    demo.flush();
    std::printf("\n  reply: %s\n  switchover took %lld ms: no lease wait, the old primary "
                "released its votes\n",
                reply ? reply->message.c_str() : "(none)", ms(switch_time));
    sim.run_for(500ms);
    demo.status();

    demo.say("isolate the primary " + sim.node_name(third) +
             " from the network: it stops itself when its lease runs out");
    sim.isolate(third);
    const agent::Duration isolation_failover = demo.until_moved_from(third);
    demo.flush();
    std::printf("\n  failover after isolation: %lld ms; the isolated node runs web: %s\n",
                ms(isolation_failover),
                sim.ground_truth().running(third, sim.group_id("web")) ? "YES" : "no");
    sim.heal();
    sim.run_for(2s);
    demo.status();

    demo.flush();
    std::printf("\nsafety violations (two nodes running web at once, or a start without a "
                "majority of votes): %zu\n",
                sim.violations().size());
    return sim.violations().empty() ? 0 : 1;
}
