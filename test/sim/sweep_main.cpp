// hacluster-sim: the seed sweep. Runs seeds seed..seed+runs-1, each a fresh
// simulated cluster with a random fault schedule, and ends with one summary line
// on stdout. Exit 0: no safety violation and no liveness failure; 1: some; 2: bad
// arguments.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <csignal>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

#include "test/sim/sim_sweep.h"

namespace {

using namespace hacluster;
using namespace hacluster::sim;
using namespace std::chrono_literals;

struct Args {
    std::uint64_t seed = 1;
    std::uint64_t runs = 100;
    std::uint64_t jobs = 0;  // 0: one per core
    bool verbose = false;
    SweepOptions sweep;
    // The arguments that shape a run, to repeat in "reproduce with".
    std::vector<std::string> knobs_given;
};

struct UsageError {
    std::string argument;
    std::string why;
};

// A numeric knob: --name=N.
struct Knob {
    const char* name;
    const char* help;
    std::uint32_t FaultKnobs::*field;
    std::uint32_t max;
};

constexpr std::uint32_t ppm_max = 1'000'000;
constexpr std::uint32_t rate_max = 6'000;  // 100 per simulated second

const Knob knobs[] = {
    {"crash-rate", "machine crashes per simulated minute (reboot 0.3-5 s later)", &FaultKnobs::crash_per_min, rate_max},
    {"kill-rate", "daemon kills per minute (the supervisor stops guarded groups; restart 0.1-3 s later)", &FaultKnobs::kill_per_min, rate_max},
    {"pause-rate", "process pauses per minute (5 ms to 5 s, some longer than a lease)", &FaultKnobs::pause_per_min, rate_max},
    {"partition-rate", "partitions per minute (isolation, splits, one-way cuts, one link down; 0.2-6 s)", &FaultKnobs::partition_per_min, rate_max},
    {"flap-rate", "flapping links per minute (cut/heal every 50-800 ms, 3-12 times)", &FaultKnobs::flap_per_min, rate_max},
    {"drift-rate", "clock rate changes per minute (within max_clock_drift_ppm)", &FaultKnobs::drift_per_min, rate_max},
    {"delay-rate", "delay spikes per minute (+2-200 ms on a node's traffic for 0.5-4 s)", &FaultKnobs::delay_per_min, rate_max},
    {"leave-rate", "graceful leaves per minute (back 0.5-4 s later)", &FaultKnobs::leave_per_min, rate_max},
    {"health-rate", "health check failures per minute (a node unhealthy for 0.3-5 s)", &FaultKnobs::health_per_min, rate_max},
    {"ready-rate", "promotable instances not ready per minute (0.2-4 s)", &FaultKnobs::ready_per_min, rate_max},
    {"loss-ppm", "datagram loss on every link, parts per million", &FaultKnobs::loss_ppm, ppm_max},
    {"dup-ppm", "datagram duplication", &FaultKnobs::duplicate_ppm, ppm_max},
    {"reorder-ppm", "datagrams delayed by up to 20 ms extra", &FaultKnobs::reorder_ppm, ppm_max},
    {"corrupt-ppm", "datagrams with one byte flipped", &FaultKnobs::corrupt_ppm, ppm_max},
    {"script-fail-ppm", "start scripts that exit 1", &FaultKnobs::start_fail_ppm, ppm_max},
    {"script-hang-ppm", "start scripts that hang until their timeout", &FaultKnobs::start_hang_ppm, ppm_max},
    {"script-slow-ppm", "start scripts that take 50-95% of their timeout", &FaultKnobs::start_slow_ppm, ppm_max},
    {"stop-fail-ppm", "stop scripts that exit 1 (a cut-off node escalates: design 4.8)", &FaultKnobs::stop_fail_ppm, ppm_max},
    {"stop-hang-ppm", "stop scripts that hang until their timeout (same)", &FaultKnobs::stop_hang_ppm, ppm_max},
    {"stop-slow-ppm", "stop scripts that take 50-95% of their timeout", &FaultKnobs::stop_slow_ppm, ppm_max},
    {"stop-overrun-ppm", "stop scripts that would take 110-300% of their timeout (killed at it)", &FaultKnobs::stop_overrun_ppm, ppm_max},
    {"fence-fail-ppm", "fence attempts that fail (with --fencing)", &FaultKnobs::fence_fail_ppm, ppm_max},
    {"fence-slow-ppm", "fence attempts that take 1-4 s, beyond a lease (with --fencing)", &FaultKnobs::fence_slow_ppm, ppm_max},
};

// The seed each worker is running, for the crash report: an assertion or a
// crash in the core takes the whole process down, and the seed is what is needed
// to replay it.
constexpr std::size_t max_jobs = 256;
constexpr std::uint64_t no_seed = UINT64_MAX;
std::atomic<std::uint64_t> running_seed[max_jobs];
std::size_t running_jobs = 0;

void write_text(const char* text) {
    const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
    (void)ignored;
}

// The worker index of this thread (the crash handler runs on the thread that
// crashed or asserted).
thread_local std::size_t this_job = max_jobs;

void write_number(std::uint64_t value) {
    char digits[24];
    std::size_t n = 0;
    do {
        digits[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    char text[32];
    text[0] = ' ';
    for (std::size_t i = 0; i < n; ++i) text[1 + i] = digits[n - 1 - i];
    text[1 + n] = '\0';
    write_text(text);
}

void on_crash(int signal_number) {
    // Only async-signal-safe calls: write(2) and hand-made number formatting.
    if (this_job < running_jobs && running_seed[this_job].load() != no_seed) {
        write_text("hacluster-sim: crashed (signal) running seed");
        write_number(running_seed[this_job].load());
        write_text("\n");
    } else {
        write_text("hacluster-sim: crashed (signal); seeds in progress:");
        for (std::size_t j = 0; j < running_jobs; ++j) {
            if (running_seed[j].load() != no_seed) write_number(running_seed[j].load());
        }
        write_text("\n");
    }
    write_text("replay with --seed=N --runs=1 --jobs=1 and the same knobs\n");
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
}

void print_help() {
    const FaultKnobs d{};
    std::printf(
        "usage: hacluster-sim [options]\n"
        "Runs the deterministic cluster simulator for seeds seed..seed+runs-1: real agents,\n"
        "simulated network, clocks and scripts, random faults until a heal point, safety\n"
        "checked after every event, liveness after the heal point. Ends with one line:\n"
        "  runs=R violations=V liveness_failures=L p50_failover_ms=X max_failover_ms=Y\n"
        "Exit status: 0 no violations and no liveness failures, 1 some, 2 bad arguments.\n\n"
        "  --seed=N             first seed (default 1)\n"
        "  --runs=R             number of runs (default 100)\n"
        "  --nodes=N            nodes n1..nN, 1-64 (default 3)\n"
        "  --groups=G           groups g1..gG, 1-64, priorities rotated, every second one promotable (default 2)\n"
        "  --links=L            links (addresses per node), 1-4 (default 2)\n"
        "  --relations          g2 with and after g1, g3 away_from g1 (design 3.4)\n"
        "  --duration=S         simulated seconds per run (default 30)\n"
        "  --jobs=J             worker threads (default: one per core)\n"
        "  --no-faults          set every rate and ppm below to 0\n"
        "  --unsafe-skip-lease  run every agent with Safety::unsafe_skip_lease (the\n"
        "                       checker must then report violations)\n"
        "  --unsafe-no-escalation  stops may overrun the lease and nothing escalates\n"
        "                       (no kill, no address removal, no self-fence: design 4.8);\n"
        "                       the checker must then report violations\n"
        "  --fencing            a fence device on every node: the coordinator fences\n"
        "                       silent holders (fenced nodes reboot 0.3-5 s later)\n"
        "  --verbose            print the full log of failing runs\n"
        "  --help               this text\n\n"
        "fault knobs (defaults in brackets):\n");
    for (const Knob& k : knobs) {
        const std::string flag = std::string("--") + k.name + "=N";
        std::printf("  %-20s %s [%u]\n", flag.c_str(), k.help, d.*k.field);
    }
}

std::optional<std::uint64_t> parse_number(std::string_view text) {
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || text.empty()) return std::nullopt;
    return value;
}

std::uint64_t number_in(std::string_view arg, std::string_view value, std::uint64_t lo,
                        std::uint64_t hi) {
    const auto n = parse_number(value);
    if (!n) throw UsageError{std::string(arg), "not a whole number"};
    if (*n < lo || *n > hi) {
        throw UsageError{std::string(arg),
                         "must be " + std::to_string(lo) + ".." + std::to_string(hi)};
    }
    return *n;
}

Args parse(int argc, char** argv) {
    Args args;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            print_help();
            std::exit(0);
        }
        if (arg == "--verbose") {
            args.verbose = true;
            continue;
        }
        if (arg == "--unsafe-skip-lease") {
            args.sweep.safety = agent::Safety::unsafe_skip_lease;
            args.knobs_given.emplace_back(arg);
            continue;
        }
        if (arg == "--unsafe-no-escalation") {
            args.sweep.safety = agent::Safety::unsafe_no_escalation;
            args.knobs_given.emplace_back(arg);
            continue;
        }
        if (arg == "--fencing") {
            args.sweep.fencing = true;
            args.knobs_given.emplace_back(arg);
            continue;
        }
        if (arg == "--relations") {
            args.sweep.relations = Relations::linked;
            args.knobs_given.emplace_back(arg);
            continue;
        }
        if (arg == "--no-faults") {
            for (const Knob& k : knobs) args.sweep.faults.*k.field = 0;
            args.knobs_given.emplace_back(arg);
            continue;
        }
        const auto eq = arg.find('=');
        if (arg.substr(0, 2) != "--" || eq == std::string_view::npos) {
            throw UsageError{std::string(arg), "unknown argument (see --help)"};
        }
        const std::string_view name = arg.substr(2, eq - 2);
        const std::string_view value = arg.substr(eq + 1);
        if (name == "seed") {
            args.seed = number_in(arg, value, 0, UINT64_MAX);
        } else if (name == "runs") {
            args.runs = number_in(arg, value, 1, 100'000'000);
        } else if (name == "jobs") {
            args.jobs = number_in(arg, value, 1, max_jobs);
        } else if (name == "nodes") {
            args.sweep.nodes = number_in(arg, value, 1, agent::max_nodes);
        } else if (name == "groups") {
            args.sweep.groups = number_in(arg, value, 1, agent::max_groups);
        } else if (name == "links") {
            args.sweep.links = number_in(arg, value, 1, agent::max_links);
            args.knobs_given.emplace_back(arg);
        } else if (name == "duration") {
            args.sweep.duration = std::chrono::seconds(number_in(arg, value, 1, 86'400));
        } else {
            const Knob* knob = nullptr;
            for (const Knob& k : knobs) {
                if (name == k.name) knob = &k;
            }
            if (knob == nullptr) throw UsageError{std::string(arg), "unknown argument (see --help)"};
            args.sweep.faults.*knob->field =
                static_cast<std::uint32_t>(number_in(arg, value, 0, knob->max));
            args.knobs_given.emplace_back(arg);
        }
    }
    if (args.seed > UINT64_MAX - (args.runs - 1)) {
        throw UsageError{"--seed=" + std::to_string(args.seed), "seed + runs overflows 64 bits"};
    }
    if (auto problem = check_duration(args.sweep)) {
        throw UsageError{"--duration=" + std::to_string(args.sweep.duration.count() / 1'000'000'000),
                         *problem};
    }
    return args;
}

std::string reproduce_line(const Args& args, std::uint64_t seed) {
    std::string line = "hacluster-sim --seed=" + std::to_string(seed) +
                       " --runs=1 --nodes=" + std::to_string(args.sweep.nodes) +
                       " --groups=" + std::to_string(args.sweep.groups) + " --duration=" +
                       std::to_string(args.sweep.duration.count() / 1'000'000'000);
    for (const std::string& knob : args.knobs_given) line += " " + knob;
    return line;
}

void print_failure(const Args& args, const RunResult& r) {
    std::printf("FAIL seed=%llu: %zu safety violation(s)%s\n", static_cast<unsigned long long>(r.seed),
                r.violations.size(), r.liveness ? ", liveness failure" : "");
    if (!r.violations.empty()) std::printf("  first: %s\n", describe(r.violations.front(), r.config).c_str());
    if (r.liveness) std::printf("  liveness: %s\n", describe(*r.liveness, r.config).c_str());
    std::printf("  reproduce with: %s\n", reproduce_line(args, r.seed).c_str());
    if (args.verbose) {
        for (const std::string& line : r.log) std::printf("    %s\n", line.c_str());
    }
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    try {
        args = parse(argc, argv);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "hacluster-sim: %s: %s\n", e.argument.c_str(), e.why.c_str());
        return 2;
    }
    if (args.verbose) args.sweep.recording = Recording::transcript;
    std::uint64_t jobs = args.jobs != 0 ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
    jobs = std::min({jobs, args.runs, static_cast<std::uint64_t>(max_jobs)});
    running_jobs = jobs;
    for (std::size_t j = 0; j < jobs; ++j) running_seed[j] = no_seed;
    for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, on_crash);

    // Workers take seeds in order; the main thread prints results in seed order
    // so that the output does not depend on the thread count.
    std::vector<std::optional<RunResult>> results(args.runs);
    std::atomic<std::uint64_t> next{0};
    std::mutex mutex;
    std::condition_variable done_cv;
    std::vector<std::thread> workers;
    for (std::uint64_t j = 0; j < jobs; ++j) {
        workers.emplace_back([&, j] {
            this_job = j;
            while (true) {
                const std::uint64_t i = next.fetch_add(1);
                if (i >= args.runs) return;
                running_seed[j] = args.seed + i;
                RunResult r = run_seed(args.seed + i, args.sweep);
                running_seed[j] = no_seed;
                std::lock_guard lock(mutex);
                results[i] = std::move(r);
                done_cv.notify_one();
            }
        });
    }

    const auto started = std::chrono::steady_clock::now();
    auto last_progress = started;
    std::uint64_t printed = 0;
    std::uint64_t violations = 0;
    std::uint64_t liveness_failures = 0;
    std::uint64_t last_percent = 0;
    std::vector<Duration> failovers;
    while (printed < args.runs) {
        std::optional<RunResult> r;
        {
            std::unique_lock lock(mutex);
            done_cv.wait_for(lock, 1s, [&] { return results[printed].has_value(); });
            if (results[printed]) {
                r = std::move(results[printed]);
                results[printed].reset();
            }
        }
        if (r) {
            ++printed;
            if (!r->violations.empty()) ++violations;
            if (r->liveness) ++liveness_failures;
            failovers.insert(failovers.end(), r->failovers.begin(), r->failovers.end());
            if (!r->violations.empty() || r->liveness) print_failure(args, *r);
        }
        const auto now = std::chrono::steady_clock::now();
        const std::uint64_t percent = printed * 100 / args.runs;
        const bool step = percent / 5 > last_percent / 5 && now - last_progress >= 2s;
        if (printed < args.runs && (step || now - last_progress >= 10s)) {
            const double elapsed = std::chrono::duration<double>(now - started).count();
            const double eta = printed == 0 ? 0 : elapsed * static_cast<double>(args.runs - printed) /
                                                      static_cast<double>(printed);
            std::fprintf(stderr,
                         "hacluster-sim: %llu/%llu runs (%llu%%), %llu failing, %.0f s elapsed, ~%.0f s left\n",
                         static_cast<unsigned long long>(printed), static_cast<unsigned long long>(args.runs),
                         static_cast<unsigned long long>(percent),
                         static_cast<unsigned long long>(violations + liveness_failures), elapsed, eta);
            last_progress = now;
            last_percent = percent;
        }
    }
    for (std::thread& t : workers) t.join();

    std::sort(failovers.begin(), failovers.end());
    const long long p50 = failovers.empty() ? 0 : agent::to_ms(failovers[(failovers.size() - 1) / 2]);
    const long long max = failovers.empty() ? 0 : agent::to_ms(failovers.back());
    std::printf("runs=%llu violations=%llu liveness_failures=%llu p50_failover_ms=%lld max_failover_ms=%lld\n",
                static_cast<unsigned long long>(args.runs), static_cast<unsigned long long>(violations),
                static_cast<unsigned long long>(liveness_failures), p50, max);
    return violations == 0 && liveness_failures == 0 ? 0 : 1;
}
