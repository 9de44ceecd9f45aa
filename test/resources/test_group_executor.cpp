#include <signal.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "res_test_support.h"
#include "resources/group_executor.h"

namespace hacluster::resources::test {
namespace {

using agent::ExecStatus;
using agent::ScriptAction;

// One agent script for every resource of a test group: it appends
// "<resource> <action>" to a log, then does what the test's case lines say
// (shell `case` arms on "$HACLUSTER_RESOURCE $1"), else exits 0.
class Harness {
public:
    explicit Harness(const std::string& cases = "") {
        log_ = dir_.file("log");
        agent_ = dir_.script("agent", "echo \"$HACLUSTER_RESOURCE $1\" >> " + log_ +
                                          "\ncase \"$HACLUSTER_RESOURCE $1\" in\n" + cases + "\nesac\nexit 0");
        runner_ = std::make_unique<ProcessRunner>(loop_.get());
    }
    ~Harness() {
        executor_.reset();
        runner_.reset();
        CHECK(loop_.close() == 0);
    }

    GroupExecutor& make(std::vector<ResourceConfig> resources, std::chrono::milliseconds kill_grace = 300ms,
                        ScriptDirs dirs = {}) {
        ExecutorOptions options;
        options.kill_grace = kill_grace;
        options.dirs = std::move(dirs);
        executor_ = std::make_unique<GroupExecutor>(*runner_, GroupInfo{"web", "n1", std::move(resources)},
                                                    std::move(options));
        return *executor_;
    }

    ResourceConfig resource(const std::string& name) const {
        ResourceConfig r;
        r.name = name;
        r.agent = agent_;
        return r;
    }
    std::vector<ResourceConfig> resources(std::initializer_list<const char*> names) const {
        std::vector<ResourceConfig> list;
        for (const char* name : names) list.push_back(resource(name));
        return list;
    }

    // Runs one action to its end; nothing after upper_bound.
    GroupExecutor& executor() { return *executor_; }
    // validate-all of the group's OCF resources, ahead of any start; returns when all ended.
    void validate() {
        bool done = false;
        executor_->validate([&] { done = true; });
        loop_.run_until([&] { return done; });
    }
    std::optional<GroupResult> run(GroupAction action) {
        std::optional<GroupResult> result;
        const auto start = std::chrono::steady_clock::now();
        executor_->run(std::move(action), [&](GroupResult r) { result = std::move(r); });
        loop_.run_until([&] { return result.has_value(); });
        took_ = std::chrono::steady_clock::now() - start;
        return result;
    }

    std::vector<std::string> log() const { return read_lines(log_); }
    TestLoop& loop() { return loop_; }
    const TempDir& dir() const { return dir_; }
    std::chrono::steady_clock::duration took() const { return took_; }

private:
    TestLoop loop_;
    TempDir dir_;
    std::string log_;
    std::string agent_;
    std::unique_ptr<ProcessRunner> runner_;
    std::unique_ptr<GroupExecutor> executor_;
    std::chrono::steady_clock::duration took_{};
};

GroupAction action(std::uint64_t op, ScriptAction what, std::chrono::milliseconds timeout = 30s) {
    return GroupAction{op, what, 7, what == ScriptAction::start ? "promote" : "demote", timeout};
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("start runs resources in order, stop in reverse", "[group]") {
    Harness h;
    GroupExecutor& group = h.make(h.resources({"a", "b", "c"}));
    const auto started = h.run(action(1, ScriptAction::start));
    REQUIRE(started);
    CHECK(started->op == 1);
    CHECK(started->status == ExecStatus::done);
    CHECK(started->exit_code == 0);
    CHECK(started->resource.empty());
    CHECK(h.log() == Lines{"a start", "b start", "c start"});

    const auto stopped = h.run(action(2, ScriptAction::stop));
    REQUIRE(stopped);
    CHECK(stopped->op == 2);
    CHECK(stopped->action == ScriptAction::stop);
    CHECK(stopped->status == ExecStatus::done);
    CHECK(h.log() == Lines{"a start", "b start", "c start", "c stop", "b stop", "a stop"});
    CHECK(group.idle());
}

TEST_CASE("a failing start stops what was started, in reverse, and names the resource", "[group]") {
    Harness h("\"b start\") echo 'no such address' >&2; exit 3 ;;");
    h.make(h.resources({"a", "b", "c"}));
    const auto result = h.run(action(1, ScriptAction::start));
    REQUIRE(result);
    CHECK(result->status == ExecStatus::done);
    CHECK(result->exit_code == 3);
    CHECK(result->resource == "b");
    const agent::in::ScriptDone done = result->script_done();
    CHECK(done.op == 1);
    CHECK(done.status == ExecStatus::done);
    CHECK(done.exit_code == 3);
    // b too: a half-done start must not stay behind.
    CHECK(h.log() == Lines{"a start", "b start", "b stop", "a stop"});
}

TEST_CASE("stop attempts every resource and reports the first failure", "[group]") {
    Harness h("\"c stop\") exit 1 ;;\n\"b stop\") exit 2 ;;");
    h.make(h.resources({"a", "b", "c"}));
    const auto result = h.run(action(1, ScriptAction::stop));
    REQUIRE(result);
    CHECK(result->status == ExecStatus::done);
    CHECK(result->exit_code == 1);
    CHECK(result->resource == "c");
    CHECK(h.log() == Lines{"c stop", "b stop", "a stop"});
}

TEST_CASE("the group timeout bounds the whole start", "[group]") {
    Harness h("\"b start\") exec sleep 1000 ;;");
    h.make(h.resources({"a", "b", "c"}));
    const auto result = h.run(action(1, ScriptAction::start, 300ms));
    REQUIRE(result);
    CHECK(result->status == ExecStatus::timed_out);
    CHECK(result->exit_code == -1);
    CHECK(result->resource == "b");
    CHECK(h.took() < 5s);
    // No time left for a rollback: the core follows a failed start with a stop.
    CHECK(h.log() == Lines{"a start", "b start"});
}

TEST_CASE("a resource's own start timeout fails the start and rolls back", "[group]") {
    Harness h("\"b start\") exec sleep 1000 ;;");
    std::vector<ResourceConfig> resources = h.resources({"a", "b", "c"});
    resources[1].start_timeout = std::chrono::milliseconds(200);
    h.make(std::move(resources));
    const auto result = h.run(action(1, ScriptAction::start, 30s));
    REQUIRE(result);
    CHECK(result->status == ExecStatus::timed_out);
    CHECK(result->resource == "b");
    CHECK(h.took() < 5s);
    CHECK(h.log() == Lines{"a start", "b start", "b stop", "a stop"});
}

TEST_CASE("the group timeout bounds the whole stop", "[group]") {
    Harness h("\"b stop\") exec sleep 1000 ;;");
    h.make(h.resources({"a", "b", "c"}));
    const auto result = h.run(action(1, ScriptAction::stop, 300ms));
    REQUIRE(result);
    CHECK(result->status == ExecStatus::timed_out);
    CHECK(result->resource == "b");
    CHECK(h.took() < 5s);
    CHECK(h.log() == Lines{"c stop", "b stop"});
}

TEST_CASE("cancel kills the running start - a stop asked meanwhile runs after it", "[group]") {
    Harness h("\"b start\") exec sleep 1000 ;;");
    GroupExecutor& group = h.make(h.resources({"a", "b"}));
    std::vector<GroupResult> results;
    group.run(action(1, ScriptAction::start), [&](GroupResult r) { results.push_back(r); });
    REQUIRE(h.loop().run_until([&] { return h.log().size() == 2; }));  // b's start is running
    // What the core emits when it gives up a start: CancelScript, then RunScript{stop}.
    group.run(action(2, ScriptAction::stop), [&](GroupResult r) { results.push_back(r); });
    CHECK(group.cancel(1));
    CHECK(group.cancel(1));
    CHECK(results.empty());
    REQUIRE(h.loop().run_until([&] { return results.size() == 2; }));
    CHECK(results[0].op == 1);
    CHECK(results[0].status == ExecStatus::cancelled);
    CHECK(results[0].resource == "b");
    CHECK(results[1].op == 2);
    CHECK(results[1].status == ExecStatus::done);
    CHECK(h.log() == Lines{"a start", "b start", "b stop", "a stop"});
    CHECK_FALSE(group.cancel(1));
    CHECK(group.idle());
}

TEST_CASE("a queued action can be cancelled before it begins", "[group]") {
    Harness h("\"a start\") sleep 0.3 ;;");
    GroupExecutor& group = h.make(h.resources({"a"}));
    std::vector<GroupResult> results;
    group.run(action(1, ScriptAction::start), [&](GroupResult r) { results.push_back(r); });
    group.run(action(2, ScriptAction::stop), [&](GroupResult r) { results.push_back(r); });
    CHECK(group.cancel(2));
    CHECK_FALSE(group.cancel(3));
    REQUIRE(h.loop().run_until([&] { return results.size() == 2; }));
    CHECK(results[0].op == 2);
    CHECK(results[0].status == ExecStatus::cancelled);
    CHECK(results[1].op == 1);
    CHECK(results[1].status == ExecStatus::done);
    CHECK(h.log() == Lines{"a start"});
}

TEST_CASE("cancel before the action began runs nothing", "[group]") {
    Harness h;
    GroupExecutor& group = h.make(h.resources({"a"}));
    std::optional<GroupResult> result;
    group.run(action(1, ScriptAction::start), [&](GroupResult r) { result = r; });
    CHECK(group.cancel(1));
    REQUIRE(h.loop().run_until([&] { return result.has_value(); }));
    CHECK(result->status == ExecStatus::cancelled);
    CHECK(h.log().empty());
}

TEST_CASE("too many queued actions are refused", "[group]") {
    Harness h("\"a start\") exec sleep 1000 ;;");
    GroupExecutor& group = h.make(h.resources({"a"}));
    std::vector<GroupResult> results;
    const auto record = [&](GroupResult r) { results.push_back(r); };
    group.run(action(1, ScriptAction::start), record);
    for (std::uint64_t op = 2; op < 2 + GroupExecutor::max_queued; ++op) group.run(action(op, ScriptAction::stop), record);
    group.run(action(99, ScriptAction::stop), record);
    REQUIRE(h.loop().run_until([&] { return results.size() == 1; }));
    CHECK(results[0].op == 99);
    CHECK(results[0].status == ExecStatus::spawn_failed);
    CHECK(group.cancel(1));
    REQUIRE(h.loop().run_until([&] { return results.size() == 2 + GroupExecutor::max_queued; }));
    CHECK(results[1].status == ExecStatus::cancelled);
}

TEST_CASE("scripts get exactly the documented environment", "[group]") {
    TempDir out;
    const std::string env_file = out.file("env");
    Harness h("\"a start\") tr '\\0' '\\n' < /proc/$$/environ > " + env_file + " ;;");
    REQUIRE(::setenv("HACLUSTER_TEST_INHERITED", "leak", 1) == 0);
    std::vector<ResourceConfig> resources = h.resources({"a"});
    resources[0].params = {{"ip", "198.18.0.10"}, {"nic", "eth0"}};
    h.make(std::move(resources));
    const auto result = h.run(action(1, ScriptAction::start));
    ::unsetenv("HACLUSTER_TEST_INHERITED");
    REQUIRE(result);
    CHECK(result->status == ExecStatus::done);
    Lines env = read_lines(env_file);
    std::sort(env.begin(), env.end());
    CHECK(env == Lines{"HACLUSTER_GROUP=web", "HACLUSTER_NODE=n1", "HACLUSTER_PARAM_IP=198.18.0.10",
                       "HACLUSTER_PARAM_NIC=eth0", "HACLUSTER_REASON=promote", "HACLUSTER_RESOURCE=a",
                       "HACLUSTER_ROLE=primary", "HACLUSTER_TERM=7", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"});
}

TEST_CASE("an agent that cannot be found fails the start with the places looked at", "[group]") {
    Harness h;
    std::vector<ResourceConfig> resources = h.resources({"a", "b"});
    resources[1].agent = "vip";
    ScriptDirs dirs;
    dirs.dirs.push_back({h.dir().file("nowhere"), "test"});
    h.make(std::move(resources), 300ms, dirs);
    const auto result = h.run(action(1, ScriptAction::start));
    REQUIRE(result);
    CHECK(result->status == ExecStatus::spawn_failed);
    CHECK(result->exit_code == -1);
    CHECK(result->resource == "b");
    CHECK(result->message == "resource \"b\": agent \"vip\" not found as an executable file; looked at " +
                                 h.dir().file("nowhere") + "/vip (test)");
    // b's stop cannot run either; a's does.
    CHECK(h.log() == Lines{"a start", "a stop"});
}

TEST_CASE("monitor: 0 running, 7 stopped, anything else failed", "[group]") {
    Harness h("\"b monitor\") exit 7 ;;\n\"c monitor\") exit 1 ;;\n\"d monitor\") exec sleep 1000 ;;");
    std::vector<ResourceConfig> resources = h.resources({"a", "b", "c", "d"});
    resources[3].monitor_timeout = std::chrono::milliseconds(200);
    GroupExecutor& group = h.make(std::move(resources));
    std::map<std::string, MonitorResult> results;
    const auto record = [&](MonitorResult r) { results.emplace(r.resource, r); };
    for (const char* name : {"a", "b", "c", "d", "missing"}) group.monitor(name, {7, Role::primary, "monitor"}, record);
    group.monitor("a", {7, Role::primary, "monitor"}, [&](MonitorResult r) { results.emplace("a-again", r); });
    REQUIRE(h.loop().run_until([&] { return results.size() == 6; }));
    CHECK(results.at("a").state == ResourceState::running);
    CHECK(results.at("b").state == ResourceState::stopped);
    CHECK(results.at("b").exit_code == 7);
    CHECK(results.at("c").state == ResourceState::failed);
    CHECK(results.at("c").exit_code == 1);
    CHECK(results.at("d").state == ResourceState::failed);
    CHECK(results.at("d").status == ExecStatus::timed_out);
    CHECK(results.at("missing").status == ExecStatus::spawn_failed);
    CHECK(results.at("a-again").status == ExecStatus::spawn_failed);
    CHECK(results.at("a-again").message == "a monitor of a is already running");
    // Once it ended, the next one runs.
    std::optional<MonitorResult> again;
    group.monitor("a", {7, Role::primary, "monitor"}, [&](MonitorResult r) { again = r; });
    REQUIRE(h.loop().run_until([&] { return again.has_value(); }));
    CHECK(again->state == ResourceState::running);
}

TEST_CASE("an empty group starts and stops at once", "[group]") {
    Harness h;
    h.make({});
    const auto started = h.run(action(1, ScriptAction::start));
    REQUIRE(started);
    CHECK(started->status == ExecStatus::done);
    CHECK(started->exit_code == 0);
}

TEST_CASE("GroupAction comes from the core's RunScript", "[group]") {
    const agent::out::RunScript run{42, 3, ScriptAction::stop, 9, "switchover", std::chrono::milliseconds(200)};
    const GroupAction a = GroupAction::from(run);
    CHECK(a.op == 42);
    CHECK(a.action == ScriptAction::stop);
    CHECK(a.term == 9);
    CHECK(a.reason == "switchover");
    CHECK(a.timeout == std::chrono::milliseconds(200));
}

}  // namespace hacluster::resources::test

namespace hacluster::resources::test {

TEST_CASE("on_done may destroy the executor - destroying it cancels what runs", "[group]") {
    TestLoop loop;
    TempDir dir;
    const std::string pid_file = dir.file("pid");
    const std::string agent = dir.script("agent", "[ \"$1\" = stop ] && exit 0\necho $$ > " + pid_file + "\nexec sleep 1000");
    {
        ProcessRunner runner(loop.get());
        ResourceConfig r;
        r.name = "a";
        r.agent = agent;
        auto group = std::make_unique<GroupExecutor>(runner, GroupInfo{"web", "n1", {r}}, ExecutorOptions{});
        bool called = false;
        group->run(GroupAction{1, agent::ScriptAction::stop, 1, "x", 30s}, [&](GroupResult) {
            called = true;
            group.reset();
        });
        REQUIRE(loop.run_until([&] { return called; }));
        CHECK_FALSE(group);

        // A start that hangs, then the executor goes away: its script is killed and
        // no callback comes.
        group = std::make_unique<GroupExecutor>(runner, GroupInfo{"web", "n1", {r}}, ExecutorOptions{});
        bool start_called = false;
        group->run(GroupAction{2, agent::ScriptAction::start, 1, "x", 30s},
                   [&](GroupResult) { start_called = true; });
        const int pid = wait_for_pid(loop, pid_file);
        REQUIRE(pid > 0);
        group.reset();
        CHECK(loop.run_until([&] { return runner.running() == 0; }));
        CHECK(wait_gone(pid));
        CHECK_FALSE(start_called);
    }
    CHECK(loop.close() == 0);
}

}  // namespace hacluster::resources::test

namespace hacluster::resources::test {
namespace {

// An OCF agent in a temporary OCF_ROOT (resource.d/test/Recorder) that appends
// "<instance> <action>" to a log; validate-all exits with the content of a file
// (0 when it is missing).
struct RecorderRoot {
    explicit RecorderRoot(const TempDir& dir) : log(dir.file("ocf.log")), verdict(dir.file("verdict")) {
        dirs.ocf_root = dir.file("ocf");
        std::filesystem::create_directories(dirs.ocf_root / "resource.d/test");
        dir.script("ocf/resource.d/test/Recorder",
                   "echo \"$OCF_RESOURCE_INSTANCE $1\" >> '" + log + "'\n"
                   "[ \"$1\" = validate-all ] && exit $(cat '" + verdict + "' 2>/dev/null || echo 0)\n"
                   "exit 0");
    }
    std::string log;
    std::string verdict;
    ScriptDirs dirs;
};

}  // namespace

TEST_CASE("validate-all runs ahead of time, never inside a start", "[group][ocf]") {
    Harness h;
    RecorderRoot ocf(h.dir());
    ResourceConfig r = h.resource("db");
    r.agent = "ocf:test:Recorder";
    h.make({h.resource("a"), r}, 300ms, ocf.dirs);
    // Not validated yet: a start just starts (the daemon validates at start-up).
    CHECK_FALSE(h.executor().validation(1));
    const auto first = h.run(action(1, ScriptAction::start));
    REQUIRE(first);
    CHECK(first->exit_code == 0);
    h.validate();
    REQUIRE(h.executor().validation(1));
    CHECK(h.executor().validation(1)->ok());
    CHECK_FALSE(h.executor().validation(0));  // not OCF
    const auto second = h.run(action(2, ScriptAction::start));
    REQUIRE(second);
    CHECK(second->exit_code == 0);
    CHECK(read_lines(ocf.log) == Lines{"db start", "db validate-all", "db start"});

    // 3: the agent has no validate-all, which is no objection.
    write_file(ocf.verdict, "3");
    h.validate();
    CHECK(h.executor().validation(1)->ok());
    const auto started = h.run(action(3, ScriptAction::start));
    REQUIRE(started);
    CHECK(succeeded(started->status, started->exit_code));
}

TEST_CASE("a failed validate-all fails the start at once with its code; nothing runs; validated again",
          "[group][ocf]") {
    Harness h;
    RecorderRoot ocf(h.dir());
    write_file(ocf.verdict, "6");
    ResourceConfig r = h.resource("db");
    r.agent = "ocf:test:Recorder";
    h.make({h.resource("a"), r, h.resource("c")}, 300ms, ocf.dirs);
    h.validate();
    REQUIRE(h.executor().validation(1));
    CHECK(h.executor().validation(1)->exit_code == 6);
    CHECK_FALSE(h.executor().validation(1)->ok());
    write_file(ocf.verdict, "0");  // fixed meanwhile: the failed start validates again
    const auto started = h.run(action(1, ScriptAction::start));
    REQUIRE(started);
    CHECK(started->status == ExecStatus::done);
    CHECK(started->exit_code == 6);  // not configured: the core tells it from a start failure
    CHECK(started->resource == "db");
    CHECK(h.log().empty());  // nothing started, nothing to roll back
    h.loop().run_until([&] { return read_lines(ocf.log).size() == 2; });
    CHECK(read_lines(ocf.log) == Lines{"db validate-all", "db validate-all"});
    h.loop().run_until([&] { return h.executor().validation(1)->ok(); });
    const auto again = h.run(action(2, ScriptAction::start));
    REQUIRE(again);
    CHECK(again->exit_code == 0);
}

TEST_CASE("ocf:heartbeat:Dummy from Debian passes validate-all and starts in a group", "[group][ocf]") {
    const ScriptDirs dirs = ScriptDirs::standard();
    if (!std::filesystem::exists(dirs.ocf_root / "resource.d/heartbeat/Dummy")) {
        WARN("skipped: no " << (dirs.ocf_root / "resource.d/heartbeat/Dummy").string());
        return;
    }
    Harness h;
    ResourceConfig r = h.resource("dummy1");
    r.agent = "ocf:heartbeat:Dummy";
    r.params = {{"state", h.dir().file("dummy1.state")}};
    h.make({r}, 300ms, dirs);
    const auto started = h.run(action(1, ScriptAction::start));
    REQUIRE(started);
    CHECK(succeeded(started->status, started->exit_code));
    CHECK(std::filesystem::exists(h.dir().file("dummy1.state")));
    const auto stopped = h.run(action(2, ScriptAction::stop));
    REQUIRE(stopped);
    CHECK(succeeded(stopped->status, stopped->exit_code));
    CHECK_FALSE(std::filesystem::exists(h.dir().file("dummy1.state")));
}

}  // namespace hacluster::resources::test

namespace hacluster::resources::test {
namespace {

std::vector<ResourceConfig> promotable_group(const std::vector<ResourceConfig>& plain) {
    // a and c promotable, b not: b depends on both being promoted.
    std::vector<ResourceConfig> list = plain;
    list[0].promotable = true;
    list[2].promotable = true;
    return list;
}

GroupAction unpromoted(std::uint64_t op, ScriptAction what) {
    GroupAction a = action(op, what);
    a.scope = Scope::unpromoted;
    return a;
}

}  // namespace

TEST_CASE("promotable: the group start starts and promotes them first, the stop demotes them last", "[group][promotable]") {
    Harness h;
    h.make(promotable_group(h.resources({"a", "b", "c"})));
    const auto started = h.run(action(1, ScriptAction::start));
    REQUIRE(started);
    CHECK(started->status == ExecStatus::done);
    CHECK(started->exit_code == 0);
    CHECK(h.log() == Lines{"a start", "c start", "a promote", "c promote", "b start"});
    const auto stopped = h.run(action(2, ScriptAction::stop));
    REQUIRE(stopped);
    CHECK(stopped->exit_code == 0);
    CHECK(h.log() == Lines{"a start", "c start", "a promote", "c promote", "b start", "b stop", "c demote",
                           "a demote"});
}

TEST_CASE("promotable: the unpromoted scope starts and stops only the promotable ones", "[group][promotable]") {
    Harness h;
    h.make(promotable_group(h.resources({"a", "b", "c"})));
    REQUIRE(h.run(unpromoted(1, ScriptAction::start))->exit_code == 0);
    REQUIRE(h.run(unpromoted(2, ScriptAction::stop))->exit_code == 0);
    CHECK(h.log() == Lines{"a start", "c start", "c stop", "a stop"});
}

TEST_CASE("promotable: a failed demote stops the instance; only a failed stop fails the action", "[group][promotable]") {
    SECTION("the stop works: the action succeeds") {
        Harness h("\"a demote\") exit 1 ;;");
        h.make(promotable_group(h.resources({"a", "b", "c"})));
        const auto stopped = h.run(action(1, ScriptAction::stop));
        REQUIRE(stopped);
        CHECK(stopped->status == ExecStatus::done);
        CHECK(stopped->exit_code == 0);
        CHECK(h.log() == Lines{"b stop", "c demote", "a demote", "a stop"});
    }
    SECTION("the stop fails too") {
        Harness h("\"a demote\") exit 1 ;;\n\"a stop\") exit 5 ;;");
        h.make(promotable_group(h.resources({"a", "b", "c"})));
        const auto stopped = h.run(action(1, ScriptAction::stop));
        REQUIRE(stopped);
        CHECK(stopped->exit_code == 5);
        CHECK(stopped->resource == "a");
    }
}

TEST_CASE("promotable: a failed promote demotes what was promoted and keeps the unpromoted instances", "[group][promotable]") {
    Harness h("\"c promote\") exit 1 ;;");
    h.make(promotable_group(h.resources({"a", "b", "c"})));
    const auto started = h.run(action(1, ScriptAction::start));
    REQUIRE(started);
    CHECK(started->exit_code == 1);
    CHECK(started->resource == "c");
    CHECK(h.log() == Lines{"a start", "c start", "a promote", "c promote", "c demote", "a demote"});
}

}  // namespace hacluster::resources::test
