#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <variant>

#include "res_test_support.h"
#include "resources/script_class.h"

namespace hacluster::resources::test {
namespace {

ResourceConfig resource(std::string name, std::string agent) {
    ResourceConfig r;
    r.name = std::move(name);
    r.agent = std::move(agent);
    return r;
}

ScriptDirs dirs_of(std::initializer_list<std::string> paths) {
    ScriptDirs dirs;
    int n = 0;
    for (const std::string& p : paths) dirs.dirs.push_back({p, "test " + std::to_string(++n)});
    return dirs;
}

}  // namespace

TEST_CASE("param names become HACLUSTER_PARAM_ variables", "[script]") {
    CHECK(param_variable("ip") == "HACLUSTER_PARAM_IP");
    CHECK(param_variable("cidr_netmask") == "HACLUSTER_PARAM_CIDR_NETMASK");
    CHECK(param_variable("nic-name.2") == "HACLUSTER_PARAM_NIC_NAME_2");
    CHECK(param_variable("Mixed9") == "HACLUSTER_PARAM_MIXED9");
    CHECK(param_variable("gr\xC3\xBCn") == "HACLUSTER_PARAM_GR__N");
}

TEST_CASE("the script environment is exactly the documented variables", "[script]") {
    ResourceConfig r = resource("web-ip", "/opt/agents/ip");
    r.params = {{"ip", "198.18.0.10"}, {"cidr-netmask", "24"}};
    r.start_timeout = std::chrono::seconds(3);
    const ScriptContext context{"web", "n2", 7, "primary_unreachable", Role::standby};

    auto made = script_spec(r, ResourceAction::start, context, ScriptDirs{});
    REQUIRE(std::holds_alternative<ProcessSpec>(made));
    const ProcessSpec& spec = std::get<ProcessSpec>(made);
    CHECK(spec.argv == std::vector<std::string>{"/opt/agents/ip", "start"});
    CHECK(spec.cwd == "/");
    CHECK(spec.timeout == std::chrono::seconds(3));
    std::vector<std::string> env = spec.env;
    std::sort(env.begin(), env.end());
    CHECK(env == std::vector<std::string>{
                     "HACLUSTER_GROUP=web",
                     "HACLUSTER_NODE=n2",
                     "HACLUSTER_PARAM_CIDR_NETMASK=24",
                     "HACLUSTER_PARAM_IP=198.18.0.10",
                     "HACLUSTER_REASON=primary_unreachable",
                     "HACLUSTER_RESOURCE=web-ip",
                     "HACLUSTER_ROLE=primary",
                     "HACLUSTER_TERM=7",
                     "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                 });
}

TEST_CASE("the role: start primary, stop standby, monitor as asked", "[script]") {
    const ResourceConfig r = resource("db", "/opt/agents/db");
    const auto role_of = [&](ResourceAction action, Role asked) {
        auto made = script_spec(r, action, ScriptContext{"g", "n1", 1, "x", asked}, ScriptDirs{});
        REQUIRE(std::holds_alternative<ProcessSpec>(made));
        const auto& env = std::get<ProcessSpec>(made).env;
        const auto it = std::find_if(env.begin(), env.end(),
                                     [](const std::string& e) { return e.starts_with("HACLUSTER_ROLE="); });
        REQUIRE(it != env.end());
        return it->substr(std::string("HACLUSTER_ROLE=").size());
    };
    CHECK(role_of(ResourceAction::start, Role::standby) == "primary");
    CHECK(role_of(ResourceAction::stop, Role::primary) == "standby");
    CHECK(role_of(ResourceAction::monitor, Role::primary) == "primary");
    CHECK(role_of(ResourceAction::monitor, Role::standby) == "standby");
}

TEST_CASE("timeouts default when the config has none", "[script]") {
    ResourceConfig r = resource("db", "/opt/agents/db");
    r.monitor_timeout = std::chrono::milliseconds(1500);
    const ScriptContext context{"g", "n1", 1, "x", Role::primary};
    const auto timeout = [&](ResourceAction action) {
        auto made = script_spec(r, action, context, ScriptDirs{});
        REQUIRE(std::holds_alternative<ProcessSpec>(made));
        return std::get<ProcessSpec>(made).timeout;
    };
    CHECK(timeout(ResourceAction::start) == default_operation_timeout);
    // A stop's budget sits inside the lease: a forked agent's default (README "Stop budgets").
    CHECK(timeout(ResourceAction::stop) == forked_stop_budget);
    CHECK(timeout(ResourceAction::monitor) == std::chrono::milliseconds(1500));
    CHECK(monitor_interval(r) == default_monitor_interval);
}

TEST_CASE("params that cannot become variables are errors", "[script]") {
    const ScriptContext context{"g", "n1", 1, "x", Role::primary};
    ResourceConfig clash = resource("db", "/opt/agents/db");
    clash.params = {{"a-b", "1"}, {"a_b", "2"}};
    auto made = script_spec(clash, ResourceAction::start, context, ScriptDirs{});
    REQUIRE(std::holds_alternative<std::string>(made));
    CHECK(std::get<std::string>(made) ==
          "resource \"db\": params \"a-b\" and \"a_b\" both become HACLUSTER_PARAM_A_B");

    ResourceConfig empty = resource("db", "/opt/agents/db");
    empty.params = {{"", "1"}};
    CHECK(std::holds_alternative<std::string>(script_spec(empty, ResourceAction::start, context, ScriptDirs{})));

    ResourceConfig nul = resource("db", "/opt/agents/db");
    nul.params = {{"x", std::string("a\0b", 3)}};
    CHECK(std::holds_alternative<std::string>(script_spec(nul, ResourceAction::start, context, ScriptDirs{})));
}

TEST_CASE("bundled agents are looked up in order - the error names every place", "[script]") {
    TempDir first;
    TempDir second;
    const std::string a = first.file("a");
    const std::string b = second.file("b");
    std::filesystem::create_directories(a);
    std::filesystem::create_directories(b);
    const ScriptDirs dirs = dirs_of({a, b});

    auto missing = find_agent("vip", dirs);
    REQUIRE(std::holds_alternative<std::string>(missing));
    CHECK(std::get<std::string>(missing) == "agent \"vip\" not found as an executable file; looked at " + a +
                                                "/vip (test 1), " + b + "/vip (test 2)");

    // Present but not executable: not taken.
    { std::ofstream(a + "/vip") << "#!/bin/sh\n"; }
    CHECK(std::holds_alternative<std::string>(find_agent("vip", dirs)));

    { std::ofstream(b + "/vip") << "#!/bin/sh\n"; }
    ::chmod((b + "/vip").c_str(), 0755);
    auto found = find_agent("vip", dirs);
    REQUIRE(std::holds_alternative<std::filesystem::path>(found));
    CHECK(std::get<std::filesystem::path>(found) == std::filesystem::path(b) / "vip");

    ::chmod((a + "/vip").c_str(), 0755);
    found = find_agent("vip", dirs);
    REQUIRE(std::holds_alternative<std::filesystem::path>(found));
    CHECK(std::get<std::filesystem::path>(found) == std::filesystem::path(a) / "vip");
}

TEST_CASE("an agent is a bundled name or an absolute path", "[script]") {
    auto absolute = find_agent("/usr/local/bin/my-agent", ScriptDirs{});
    REQUIRE(std::holds_alternative<std::filesystem::path>(absolute));
    CHECK(std::get<std::filesystem::path>(absolute) == "/usr/local/bin/my-agent");

    auto relative = find_agent("bin/my-agent", ScriptDirs{});
    REQUIRE(std::holds_alternative<std::string>(relative));
    CHECK(std::get<std::string>(relative) ==
          "unknown agent \"bin/my-agent\": expected \"vip\" or an absolute path to an executable");

    auto made = script_spec(resource("web-ip", "vip"), ResourceAction::start,
                            ScriptContext{"web", "n1", 1, "x", Role::primary}, ScriptDirs{});
    REQUIRE(std::holds_alternative<std::string>(made));
    CHECK(std::get<std::string>(made).starts_with("resource \"web-ip\": agent \"vip\" not found"));
}

TEST_CASE("the standard script places: the environment, then the install prefix", "[script]") {
    ::unsetenv("HACLUSTER_SCRIPTS_DIR");
    ScriptDirs plain = ScriptDirs::standard();
    // An installed binary never looks at the source tree it was built from.
    REQUIRE(plain.dirs.size() == 1);
    CHECK(plain.dirs[0].path == installed_scripts_dir());
    CHECK(plain.dirs[0].origin == "installed");
    CHECK(std::string(installed_scripts_dir()).ends_with("/lib/hacluster/scripts"));

    REQUIRE(::setenv("HACLUSTER_SCRIPTS_DIR", "/tmp/my-scripts", 1) == 0);
    ScriptDirs with_env = ScriptDirs::standard();
    ::unsetenv("HACLUSTER_SCRIPTS_DIR");
    REQUIRE(with_env.dirs.size() == 2);
    CHECK(with_env.dirs[0].path == "/tmp/my-scripts");
    CHECK(with_env.dirs[0].origin == "$HACLUSTER_SCRIPTS_DIR");
    CHECK(with_env.dirs[1].path == installed_scripts_dir());
}

TEST_CASE("the bundled vip agent is found in the source tree when the tests ask for it", "[script]") {
    REQUIRE(::setenv("HACLUSTER_SCRIPTS_DIR", HACLUSTER_SOURCE_SCRIPTS_DIR, 1) == 0);
    auto found = find_agent("vip", ScriptDirs::standard());
    ::unsetenv("HACLUSTER_SCRIPTS_DIR");
    REQUIRE(std::holds_alternative<std::filesystem::path>(found));
    CHECK(std::get<std::filesystem::path>(found) == std::filesystem::path(HACLUSTER_SOURCE_SCRIPTS_DIR) / "vip");
}

TEST_CASE("OCF exit codes", "[script]") {
    using agent::ExecStatus;
    const auto result = [](ExecStatus status, int code) {
        ProcessResult r;
        r.status = status;
        r.exit_code = code;
        return r;
    };
    CHECK(monitor_state(result(ExecStatus::done, 0)) == ResourceState::running);
    CHECK(monitor_state(result(ExecStatus::done, 7)) == ResourceState::stopped);
    CHECK(monitor_state(result(ExecStatus::done, 1)) == ResourceState::failed);
    CHECK(monitor_state(result(ExecStatus::timed_out, 0)) == ResourceState::failed);
    CHECK(monitor_state(result(ExecStatus::killed, -1)) == ResourceState::failed);
    CHECK(succeeded(result(ExecStatus::done, 0)));
    CHECK_FALSE(succeeded(result(ExecStatus::done, 7)));
    CHECK_FALSE(succeeded(result(ExecStatus::timed_out, 0)));
}

}  // namespace hacluster::resources::test
