// GroupMonitor on a real loop with a real executor and a real script: monitors,
// restarts in place, fail counts, and giving up so that the core moves the group.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/group_monitor.h"
#include "resources/process_runner.h"
#include "test/daemon/test_support.h"

using namespace hacluster;
using namespace hacluster::daemon;
using hacluster::test::run_for;
using hacluster::test::run_until;
using hacluster::test::TempDir;

namespace {

// One group "web" with resources "a" and "b", each a script that logs
// "ACTION NAME" and whose monitor exits with the code in DIR/NAME.rc (0 if absent).
struct Fixture {
    TempDir dir;
    uv_loop_t loop{};
    std::unique_ptr<resources::ProcessRunner> runner;
    std::unique_ptr<resources::GroupExecutor> executor;
    std::unique_ptr<GroupMonitor> monitor;
    std::vector<agent::in::GroupFailed> failures;

    explicit Fixture(std::int64_t max_failures) {
        uv_loop_init(&loop);
        const auto script = dir.path / "res";
        std::ofstream(script) << "#!/bin/sh\n"
                                 "d='" << dir.path.string() << "'\n"
                                 "echo \"$1 $HACLUSTER_RESOURCE\" >> \"$d/log\"\n"
                                 "if [ \"$1\" = monitor ] && [ -f \"$d/$HACLUSTER_RESOURCE.rc\" ]; then\n"
                                 "  exit \"$(cat \"$d/$HACLUSTER_RESOURCE.rc\")\"\n"
                                 "fi\n"
                                 "exit 0\n";
        std::filesystem::permissions(script, std::filesystem::perms::owner_all);
        std::vector<resources::ResourceConfig> resources;
        for (const char* name : {"a", "b"}) {
            resources::ResourceConfig r;
            r.name = name;
            r.agent = script.string();
            r.monitor_interval = std::chrono::milliseconds(20);
            r.max_failures = max_failures;
            resources.push_back(r);
        }
        runner = std::make_unique<resources::ProcessRunner>(&loop);
        resources::ExecutorOptions options;
        options.dirs = resources::ScriptDirs::standard();
        options.kill_grace = std::chrono::milliseconds(100);
        executor = std::make_unique<resources::GroupExecutor>(*runner, resources::GroupInfo{"web", "n1", resources},
                                                              options);
        agent::GroupConfig group{"web", {"n1"}};
        monitor = std::make_unique<GroupMonitor>(&loop, *executor, 0, group, resources);
        monitor->on_failed([this](const agent::in::GroupFailed& f) { failures.push_back(f); });
    }
    ~Fixture() {
        monitor.reset();
        executor.reset();
        runner.reset();
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
    }
    void set_rc(const std::string& resource, int rc) { std::ofstream(dir.path / (resource + ".rc")) << rc; }
    void clear_rc(const std::string& resource) { std::filesystem::remove(dir.path / (resource + ".rc")); }
    std::string log() const {
        std::ifstream in(dir.path / "log");
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    std::size_t count(const std::string& line) const {
        std::size_t n = 0;
        std::istringstream in(log());
        for (std::string l; std::getline(in, l);) n += l == line;
        return n;
    }
};

}  // namespace

TEST_CASE("group monitor: monitors every resource while running, nothing once stopped", "[monitor]") {
    Fixture f(3);
    f.monitor->running(5);
    REQUIRE(run_until(&f.loop, [&] { return f.count("monitor a") >= 2 && f.count("monitor b") >= 2; }));
    f.monitor->stopped();
    run_for(&f.loop, 50);  // what was in flight finishes
    const std::size_t after = f.count("monitor a");
    run_for(&f.loop, 200);
    CHECK(f.count("monitor a") == after);
    CHECK(f.failures.empty());
    CHECK(f.monitor->fail_counts() == std::vector<std::int64_t>{0, 0});
}

TEST_CASE("group monitor: a failed monitor restarts the group in place and counts", "[monitor]") {
    Fixture f(3);
    f.monitor->running(5);
    f.set_rc("b", 7);
    REQUIRE(run_until(&f.loop, [&] { return f.count("start a") == 1; }));
    f.clear_rc("b");
    // Stopped in reverse order, started in order, then monitored again.
    const std::string log = f.log();
    const auto stop_b = log.find("stop b"), stop_a = log.find("stop a");
    const auto start_a = log.find("start a");
    CHECK(stop_b < stop_a);
    CHECK(stop_a < start_a);
    REQUIRE(run_until(&f.loop, [&] { return f.count("start b") == 1 && !f.monitor->restarting(); }));
    CHECK(start_a < f.log().find("start b"));
    CHECK(f.monitor->fail_counts() == std::vector<std::int64_t>{0, 1});
    const std::size_t monitors = f.count("monitor b");
    REQUIRE(run_until(&f.loop, [&] { return f.count("monitor b") > monitors + 1; }));
    CHECK(f.failures.empty());
    // A new tenure starts the counts again.
    f.monitor->running(6);
    CHECK(f.monitor->fail_counts() == std::vector<std::int64_t>{0, 0});
}

TEST_CASE("group monitor: at max_failures the group is reported failed, not restarted", "[monitor]") {
    Fixture f(2);
    f.monitor->running(9);
    f.set_rc("a", 1);
    REQUIRE(run_until(&f.loop, [&] { return !f.failures.empty(); }));
    CHECK(f.failures[0].group == 0);
    CHECK(f.failures[0].term == 9);
    CHECK(f.failures[0].reason == "monitor_failed_a");
    CHECK(f.monitor->fail_counts() == std::vector<std::int64_t>{2, 0});
    CHECK(f.count("start a") == 1);  // the one restart in place after the first failure
    // No more monitoring once given up: the core stops the group.
    const std::size_t monitors = f.count("monitor a");
    run_for(&f.loop, 200);
    CHECK(f.count("monitor a") == monitors);
    CHECK(f.failures.size() == 1);
}

TEST_CASE("group monitor: max_failures 1 moves on the first failure", "[monitor]") {
    Fixture f(1);
    f.monitor->running(3);
    f.set_rc("b", 7);
    REQUIRE(run_until(&f.loop, [&] { return !f.failures.empty(); }));
    CHECK(f.failures[0].reason == "monitor_failed_b");
    CHECK(f.count("stop a") == 0);
    CHECK(f.count("start a") == 0);
}
