// hacluster-sim-golden: runs the canonical scenarios and compares each
// transcript (every out::Transition with its simulated time) with
// test/sim/testdata/<scenario>.txt. A change in the core's decisions shows up as a
// diff to review; after an intended change, run with --rewrite and commit the files.
// Usage: hacluster-sim-golden [--rewrite] [--list]
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "test/sim/sim_cluster.h"
#include "test/sim/sim_config.h"
#include "test/sim/sim_golden.h"

using namespace hacluster;
using namespace hacluster::sim;
using namespace std::chrono_literals;

namespace {

struct Scenario {
    const char* name;
    const char* what;
    std::function<void(SimCluster&)> run;
};

SimOptions canonical(std::size_t nodes) {
    SimOptions o;
    o.nodes = nodes;
    o.groups = {"web"};
    o.seed = 1;
    o.clocks = ClockSetup::ideal;
    return o;
}

NodeId settle(SimCluster& sim) {
    sim.run_until([&] { return sim.primary_of("web").has_value(); }, 5s);
    return sim.primary_of("web").value_or(agent::no_node);
}

const std::vector<Scenario>& scenarios() {
    static const std::vector<Scenario> all = {
        {"cold_start", "three nodes boot: quorum, coordinator, placement, lease votes, start",
         [](SimCluster& sim) {
             settle(sim);
             sim.run_for(1s);
         }},
        {"primary_crash", "the primary's machine crashes; a standby takes over after the grant hold",
         [](SimCluster& sim) {
             const NodeId p = settle(sim);
             sim.run_for(1s);
             sim.crash(p);
             sim.run_for(3s);
             sim.restart(p);
             sim.run_for(2s);
         }},
        {"switchover", "an operator moves web to n3; the old primary releases, no lease wait",
         [](SimCluster& sim) {
             settle(sim);
             sim.run_for(1s);
             sim.run_command(sim.node_id("n2"),
                             agent::in::Command{0, agent::CommandKind::switchover, "web", "n3"}, 2s);
             sim.run_for(2s);
         }},
        {"graceful_leave", "the primary shuts down; a standby starts before any timeout",
         [](SimCluster& sim) {
             const NodeId p = settle(sim);
             sim.run_for(1s);
             sim.shutdown(p);
             sim.run_for(2s);
         }},
        {"minority_partition", "five nodes; the primary ends up in a minority of two",
         [](SimCluster& sim) {
             const NodeId p = settle(sim);
             sim.run_for(1s);
             std::vector<NodeId> minority{p}, majority;
             for (NodeId n = 0; n < sim.node_count(); ++n) {
                 if (n == p) continue;
                 (minority.size() < 2 ? minority : majority).push_back(n);
             }
             sim.partition({minority, majority});
             sim.run_for(3s);
             sim.heal();
             sim.run_for(2s);
         }},
    };
    return all;
}

}  // namespace

int main(int argc, char** argv) {
    Rewrite rewrite = rewrite_from_environment();
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--rewrite") == 0) {
            rewrite = Rewrite::yes;
        } else if (std::strcmp(argv[i], "--list") == 0) {
            for (const Scenario& s : scenarios()) std::printf("%-20s %s\n", s.name, s.what);
            return 0;
        } else {
            std::fprintf(stderr, "usage: hacluster-sim-golden [--rewrite] [--list]\n"
                                 "unknown argument: %s\n", argv[i]);
            return 2;
        }
    }
    int failed = 0;
    for (const Scenario& s : scenarios()) {
        SimCluster sim(canonical(std::string(s.name) == "minority_partition" ? 5 : 3));
        s.run(sim);
        std::vector<std::string> lines{std::string("# ") + s.name + ": " + s.what};
        lines.insert(lines.end(), sim.transcript().begin(), sim.transcript().end());
        if (!sim.violations().empty()) {
            std::printf("FAIL %s: %zu safety violation(s): %s\n", s.name, sim.violations().size(),
                        describe(sim.violations().front(), sim.config()).c_str());
            ++failed;
            continue;
        }
        const auto problem = compare_golden(golden_dir() / (std::string(s.name) + ".txt"), lines,
                                            rewrite);
        if (problem) {
            std::printf("FAIL %s: %s\n", s.name, problem->c_str());
            ++failed;
        } else {
            std::printf("ok   %s%s\n", s.name, rewrite == Rewrite::yes ? " (rewritten)" : "");
        }
    }
    std::printf("%zu passed, %d failed\n", scenarios().size() - failed, failed);
    return failed == 0 ? 0 : 1;
}
