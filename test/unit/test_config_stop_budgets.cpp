// Stop budgets and self_fence in the config (README "Stop budgets and
// escalation"): per-class defaults, the group's budget derived from its
// resources, the self_fence forms and their errors, and the explanation.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "daemon/config_loader.h"
#include "daemon/stop_budgets.h"

using namespace std::chrono_literals;
using hacluster::daemon::DaemonConfig;
using hacluster::daemon::LoadError;
using hacluster::daemon::parse_config;
using nlohmann::json;

namespace {

json base() {
    return json::parse(R"({"cluster": "c",
 "nodes": [{"name": "n1", "addresses": ["198.18.0.1"]}, {"name": "n2", "addresses": ["198.18.0.2"]},
           {"name": "n3", "addresses": ["198.18.0.3"]}],
 "groups": [{"name": "web", "nodes": ["n1", "n2", "n3"], "resources": [
    {"name": "web-ip", "agent": "vip", "params": {"address": "198.18.0.100/24", "interface": "eth0"}},
    {"name": "web-app", "agent": "/usr/local/bin/app"}]}]})");
}

DaemonConfig loads(const json& j) {
    auto result = parse_config(j.dump());
    if (auto* errors = std::get_if<std::vector<LoadError>>(&result)) {
        std::string all;
        for (const auto& e : *errors) all += e.path + ": " + e.message + "\n";
        FAIL("unexpected errors:\n" << all);
    }
    return std::get<DaemonConfig>(std::move(result));
}

std::string single_error(const json& j) {
    auto result = parse_config(j.dump());
    REQUIRE(std::holds_alternative<std::vector<LoadError>>(result));
    const auto& errors = std::get<std::vector<LoadError>>(result);
    REQUIRE(errors.size() == 1);
    return errors[0].path + ": " + errors[0].message;
}

}  // namespace

TEST_CASE("stop budgets: class defaults, summed in the group unless it sets one", "[config_loader][budgets]") {
    json j = base();
    DaemonConfig c = loads(j);
    CHECK(c.cluster.groups[0].stop_timeout == 600ms);  // vip 100 + a forked agent 500
    CHECK(c.stop_budget_set == std::vector<bool>{false});

    j["groups"][0]["resources"][1]["stop_timeout_ms"] = 50;
    CHECK(loads(j).cluster.groups[0].stop_timeout == 150ms);

    j["groups"][0]["stop_timeout_ms"] = 2000;
    c = loads(j);
    CHECK(c.cluster.groups[0].stop_timeout == 2000ms);
    CHECK(c.stop_budget_set == std::vector<bool>{true});

    json empty = base();
    empty["groups"][0]["resources"] = json::array();
    CHECK(loads(empty).cluster.groups[0].stop_timeout == 10ms);  // nothing to stop, still a budget
}

TEST_CASE("self_fence: reboot by default; reboot, off or a command", "[config_loader][budgets]") {
    json j = base();
    CHECK(loads(j).cluster.self_fence == hacluster::agent::SelfFence::reboot);
    j["self_fence"] = "off";
    CHECK(loads(j).cluster.self_fence == hacluster::agent::SelfFence::off);
    j["self_fence"] = "reboot";
    CHECK(loads(j).cluster.self_fence == hacluster::agent::SelfFence::reboot);
    j["self_fence"] = {{"action", "command"}, {"command", "/usr/local/sbin/fence-me"}};
    const DaemonConfig c = loads(j);
    CHECK(c.cluster.self_fence == hacluster::agent::SelfFence::command);
    CHECK(c.self_fence_command == "/usr/local/sbin/fence-me");
}

TEST_CASE("self_fence: every mistake names its path", "[config_loader][budgets]") {
    json j = base();
    j["self_fence"] = "halt";
    CHECK(single_error(j) == "self_fence: must be \"reboot\", \"command\" or \"off\", got \"halt\"");
    j["self_fence"] = "command";
    CHECK(single_error(j) == "self_fence.command: is required with action \"command\": the executable to run");
    j["self_fence"] = {{"action", "command"}, {"command", "fence-me"}};
    CHECK(single_error(j) == "self_fence.command: must be an absolute path, got \"fence-me\"");
    j["self_fence"] = {{"action", "reboot"}, {"command", "/bin/true"}};
    CHECK(single_error(j) == "self_fence.command: is only for action \"command\"");
    j["self_fence"] = {{"action", "command"}, {"command", "/bin/true"}, {"timeout_ms", 5}};
    CHECK(single_error(j).starts_with("self_fence.timeout_ms: unknown key"));
    j["self_fence"] = 3;
    CHECK(single_error(j).starts_with("self_fence: expected"));
}

TEST_CASE("stop budgets: the explanation names every budget, its source and the failover", "[config_loader][budgets]") {
    json j = base();
    j["self_fence"] = "off";
    const std::string text = hacluster::daemon::explain_stop_budgets(loads(j));
    CHECK_THAT(text, Catch::Contains("group web: stop budget 600 ms (the sum of its resources' budgets)"));
    CHECK_THAT(text, Catch::Contains("web-ip (vip): 100 ms (vip default)"));
    CHECK_THAT(text, Catch::Contains("web-app (/usr/local/bin/app): 500 ms (default for a forked agent)"));
    CHECK_THAT(text, Catch::Contains("worst-case crash failover"));
    CHECK_THAT(text, Catch::Contains("warning: self_fence is off: UNSAFE"));
    // Stop order: the reverse of the start order.
    CHECK(text.find("web-app") < text.find("web-ip ("));
}
