// The fence runner with real processes: a stand-in agent (fence_standin.sh) that
// speaks the fence-agents stdin protocol and records what it was given.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "daemon/fence_runner.h"
#include "test/daemon/test_support.h"

using namespace hacluster;
using namespace std::chrono_literals;

namespace {

const std::filesystem::path standin = HACLUSTER_FENCE_STANDIN;

agent::ClusterConfig two_devices(const std::filesystem::path& record, const std::string& first,
                                 const std::string& second) {
    agent::ClusterConfig c;
    c.cluster = "t";
    for (const char* name : {"n1", "n2", "n3"}) c.nodes.push_back({name, {"198.18.0.1"}, 1});
    agent::FenceDevice ipmi{"ipmi", standin.string(), {{"record", record.string()}, {"result", first}, {"ip", "198.18.9.1"}},
                            {"n2", "n3"}, {{"n2", "plug2"}}};
    agent::FenceDevice pdu{"pdu", standin.string(), {{"record", record.string()}, {"result", second}}, {}, {}};
    c.fencing.devices = {ipmi, pdu};
    c.fencing.timeout = 2s;
    return c;
}

std::string read(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct Run {
    uv_loop_t loop{};
    std::optional<agent::in::FenceDone> done;
    Run() { uv_loop_init(&loop); }
    ~Run() {
        while (uv_loop_close(&loop) == UV_EBUSY) uv_run(&loop, UV_RUN_NOWAIT);
    }
};

}  // namespace

TEST_CASE("fence runner: the first device that succeeds ends it, and stdin carries action, plug and params",
          "[fence]") {
    test::TempDir dir;
    const auto record = dir.path / "record";
    Run run;
    {
        daemon::FenceRunner fence(&run.loop, two_devices(record, "ok", "ok"));
        fence.run(agent::out::Fence{7, 1, 42}, [&](const agent::in::FenceDone& d) { run.done = d; });
        REQUIRE(test::run_until(&run.loop, [&] { return run.done.has_value(); }));
        CHECK(run.done->op == 7);
        CHECK(run.done->ok);
        CHECK(run.done->message == "ipmi: off");
        const std::string got = read(record);
        CHECK(got == "action=off\nplug=plug2\nport=plug2\nnodename=n2\nip=198.18.9.1\nrecord=" + record.string() +
                         "\nresult=ok\n--\n");
        const nlohmann::json status = fence.status();
        CHECK(status["n2"]["result"] == "ok");
        CHECK(status["n2"]["device"] == "ipmi");
        CHECK(status["n2"]["attempts"] == 1);
    }
    uv_run(&run.loop, UV_RUN_NOWAIT);
}

TEST_CASE("fence runner: a failing device falls through to the next, all failing is reported with each reason",
          "[fence]") {
    test::TempDir dir;
    const auto record = dir.path / "record";
    Run run;
    {
        daemon::FenceRunner fence(&run.loop, two_devices(record, "fail", "ok"));
        fence.run(agent::out::Fence{1, 2, 1}, [&](const agent::in::FenceDone& d) { run.done = d; });
        REQUIRE(test::run_until(&run.loop, [&] { return run.done.has_value(); }));
        CHECK(run.done->ok);
        CHECK(run.done->message == "pdu: off");
        // n1 is not covered by ipmi: only pdu runs, and it fails too.
        daemon::FenceRunner failing(&run.loop, two_devices(record, "ok", "fail"));
        run.done.reset();
        failing.run(agent::out::Fence{2, 0, 1}, [&](const agent::in::FenceDone& d) { run.done = d; });
        REQUIRE(test::run_until(&run.loop, [&] { return run.done.has_value(); }));
        CHECK_FALSE(run.done->ok);
        CHECK_THAT(run.done->message, Catch::StartsWith("pdu: exit 1: Failed: Unable to obtain"));
        CHECK(failing.status()["n1"]["result"] == "failed");
        CHECK(read(record).find("nodename=n1\n") != std::string::npos);
    }
    uv_run(&run.loop, UV_RUN_NOWAIT);
}

TEST_CASE("fence runner: a hanging agent is killed at the timeout, a missing one fails to spawn", "[fence]") {
    test::TempDir dir;
    const auto record = dir.path / "record";
    Run run;
    {
        agent::ClusterConfig c = two_devices(record, "hang", "ok");
        c.fencing.timeout = 200ms;
        c.fencing.devices[1].agent = "fence_does_not_exist";
        daemon::FenceRunner fence(&run.loop, c, dir.path);
        fence.run(agent::out::Fence{3, 2, 1}, [&](const agent::in::FenceDone& d) { run.done = d; });
        REQUIRE(test::run_until(&run.loop, [&] { return run.done.has_value(); }));
        CHECK_FALSE(run.done->ok);
        CHECK_THAT(run.done->message, Catch::Contains("ipmi: timed_out") && Catch::Contains("pdu: spawn_failed"));
    }
    uv_run(&run.loop, UV_RUN_NOWAIT);
}

TEST_CASE("fence runner: agent names resolve under the agent directory, absolute paths as given", "[fence]") {
    agent::FenceDevice d;
    d.agent = "fence_ipmilan";
    CHECK(daemon::fence_program(d, "/usr/sbin") == "/usr/sbin/fence_ipmilan");
    d.agent = "/opt/fence/fence_x";
    CHECK(daemon::fence_program(d, "/usr/sbin") == "/opt/fence/fence_x");
    d.host_map = {{"n1", "10"}};
    CHECK(daemon::fence_input(d, agent::FenceAction::reboot, "n1") == "action=reboot\nplug=10\nport=10\nnodename=n1\n");
}

// Debian's own fence_dummy (package fence-agents, installed by scripts/deps.sh),
// run unmodified: its "file" type powers a plug off by writing "off" to
// status_file, and its "fail" type always fails.
TEST_CASE("fence runner: Debian's fence_dummy, unmodified, powers off and fails as told", "[fence]") {
    const std::filesystem::path fence_dummy = "/usr/sbin/fence_dummy";
    INFO("needs Debian's fence-agents package (scripts/deps.sh installs it)");
    REQUIRE(std::filesystem::exists(fence_dummy));
    test::TempDir dir;
    const auto status_file = dir.path / "n2.status";
    {
        std::ofstream out(status_file);
        out << "on";  // no newline: fence_dummy compares the whole file with "on"
    }
    agent::ClusterConfig c;
    c.cluster = "t";
    for (const char* name : {"n1", "n2"}) c.nodes.push_back({name, {"198.18.0.1"}, 1});
    // power_timeout 1: it gives up after 1 s on its own (its default is 20 s).
    agent::FenceDevice failing{"broken", "fence_dummy", {{"type", "fail"}, {"power_timeout", "1"}}, {}, {}};
    agent::FenceDevice working{"dummy", fence_dummy.string(), {{"status_file", status_file.string()}}, {}, {}};
    c.fencing.devices = {failing, working};
    c.fencing.timeout = 10s;
    Run run;
    {
        daemon::FenceRunner fence(&run.loop, c, "/usr/sbin");
        fence.run(agent::out::Fence{3, 1, 1}, [&](const agent::in::FenceDone& d) { run.done = d; });
        // Python agents start slowly on a loaded machine: up to 4 × 5 s.
        for (int i = 0; i < 4 && !run.done; ++i) test::run_until(&run.loop, [&] { return run.done.has_value(); });
        REQUIRE(run.done.has_value());
        INFO(run.done->message);
        CHECK(run.done->ok);
        CHECK(read(status_file) == "off");
        CHECK(fence.status()["n2"]["device"] == "dummy");  // after "broken" failed
    }
    uv_run(&run.loop, UV_RUN_NOWAIT);
}
