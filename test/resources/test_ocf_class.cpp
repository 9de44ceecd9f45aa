// The ocf class: agent names, the OCF environment, and Debian's own
// ocf:heartbeat:Dummy run unmodified through the runner; the lsb class.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <variant>

#include "res_test_support.h"
#include "resources/ocf_class.h"
#include "resources/script_class.h"

namespace hacluster::resources::test {

namespace {

// One action of the resource, run to its end.
ProcessResult run_action(TestLoop& loop, ProcessRunner& runner, const ResourceConfig& r, ResourceAction action,
                         const ScriptContext& context, const ScriptDirs& dirs) {
    auto made = script_spec(r, action, context, dirs);
    REQUIRE(std::holds_alternative<ProcessSpec>(made));
    std::optional<ProcessResult> result;
    runner.run(std::get<ProcessSpec>(made), [&](std::uint64_t, ProcessResult res) { result = std::move(res); });
    REQUIRE(loop.run_until([&] { return result.has_value(); }));
    INFO(to_string(action) << " output: " << result->output);
    return *result;
}

}  // namespace

TEST_CASE("ocf agent names: ocf:PROVIDER:TYPE, nothing that escapes the directory", "[ocf]") {
    CHECK(is_ocf_agent("ocf:heartbeat:IPaddr2"));
    CHECK_FALSE(is_ocf_agent("vip"));
    const auto ok = parse_ocf_agent("ocf:heartbeat:IPaddr2");
    REQUIRE(std::holds_alternative<OcfAgent>(ok));
    CHECK(std::get<OcfAgent>(ok).provider == "heartbeat");
    CHECK(std::get<OcfAgent>(ok).type == "IPaddr2");
    for (const char* bad : {"ocf:heartbeat", "ocf::Dummy", "ocf:heartbeat:", "ocf:../x:Dummy", "ocf:heartbeat:..",
                            "ocf:heart beat:Dummy", "ocf:heartbeat:a/b", "ocf:pacemaker:Dummy:extra"}) {
        INFO(bad);
        const auto parsed = parse_ocf_agent(bad);
        REQUIRE(std::holds_alternative<std::string>(parsed));
        CHECK(std::get<std::string>(parsed).find("ocf:PROVIDER:TYPE") != std::string::npos);
    }
    CHECK_FALSE(check_ocf_param("cidr_netmask"));
    CHECK_FALSE(check_ocf_param("_x9"));
    for (const char* bad : {"", "9lives", "cidr-netmask", "a b", "ip.addr"}) {
        INFO(bad);
        CHECK(check_ocf_param(bad));
    }
}

TEST_CASE("ocf environment: OCF 1.1 variables, params as OCF_RESKEY_, timeouts in ms", "[ocf]") {
    ResourceConfig r;
    r.name = "web-ip";
    r.agent = "ocf:heartbeat:IPaddr2";
    r.params = {{"ip", "198.18.0.100"}, {"cidr_netmask", "24"}};
    r.monitor_interval = std::chrono::seconds(5);
    r.monitor_timeout = std::chrono::milliseconds(2500);
    ScriptDirs dirs;
    dirs.ocf_root = "/opt/ocf";
    const ScriptContext context{"web", "n1", 4, "monitor", Role::primary};
    auto made = script_spec(r, ResourceAction::monitor, context, dirs);
    REQUIRE(std::holds_alternative<ProcessSpec>(made));
    const ProcessSpec& spec = std::get<ProcessSpec>(made);
    CHECK(spec.argv == std::vector<std::string>{"/opt/ocf/resource.d/heartbeat/IPaddr2", "monitor"});
    const auto has = [&](const std::string& v) {
        return std::find(spec.env.begin(), spec.env.end(), v) != spec.env.end();
    };
    for (const char* v : {"OCF_ROOT=/opt/ocf", "OCF_RA_VERSION_MAJOR=1", "OCF_RA_VERSION_MINOR=1",
                          "OCF_RESOURCE_INSTANCE=web-ip", "OCF_RESOURCE_TYPE=IPaddr2",
                          "OCF_RESOURCE_PROVIDER=heartbeat", "OCF_RESKEY_ip=198.18.0.100",
                          "OCF_RESKEY_cidr_netmask=24", "OCF_RESKEY_CRM_meta_timeout=2500",
                          "OCF_RESKEY_CRM_meta_interval=5000", "HACLUSTER_RESOURCE=web-ip", "HACLUSTER_TERM=4"}) {
        INFO(v);
        CHECK(has(v));
    }
    auto stop = script_spec(r, ResourceAction::stop, context, dirs);
    REQUIRE(std::holds_alternative<ProcessSpec>(stop));
    const auto& stop_env = std::get<ProcessSpec>(stop).env;
    CHECK(std::find(stop_env.begin(), stop_env.end(), "OCF_RESKEY_CRM_meta_interval=0") != stop_env.end());

    r.params = {{"bad-name", "x"}};
    auto refused = script_spec(r, ResourceAction::start, context, dirs);
    REQUIRE(std::holds_alternative<std::string>(refused));
    CHECK(std::get<std::string>(refused).find("bad-name") != std::string::npos);
}

TEST_CASE("ocf monitor codes: 190 is running, 8/191 promoted, 7 stopped, the rest (9 too) failed", "[ocf]") {
    const auto state = [](int code) {
        ProcessResult r;
        r.exit_code = code;
        return monitor_state(r);
    };
    CHECK(state(0) == ResourceState::running);
    CHECK(state(8) == ResourceState::promoted);
    CHECK(state(190) == ResourceState::running);
    CHECK(state(191) == ResourceState::promoted);
    CHECK(state(7) == ResourceState::stopped);
    for (int code : {1, 2, 3, 4, 5, 6, 9}) CHECK(state(code) == ResourceState::failed);
}

TEST_CASE("ocf:heartbeat:Dummy from Debian's resource-agents runs unmodified", "[ocf]") {
    const ScriptDirs dirs = ScriptDirs::standard();
    if (!std::filesystem::exists(dirs.ocf_root / "resource.d/heartbeat/Dummy")) {
        WARN("skipped: no " << (dirs.ocf_root / "resource.d/heartbeat/Dummy").string()
                            << " (apt-get install resource-agents; scripts/deps.sh does)");
        return;
    }
    TempDir tmp;
    ResourceConfig r;
    r.name = "dummy1";
    r.agent = "ocf:heartbeat:Dummy";
    r.params = {{"state", tmp.file("dummy1.state")}};
    const ScriptContext context{"g", "n1", 1, "test", Role::primary};
    TestLoop loop;
    ProcessRunner runner(loop.get());
    const auto run = [&](ResourceAction action) { return run_action(loop, runner, r, action, context, dirs); };
    CHECK(monitor_state(run(ResourceAction::monitor)) == ResourceState::stopped);
    CHECK(succeeded(run(ResourceAction::start)));
    CHECK(std::filesystem::exists(tmp.file("dummy1.state")));
    CHECK(monitor_state(run(ResourceAction::monitor)) == ResourceState::running);
    CHECK(succeeded(run(ResourceAction::start)));  // idempotent
    CHECK(succeeded(run(ResourceAction::stop)));
    CHECK(monitor_state(run(ResourceAction::monitor)) == ResourceState::stopped);
    CHECK(succeeded(run(ResourceAction::stop)));
}

TEST_CASE("ocf:hacluster:promotable-test: stopped, unpromoted, promoted through the ocf class", "[ocf][promotable]") {
    TempDir tmp;
    ScriptDirs dirs;
    dirs.ocf_root = HACLUSTER_TEST_OCF_ROOT;
    ResourceConfig r;
    r.name = "db";
    r.agent = "ocf:hacluster:promotable-test";
    r.promotable = true;
    r.params = {{"state_dir", tmp.file("state")}};
    const ScriptContext context{"g", "n1", 3, "test", Role::standby};
    TestLoop loop;
    ProcessRunner runner(loop.get());
    const auto run = [&](ResourceAction action) { return run_action(loop, runner, r, action, context, dirs); };
    const auto monitor = [&] { return monitor_state(run(ResourceAction::monitor), r.agent); };
    CHECK(monitor() == ResourceState::stopped);
    CHECK(run(ResourceAction::promote).exit_code == ocf_not_running);  // nothing to promote
    CHECK(succeeded(run(ResourceAction::start)));
    CHECK(monitor() == ResourceState::running);
    CHECK(succeeded(run(ResourceAction::promote)));
    CHECK(run(ResourceAction::monitor).exit_code == ocf_running_promoted);
    CHECK(monitor() == ResourceState::promoted);
    CHECK(succeeded(run(ResourceAction::start)));  // idempotent: stays promoted
    CHECK(monitor() == ResourceState::promoted);
    {
        std::ofstream(tmp.file("state/n1/db.monitor.fail")) << "";
        const ProcessResult failed = run(ResourceAction::monitor);
        CHECK(failed.exit_code == ocf_failed_promoted);
        CHECK(monitor_state(failed, r.agent) == ResourceState::failed);
        std::filesystem::remove(tmp.file("state/n1/db.monitor.fail"));
    }
    CHECK(succeeded(run(ResourceAction::demote)));
    CHECK(monitor() == ResourceState::running);
    CHECK(succeeded(run(ResourceAction::demote)));  // idempotent
    CHECK(succeeded(run(ResourceAction::stop)));
    CHECK(monitor() == ResourceState::stopped);
    CHECK(succeeded(run(ResourceAction::stop)));

    // HACLUSTER_ROLE: a promotable resource starts as standby, is promoted as primary.
    const auto role = [&](ResourceAction action) {
        const auto spec = std::get<ProcessSpec>(script_spec(r, action, context, dirs));
        return std::find(spec.env.begin(), spec.env.end(), "HACLUSTER_ROLE=primary") != spec.env.end();
    };
    CHECK_FALSE(role(ResourceAction::start));
    CHECK(role(ResourceAction::promote));
    CHECK_FALSE(role(ResourceAction::demote));

    // meta-data and validate-all, as a cluster manager's tooling calls them.
    ProcessSpec meta;
    meta.argv = {(dirs.ocf_root / "resource.d/hacluster/promotable-test").string(), "meta-data"};
    meta.cwd = "/";
    meta.env = {std::string("PATH=") + script_path};
    meta.timeout = upper_bound;
    std::optional<ProcessResult> described;
    runner.run(meta, [&](std::uint64_t, ProcessResult res) { described = std::move(res); });
    REQUIRE(loop.run_until([&] { return described.has_value(); }));
    CHECK(described->exit_code == 0);
    CHECK(described->output.find("<action name=\"promote\"") != std::string::npos);
    meta.argv[1] = "validate-all";  // no state_dir: not configured
    std::optional<ProcessResult> validated;
    runner.run(meta, [&](std::uint64_t, ProcessResult res) { validated = std::move(res); });
    REQUIRE(loop.run_until([&] { return validated.has_value(); }));
    CHECK(validated->exit_code == 6);
}

TEST_CASE("lsb:NAME runs an init script: start, stop, and status as the monitor", "[lsb]") {
    TempDir tmp;
    const std::string flag = tmp.file("running");
    {
        std::ofstream script(tmp.file("websvc"));
        script << "#!/bin/sh\n"
                  "case \"$1\" in\n"
                  "  start) touch '" << flag << "' ;;\n"
                  "  stop) rm -f '" << flag << "' ;;\n"
                  "  status) [ -e '" << flag << "' ] && exit 0; exit 3 ;;\n"
                  "  *) exit 2 ;;\n"
                  "esac\n";
    }
    std::filesystem::permissions(tmp.file("websvc"), std::filesystem::perms::owner_all);
    ScriptDirs dirs;
    dirs.lsb_dir = tmp.path();
    ResourceConfig r;
    r.name = "web";
    r.agent = "lsb:websvc";
    const ScriptContext context{"g", "n1", 1, "test", Role::primary};

    auto monitor = script_spec(r, ResourceAction::monitor, context, dirs);
    REQUIRE(std::holds_alternative<ProcessSpec>(monitor));
    CHECK(std::get<ProcessSpec>(monitor).argv == std::vector<std::string>{tmp.file("websvc"), "status"});

    TestLoop loop;
    ProcessRunner runner(loop.get());
    const auto run = [&](ResourceAction action) { return run_action(loop, runner, r, action, context, dirs); };
    CHECK(monitor_state(run(ResourceAction::monitor), r.agent) == ResourceState::stopped);
    CHECK(succeeded(run(ResourceAction::start)));
    CHECK(monitor_state(run(ResourceAction::monitor), r.agent) == ResourceState::running);
    CHECK(succeeded(run(ResourceAction::stop)));
    CHECK(monitor_state(run(ResourceAction::monitor), r.agent) == ResourceState::stopped);

    // LSB status codes: 1 and 2 (dead, pid or lock file left) and 4 are failures.
    ProcessResult dead;
    for (int code : {1, 2, 4}) {
        dead.exit_code = code;
        CHECK(monitor_state(dead, "lsb:websvc") == ResourceState::failed);
    }
    for (const char* bad : {"lsb:", "lsb:..", "lsb:a/b"}) {
        INFO(bad);
        r.agent = bad;
        CHECK(std::holds_alternative<std::string>(script_spec(r, ResourceAction::start, context, dirs)));
    }
}

}  // namespace hacluster::resources::test
