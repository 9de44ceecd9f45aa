// UnpromotedKeeper on a real loop with a real executor and the promotable test
// agent (test/agents/ocf: ocf:hacluster:promotable-test): the unpromoted instance
// is started when wanted, monitored, restarted in place, given up (not ready),
// left alone while the group is held here, stopped when no longer wanted.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/unpromoted_keeper.h"
#include "resources/process_runner.h"
#include "test/daemon/test_support.h"

using namespace hacluster;
using namespace hacluster::daemon;
using hacluster::test::run_for;
using hacluster::test::run_until;
using hacluster::test::TempDir;

namespace {

struct KeeperFixture {
    TempDir dir;
    uv_loop_t loop{};
    std::unique_ptr<resources::ProcessRunner> runner;
    std::unique_ptr<resources::GroupExecutor> executor;
    std::unique_ptr<UnpromotedKeeper> keeper;
    std::vector<agent::in::GroupReady> reports;

    explicit KeeperFixture(std::int64_t max_failures) {
        uv_loop_init(&loop);
        std::vector<resources::ResourceConfig> resources;
        resources::ResourceConfig db;
        db.name = "db";
        db.agent = "ocf:hacluster:promotable-test";
        db.promotable = true;
        db.monitor_interval = std::chrono::milliseconds(20);
        db.max_failures = max_failures;
        db.params = {{"state_dir", dir.path.string()}};
        resources.push_back(db);
        runner = std::make_unique<resources::ProcessRunner>(&loop);
        resources::ExecutorOptions options;
        options.dirs.ocf_root = HACLUSTER_TEST_OCF_ROOT;
        options.kill_grace = std::chrono::milliseconds(100);
        executor = std::make_unique<resources::GroupExecutor>(*runner, resources::GroupInfo{"pg", "n1", resources},
                                                              options);
        agent::GroupConfig group{"pg", {"n1"}};
        group.promotable = true;
        keeper = std::make_unique<UnpromotedKeeper>(&loop, *executor, 0, group, resources);
        keeper->on_ready([this](const agent::in::GroupReady& r) { reports.push_back(r); });
    }
    ~KeeperFixture() {
        keeper.reset();
        executor.reset();
        runner.reset();
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
    }
    std::filesystem::path file(const std::string& name) const { return dir.path / "n1" / name; }
    std::string role() const {
        std::ifstream in(file("db.state"));
        std::string r;
        in >> r;
        return r.empty() ? "stopped" : r;
    }
    void set_role(const std::string& r) { std::ofstream(file("db.state")) << r << "\n"; }
    bool ready() const { return !reports.empty() && reports.back().ready; }
    bool not_ready() const { return !reports.empty() && !reports.back().ready; }
};

}  // namespace

TEST_CASE("unpromoted keeper: starts the instance when wanted, then it is ready", "[keeper]") {
    KeeperFixture f(3);
    CHECK(std::string(f.keeper->state()) == "stopped");
    f.keeper->plan({.wanted = true, .held_here = false});
    REQUIRE(run_until(&f.loop, [&] { return f.ready(); }));
    CHECK(f.role() == "unpromoted");
    CHECK(std::string(f.keeper->state()) == "unpromoted");
    CHECK(f.reports.size() == 1);

    // Held here: the group's start promotes it; the keeper does not touch it.
    f.keeper->plan({.wanted = true, .held_here = true});
    CHECK(std::string(f.keeper->state()) == "promoted");
    f.set_role("promoted");
    run_for(&f.loop, 150);
    CHECK(f.role() == "promoted");
    CHECK(f.keeper->fail_count() == 0);

    // Released (the core's stop demoted it): kept running unpromoted again.
    f.set_role("unpromoted");
    f.keeper->plan({.wanted = true, .held_here = false});
    REQUIRE(run_until(&f.loop, [&] { return std::string(f.keeper->state()) == "unpromoted"; }));
    CHECK(f.ready());

    // No longer wanted (standby, leaving): stopped, not ready.
    f.keeper->plan({.wanted = false, .held_here = false});
    REQUIRE(run_until(&f.loop, [&] { return std::string(f.keeper->state()) == "stopped"; }));
    CHECK(f.role() == "stopped");
    CHECK(f.not_ready());
}

TEST_CASE("unpromoted keeper: an unexpected promotion is demoted in place; a stop restarts it", "[keeper]") {
    KeeperFixture f(3);
    f.keeper->plan({.wanted = true, .held_here = false});
    REQUIRE(run_until(&f.loop, [&] { return f.ready(); }));
    const auto settled = [&](std::int64_t failures) {
        return f.keeper->fail_count() == failures && f.role() == "unpromoted" &&
               std::string(f.keeper->state()) == "unpromoted";
    };
    f.set_role("promoted");
    REQUIRE(run_until(&f.loop, [&] { return settled(1); }));
    f.set_role("stopped");
    REQUIRE(run_until(&f.loop, [&] { return settled(2); }));
    CHECK(f.ready());  // restarts in place do not make the node ineligible
}

TEST_CASE("unpromoted keeper: at max_failures or a failed start the node is not ready", "[keeper]") {
    SECTION("monitor failures") {
        KeeperFixture f(1);
        f.keeper->plan({.wanted = true, .held_here = false});
        REQUIRE(run_until(&f.loop, [&] { return f.ready(); }));
        std::ofstream(f.file("db.monitor.fail")) << "";
        REQUIRE(run_until(&f.loop, [&] { return f.not_ready(); }));
        CHECK(f.reports.back().reason == "monitor_failed_db");
        REQUIRE(run_until(&f.loop, [&] { return std::string(f.keeper->state()) == "failed"; }));
        CHECK(f.role() == "stopped");  // a stopped instance is safe
    }
    SECTION("a failed start") {
        KeeperFixture f(3);
        std::filesystem::create_directories(f.dir.path / "n1");
        std::ofstream(f.file("db.start.fail")) << "";
        f.keeper->plan({.wanted = true, .held_here = false});
        REQUIRE(run_until(&f.loop, [&] { return f.not_ready(); }));
        CHECK(f.reports.back().reason == "start_failed_db");
        REQUIRE(run_until(&f.loop, [&] { return std::string(f.keeper->state()) == "failed"; }));
    }
}
