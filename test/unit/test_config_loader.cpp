#include <catch2/catch.hpp>

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/config.h"
#include "daemon/config_loader.h"
#include "resources/resource_config.h"

using namespace std::chrono_literals;
using hacluster::agent::Failback;
using hacluster::agent::GroupConfig;
using hacluster::agent::TimingConfig;
using hacluster::agent::WaitForAll;
using hacluster::daemon::DaemonConfig;
using hacluster::daemon::load_config;
using hacluster::daemon::LoadError;
using hacluster::daemon::max_config_bytes;
using hacluster::daemon::parse_config;
using nlohmann::json;

namespace {

// The example of the brief and README, verbatim.
constexpr std::string_view example_text = R"({"cluster": "demo",
 "nodes": [{"name": "n1", "addresses": ["198.18.0.1"]}, {"name": "n2", "addresses": ["198.18.0.2"]}, {"name": "n3", "addresses": ["198.18.0.3"]}],
 "heartbeat": {"port": 5405, "interval_ms": 100, "timeout_ms": 500},
 "auth_key_file": "/etc/hacluster/authkey",
 "groups": [{"name": "web", "nodes": ["n1", "n2", "n3"], "failback": false,
             "resources": [{"name": "web-ip", "agent": "vip", "params": {"address": "198.18.0.100/24", "interface": "eth0"}}]}]}
)";

json example() { return json::parse(example_text); }

std::string describe(const std::vector<LoadError>& errors) {
    std::string s;
    for (const auto& e : errors) s += "  " + e.path + ": " + e.message + "\n";
    return s;
}

DaemonConfig require_loads(const std::string& text) {
    auto result = parse_config(text);
    if (const auto* errors = std::get_if<std::vector<LoadError>>(&result)) {
        FAIL("unexpected errors:\n" << describe(*errors));
    }
    return std::get<DaemonConfig>(std::move(result));
}

std::vector<LoadError> require_errors(const std::string& text) {
    auto result = parse_config(text);
    REQUIRE(std::holds_alternative<std::vector<LoadError>>(result));
    auto errors = std::get<std::vector<LoadError>>(std::move(result));
    REQUIRE_FALSE(errors.empty());
    return errors;
}

bool contains(const std::string& text, const std::string& fragment) {
    return text.find(fragment) != std::string::npos;
}

// Some error at path mentions every fragment.
void require_error(const std::vector<LoadError>& errors, const std::string& path,
                   std::initializer_list<std::string> fragments) {
    INFO("errors:\n" << describe(errors) << "wanted at: " << path);
    bool found = false;
    for (const auto& e : errors) {
        if (e.path != path) continue;
        bool all = true;
        for (const auto& fragment : fragments) all = all && contains(e.message, fragment);
        found = found || all;
    }
    CHECK(found);
}

// Exactly one error, at path, whose message mentions every fragment.
void require_single_error(const std::string& text, const std::string& path,
                          std::initializer_list<std::string> fragments) {
    const auto errors = require_errors(text);
    INFO("errors:\n" << describe(errors));
    REQUIRE(errors.size() == 1);
    require_error(errors, path, fragments);
}

void require_single_error(const json& config, const std::string& path,
                          std::initializer_list<std::string> fragments) {
    require_single_error(config.dump(), path, fragments);
}

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "hacluster-loader-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    std::filesystem::path write(const std::string& name, std::string_view content) const {
        const auto file = path_ / name;
        std::ofstream out(file, std::ios::binary);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        REQUIRE(out.good());
        return file;
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace

TEST_CASE("the example config loads with its values and the defaults", "[config_loader]") {
    const DaemonConfig config = require_loads(std::string(example_text));
    const auto& cluster = config.cluster;

    CHECK(cluster.cluster == "demo");
    REQUIRE(cluster.nodes.size() == 3);
    CHECK(cluster.nodes[0].name == "n1");
    CHECK(cluster.nodes[1].addresses == std::vector<std::string>{"198.18.0.2"});
    CHECK(cluster.nodes[2].votes == hacluster::agent::NodeConfig{}.votes);

    CHECK(config.port == 5405);
    CHECK(config.auth_key_file == "/etc/hacluster/authkey");
    CHECK(cluster.timing.interval == 100ms);
    CHECK(cluster.timing.timeout == 500ms);
    const TimingConfig defaults;
    CHECK(cluster.timing.tick == defaults.tick);
    CHECK(cluster.timing.lease_margin == defaults.lease_margin);
    CHECK(cluster.timing.max_clock_drift_ppm == defaults.max_clock_drift_ppm);
    CHECK(cluster.quorum.wait_for_all == WaitForAll::no);

    REQUIRE(cluster.groups.size() == 1);
    const GroupConfig& web = cluster.groups[0];
    CHECK(web.name == "web");
    CHECK(web.nodes == std::vector<std::string>{"n1", "n2", "n3"});
    CHECK(web.failback == Failback::never);
    CHECK(web.start_timeout == GroupConfig{}.start_timeout);
    // Not set: the sum of its resources' budgets, here one vip.
    CHECK(web.stop_timeout == hacluster::resources::vip_stop_budget);
    CHECK(config.stop_budget_set == std::vector<bool>{false});

    REQUIRE(config.resources.size() == 1);
    REQUIRE(config.resources[0].size() == 1);
    const auto& ip = config.resources[0][0];
    CHECK(ip.name == "web-ip");
    CHECK(ip.agent == "vip");
    CHECK(ip.params == std::map<std::string, std::string>{{"address", "198.18.0.100/24"},
                                                          {"interface", "eth0"}});
    CHECK_FALSE(ip.start_timeout);
    CHECK_FALSE(ip.stop_timeout);
    CHECK_FALSE(ip.monitor_interval);
    CHECK_FALSE(ip.monitor_timeout);
}

TEST_CASE("the smallest config takes every default", "[config_loader]") {
    const DaemonConfig config =
        require_loads(R"({"cluster": "c", "nodes": [{"name": "a", "addresses": ["x"]}]})");
    const DaemonConfig defaults;
    CHECK(config.port == defaults.port);
    CHECK(config.auth_key_file == defaults.auth_key_file);
    CHECK(config.cluster.timing.interval == TimingConfig{}.interval);
    CHECK(config.cluster.timing.timeout == TimingConfig{}.timeout);
    CHECK(config.cluster.groups.empty());
    CHECK(config.resources.empty());
}

TEST_CASE("every optional key is read", "[config_loader]") {
    json j = example();
    j["nodes"][1]["votes"] = 2;
    j["heartbeat"] = {{"port", 6000}, {"interval_ms", 50}, {"timeout_ms", 300}, {"tick_ms", 5}};
    j["auth_key_file"] = "/run/key";
    j["lease"] = {{"max_clock_drift_ppm", 500}, {"margin_ms", 30}};
    j["quorum"] = {{"wait_for_all", true}};
    j["groups"][0]["start_timeout_ms"] = 5000;
    j["groups"][0]["stop_timeout_ms"] = 150;
    j["groups"][0]["failback"] = "auto";
    j["groups"][0]["resources"][0]["start_timeout_ms"] = 1000;
    j["groups"][0]["resources"][0]["stop_timeout_ms"] = 100;
    j["groups"][0]["resources"][0]["monitor_interval_ms"] = 2000;
    j["groups"][0]["resources"][0]["monitor_timeout_ms"] = 500;
    j["groups"][0]["resources"][0]["max_failures"] = 1;
    j["groups"][0]["resources"].push_back({{"name", "web-app"}, {"agent", "script"}});

    const DaemonConfig config = require_loads(j.dump());
    const auto& t = config.cluster.timing;
    CHECK(config.cluster.nodes[1].votes == 2);
    CHECK(config.port == 6000);
    CHECK(config.auth_key_file == "/run/key");
    CHECK(t.interval == 50ms);
    CHECK(t.timeout == 300ms);
    CHECK(t.tick == 5ms);
    CHECK(t.max_clock_drift_ppm == 500);
    CHECK(t.lease_margin == 30ms);
    CHECK(config.cluster.quorum.wait_for_all == WaitForAll::yes);
    const GroupConfig& web = config.cluster.groups[0];
    CHECK(web.start_timeout == 5s);
    CHECK(web.stop_timeout == 150ms);
    CHECK(web.failback == Failback::automatic);
    REQUIRE(config.resources[0].size() == 2);
    const auto& ip = config.resources[0][0];
    CHECK(ip.start_timeout == 1s);
    CHECK(ip.stop_timeout == 100ms);
    CHECK(ip.monitor_interval == 2s);
    CHECK(ip.max_failures == 1);
    CHECK_FALSE(config.resources[0][1].max_failures);
    CHECK(ip.monitor_timeout == 500ms);
    CHECK(config.resources[0][1].name == "web-app");
    CHECK(config.resources[0][1].params.empty());
}

TEST_CASE("failback_delay_ms and the relations between groups are read", "[config_loader]") {
    json j = example();
    j["groups"][0]["failback"] = "auto";
    j["groups"][0]["failback_delay_ms"] = 30000;
    j["groups"].push_back({{"name", "app"}, {"nodes", {"n1", "n2"}}, {"with", {"web"}},
                           {"after", {"web"}}});
    j["groups"].push_back({{"name", "batch"}, {"nodes", {"n3"}}, {"away_from", {"web", "app"}}});
    const DaemonConfig config = require_loads(j.dump());
    const auto& groups = config.cluster.groups;
    CHECK(groups[0].failback_delay == 30s);
    CHECK(groups[1].with == std::vector<std::string>{"web"});
    CHECK(groups[1].after == std::vector<std::string>{"web"});
    CHECK(groups[2].away_from == std::vector<std::string>{"web", "app"});
    CHECK(groups[1].failback_delay == GroupConfig{}.failback_delay);
    SECTION("a name that is not a string") {
        j["groups"][2]["away_from"][1] = 7;
        require_single_error(j, "groups[2].away_from[1]", {"expected a string, got a number"});
    }
    SECTION("a cycle, reported by agent::validate with its path") {
        j["groups"][0]["after"] = {"app"};
        require_single_error(j, "groups[1].with[0]", {"cycle through with/after: web -> app -> web"});
    }
}

TEST_CASE("resources may be empty or absent", "[config_loader]") {
    json j = example();
    j["groups"].push_back({{"name", "db"}, {"nodes", {"n2"}}});
    SECTION("absent") { j["groups"][0].erase("resources"); }
    SECTION("empty") { j["groups"][0]["resources"] = json::array(); }
    const DaemonConfig config = require_loads(j.dump());
    REQUIRE(config.resources.size() == 2);
    CHECK(config.resources[0].empty());
    CHECK(config.resources[1].empty());
}

TEST_CASE("failback takes a boolean or never/auto", "[config_loader]") {
    json j = example();
    auto& failback = j["groups"][0]["failback"];
    SECTION("false") {
        failback = false;
        CHECK(require_loads(j.dump()).cluster.groups[0].failback == Failback::never);
    }
    SECTION("true") {
        failback = true;
        CHECK(require_loads(j.dump()).cluster.groups[0].failback == Failback::automatic);
    }
    SECTION("never") {
        failback = "never";
        CHECK(require_loads(j.dump()).cluster.groups[0].failback == Failback::never);
    }
    SECTION("auto") {
        failback = "auto";
        CHECK(require_loads(j.dump()).cluster.groups[0].failback == Failback::automatic);
    }
    SECTION("absent") {
        j["groups"][0].erase("failback");
        CHECK(require_loads(j.dump()).cluster.groups[0].failback == GroupConfig{}.failback);
    }
    SECTION("another string") {
        failback = "always";
        require_single_error(j, "groups[0].failback",
                             {"must be false, true, \"never\" or \"auto\", got \"always\""});
    }
    SECTION("a number") {
        failback = 1;
        require_single_error(j, "groups[0].failback",
                             {"expected a boolean or a string, got a number"});
    }
}

TEST_CASE("wrong types name the path, the expected and the actual type", "[config_loader]") {
    json j = example();
    SECTION("string for an integer") {
        j["heartbeat"]["interval_ms"] = "100";
        require_single_error(j, "heartbeat.interval_ms", {"expected an integer, got a string"});
    }
    SECTION("fraction for an integer") {
        j["heartbeat"]["timeout_ms"] = 500.5;
        require_single_error(j, "heartbeat.timeout_ms",
                             {"expected an integer", "fraction", "500.5"});
    }
    SECTION("exponent for an integer") {
        require_single_error(
            std::string(R"({"cluster": "c", "nodes": [{"name": "a", "addresses": ["x"]}],
                                             "heartbeat": {"interval_ms": 1e2}})"),
            "heartbeat.interval_ms", {"expected an integer", "exponent"});
    }
    SECTION("number for a string") {
        j["cluster"] = 7;
        require_single_error(j, "cluster", {"expected a string, got a number"});
    }
    SECTION("object for an array") {
        j["nodes"] = json::object();
        require_single_error(j, "nodes", {"expected an array, got an object"});
    }
    SECTION("string for an object") {
        j["nodes"][1] = "n2";
        require_single_error(j, "nodes[1]", {"expected an object, got a string"});
    }
    SECTION("string for an array of strings") {
        j["nodes"][0]["addresses"] = "198.18.0.1";
        require_single_error(j, "nodes[0].addresses", {"expected an array, got a string"});
    }
    SECTION("an element of an array of strings") {
        j["nodes"][2]["addresses"] = {"198.18.0.3", 42};
        require_single_error(j, "nodes[2].addresses[1]", {"expected a string, got a number"});
    }
    SECTION("boolean for an integer") {
        j["nodes"][0]["votes"] = true;
        require_single_error(j, "nodes[0].votes", {"expected an integer, got a boolean"});
    }
    SECTION("string for a boolean") {
        j["quorum"] = {{"wait_for_all", "yes"}};
        require_single_error(j, "quorum.wait_for_all", {"expected a boolean, got a string"});
    }
    SECTION("null for an object") {
        j["heartbeat"] = nullptr;
        require_single_error(j, "heartbeat", {"expected an object, got null"});
    }
    SECTION("null in a group's node list") {
        j["groups"][0]["nodes"][2] = nullptr;
        require_single_error(j, "groups[0].nodes[2]", {"expected a string, got null"});
    }
    SECTION("params values must be strings") {
        j["groups"][0]["resources"][0]["params"]["prefix"] = 24;
        j["groups"][0]["resources"][0]["params"]["arp"] = true;
        const auto errors = require_errors(j.dump());
        CHECK(errors.size() == 2);
        require_error(errors, "groups[0].resources[0].params.prefix",
                      {"expected a string, got a number"});
        require_error(errors, "groups[0].resources[0].params.arp",
                      {"expected a string, got a boolean"});
    }
    SECTION("params must be an object") {
        j["groups"][0]["resources"][0]["params"] = json::array({"address"});
        require_single_error(j, "groups[0].resources[0].params",
                             {"expected an object, got an array"});
    }
    SECTION("resources must be an array") {
        j["groups"][0]["resources"] = json::object();
        require_single_error(j, "groups[0].resources", {"expected an array, got an object"});
    }
    SECTION("the document must be an object") {
        require_single_error(std::string("[1, 2]"), "", {"expected an object, got an array"});
    }
}

TEST_CASE("out-of-range numbers are errors with the range and the value", "[config_loader]") {
    json j = example();
    SECTION("negative duration") {
        j["heartbeat"]["interval_ms"] = -100;
        require_single_error(j, "heartbeat.interval_ms", {"must be 0..2147483647", "got -100"});
    }
    SECTION("duration too large") {
        j["groups"][0]["start_timeout_ms"] = 2147483648LL;
        require_single_error(j, "groups[0].start_timeout_ms",
                             {"must be 0..2147483647", "got 2147483648"});
    }
    SECTION("port 0") {
        j["heartbeat"]["port"] = 0;
        require_single_error(j, "heartbeat.port", {"must be 1..65535", "got 0"});
    }
    SECTION("port 65536") {
        j["heartbeat"]["port"] = 65536;
        require_single_error(j, "heartbeat.port", {"must be 1..65535", "got 65536"});
    }
    SECTION("max_failures 0") {
        j["groups"][0]["resources"][0]["max_failures"] = 0;
        require_single_error(j, "groups[0].resources[0].max_failures", {"must be 1..1000", "got 0"});
    }
    SECTION("port 65535 is fine") {
        j["heartbeat"]["port"] = 65535;
        CHECK(require_loads(j.dump()).port == 65535);
    }
    SECTION("negative votes") {
        j["nodes"][0]["votes"] = -1;
        require_single_error(j, "nodes[0].votes", {"must be 0..4294967295", "got -1"});
    }
    SECTION("votes beyond 32 bits") {
        j["nodes"][0]["votes"] = 4294967296ULL;
        require_single_error(j, "nodes[0].votes", {"must be 0..4294967295", "got 4294967296"});
    }
    SECTION("drift beyond 32 bits") {
        j["lease"] = {{"max_clock_drift_ppm", 18446744073709551615ULL}};
        require_single_error(j, "lease.max_clock_drift_ppm",
                             {"must be 0..4294967295", "got 18446744073709551615"});
    }
    SECTION("an integer beyond 64 bits") {
        require_single_error(
            std::string(R"({"cluster": "c", "nodes": [{"name": "a", "addresses": ["x"]}],
                                             "heartbeat": {"tick_ms": 123456789012345678901234567890}})"),
            "heartbeat.tick_ms", {"must be 0..2147483647", "got 1.2345678901234568e+29"});
    }
    SECTION("a resource timeout of 0") {
        j["groups"][0]["resources"][0]["monitor_interval_ms"] = 0;
        require_single_error(j, "groups[0].resources[0].monitor_interval_ms",
                             {"must be 1..2147483647", "got 0"});
    }
}

TEST_CASE("missing required keys are errors", "[config_loader]") {
    json j = example();
    SECTION("a node's name") {
        j["nodes"][1].erase("name");
        require_single_error(j, "nodes[1].name", {"required"});
        CHECK(require_errors(j.dump())[0].message == "required");
    }
    SECTION("a node's addresses") {
        j["nodes"][0].erase("addresses");
        require_single_error(j, "nodes[0].addresses", {"required"});
    }
    SECTION("the cluster name") {
        j.erase("cluster");
        require_single_error(j, "cluster", {"required"});
    }
    SECTION("the node list") {
        j.erase("nodes");
        require_single_error(j, "nodes", {"required"});
    }
    SECTION("a group's name and nodes") {
        j["groups"][0].erase("name");
        j["groups"][0].erase("nodes");
        const auto errors = require_errors(j.dump());
        CHECK(errors.size() == 2);
        require_error(errors, "groups[0].name", {"required"});
        require_error(errors, "groups[0].nodes", {"required"});
    }
    SECTION("a resource's name and agent") {
        j["groups"][0]["resources"][0].erase("name");
        j["groups"][0]["resources"][0].erase("agent");
        const auto errors = require_errors(j.dump());
        CHECK(errors.size() == 2);
        require_error(errors, "groups[0].resources[0].name", {"required"});
        require_error(errors, "groups[0].resources[0].agent", {"required"});
    }
}

TEST_CASE("unknown keys are errors at every level", "[config_loader]") {
    json j = example();
    SECTION("top level") {
        j["heartbeats"] = json::object();
        require_single_error(j, "heartbeats",
                             {"unknown key (known: auth_key_file, cluster, fencing, groups, health_checks, heartbeat, hooks, "
                              "lease, nodes, quorum, self_fence)"});
    }
    SECTION("in a node") {
        j["nodes"][2]["vote"] = 1;
        require_single_error(j, "nodes[2].vote", {"unknown key (known: addresses, name, votes)"});
    }
    SECTION("in heartbeat") {
        j["heartbeat"]["intervl_ms"] = 100;
        require_single_error(j, "heartbeat.intervl_ms",
                             {"unknown key (known: interval_ms, port, tick_ms, timeout_ms)"});
    }
    SECTION("in lease") {
        j["lease"] = {{"margin", 20}};
        require_single_error(j, "lease.margin",
                             {"unknown key (known: margin_ms, max_clock_drift_ppm)"});
    }
    SECTION("in quorum") {
        j["quorum"] = {{"wait_for_al", true}};
        require_single_error(j, "quorum.wait_for_al", {"unknown key (known: wait_for_all)"});
    }
    SECTION("in a group") {
        j["groups"][0]["stop_timeout"] = 100;
        require_single_error(j, "groups[0].stop_timeout",
                             {"unknown key (known: after, away_from, failback, failback_delay_ms, "
                              "name, nodes, resources, start_timeout_ms, stop_timeout_ms, with)"});
    }
    SECTION("in a resource") {
        j["groups"][0]["resources"][0]["param"] = json::object();
        require_single_error(
            j, "groups[0].resources[0].param",
            {"unknown key (known: agent, failure_expiry_s, max_failures, monitor_interval_ms, "
             "monitor_timeout_ms, name, params, promotable, start_timeout_ms, stop_timeout_ms)"});
    }
    SECTION("failure_expiry_s is an integer of seconds from 0") {
        j["groups"][0]["resources"][0]["failure_expiry_s"] = -1;
        require_single_error(j, "groups[0].resources[0].failure_expiry_s", {});
    }
    SECTION("a key that needs quoting is shown escaped") {
        j["inter val\n"] = 1;
        require_single_error(j, "[\"inter val\\x0A\"]", {"unknown key"});
    }
}

TEST_CASE("a repeated key is an error, not a silent override", "[config_loader]") {
    std::string text(example_text);
    SECTION("top level") {
        text.insert(1, R"("cluster": "other", )");
        require_single_error(text, "cluster", {"duplicate key"});
    }
    SECTION("inside an array element") {
        const std::string n2 = R"({"name": "n2", )";
        text.replace(text.find(n2), n2.size(), R"({"name": "n2", "name": "n9", )");
        require_single_error(text, "nodes[1].name", {"duplicate key"});
    }
}

TEST_CASE("all errors are reported, not only the first", "[config_loader]") {
    json j = example();
    j["heartbeat"]["interval_ms"] = "fast";
    j["heartbeat"]["intervl_ms"] = 100;
    j["nodes"][1].erase("name");
    j["nodes"][2]["votes"] = -3;
    j["groups"][0]["failback"] = "sometimes";
    j["groups"][0]["resources"][0]["params"]["interface"] = 0;
    j["bogus"] = true;

    const auto errors = require_errors(j.dump());
    INFO("errors:\n" << describe(errors));
    CHECK(errors.size() == 7);
    require_error(errors, "heartbeat.interval_ms", {"expected an integer, got a string"});
    require_error(errors, "heartbeat.intervl_ms", {"unknown key"});
    require_error(errors, "nodes[1].name", {"required"});
    require_error(errors, "nodes[2].votes", {"got -3"});
    require_error(errors, "groups[0].failback", {"\"sometimes\""});
    require_error(errors, "groups[0].resources[0].params.interface", {"expected a string"});
    require_error(errors, "bogus", {"unknown key"});
}

TEST_CASE("a flood of errors is capped", "[config_loader]") {
    json j = example();
    j["nodes"][0]["addresses"] = std::vector<int>(1000, 1);
    const auto errors = require_errors(j.dump());
    REQUIRE(errors.size() == 101);
    CHECK(errors[99].path == "nodes[0].addresses[99]");
    CHECK(errors[100].path == "");
    CHECK(contains(errors[100].message, "900 more errors not shown"));
}

TEST_CASE("agent::validate errors come through once the structure is right", "[config_loader]") {
    json j = example();
    SECTION("timeout below two intervals") {
        j["heartbeat"]["timeout_ms"] = 150;
        require_single_error(
            j, "heartbeat.timeout_ms",
            {"must be at least 2 × heartbeat.interval_ms (2 × 100 = 200), got 150"});
    }
    SECTION("a group names an unknown node") {
        j["groups"][0]["nodes"][2] = "n4";
        require_single_error(j, "groups[0].nodes[2]", {"\"n4\" is not the name of any node"});
    }
    SECTION("a zero interval") {
        j["heartbeat"]["interval_ms"] = 0;
        require_error(require_errors(j.dump()), "heartbeat.interval_ms",
                      {"must be greater than 0, got 0"});
    }
    SECTION("several at once") {
        j["nodes"][1]["name"] = "n1";
        j["lease"] = {{"max_clock_drift_ppm", 200000}};
        const auto errors = require_errors(j.dump());
        require_error(errors, "nodes[1].name", {"already used by nodes[0].name"});
        require_error(errors, "lease.max_clock_drift_ppm", {"must be at most 100000"});
    }
    SECTION("not run while the structure is wrong") {
        j["heartbeat"]["timeout_ms"] = 150;  // a validate() error
        j["heartbeat"]["port"] = "5405";     // a structural error
        require_single_error(j, "heartbeat.port", {"expected an integer"});
    }
}

TEST_CASE("resource rules", "[config_loader]") {
    json j = example();
    j["groups"].push_back({{"name", "db"},
                           {"nodes", {"n2", "n3"}},
                           {"resources", {{{"name", "db-ip"}, {"agent", "vip"}}}}});
    SECTION("the two-group config is valid") {
        CHECK(require_loads(j.dump()).resources.size() == 2);
    }
    SECTION("names are unique across groups") {
        j["groups"][1]["resources"][0]["name"] = "web-ip";
        require_single_error(j, "groups[1].resources[0].name",
                             {"\"web-ip\" is already used by groups[0].resources[0].name"});
    }
    SECTION("names are unique within a group") {
        j["groups"][1]["resources"].push_back({{"name", "db-ip"}, {"agent", "script"}});
        require_single_error(j, "groups[1].resources[1].name",
                             {"\"db-ip\" is already used by groups[1].resources[0].name"});
    }
    SECTION("the agent must not be empty") {
        j["groups"][0]["resources"][0]["agent"] = "";
        require_single_error(j, "groups[0].resources[0].agent", {"must not be empty"});
    }
    SECTION("the name must not be empty") {
        j["groups"][1]["resources"][0]["name"] = "";
        require_single_error(j, "groups[1].resources[0].name", {"must not be empty"});
    }
    SECTION("the name follows the node and group name rule") {
        j["groups"][1]["resources"][0]["name"] = "db ip";
        require_single_error(j, "groups[1].resources[0].name", {"position 2"});
    }
    SECTION("an OCF agent is ocf:PROVIDER:TYPE") {
        j["groups"][1]["resources"][0]["agent"] = "ocf:heartbeat:IPaddr2";
        j["groups"][1]["resources"][0]["params"] = {{"ip", "198.18.0.101"}, {"cidr_netmask", "24"}};
        CHECK(require_loads(j.dump()).resources[1][0].agent == "ocf:heartbeat:IPaddr2");
        j["groups"][1]["resources"][0]["agent"] = "ocf:heartbeat";
        require_single_error(j, "groups[1].resources[0].agent", {"has no type", "ocf:PROVIDER:TYPE"});
    }
    SECTION("an LSB agent is lsb:NAME, a file name") {
        j["groups"][1]["resources"][0]["agent"] = "lsb:nginx";
        CHECK(require_loads(j.dump()).resources[1][0].agent == "lsb:nginx");
        j["groups"][1]["resources"][0]["agent"] = "lsb:../bin/sh";
        require_single_error(j, "groups[1].resources[0].agent", {"is not lsb:NAME"});
    }
    SECTION("a systemd agent is systemd:UNIT with a valid unit name") {
        j["groups"][1]["resources"][0]["agent"] = "systemd:nginx.service";
        CHECK(require_loads(j.dump()).resources[1][0].agent == "systemd:nginx.service");
        j["groups"][1]["resources"][0]["agent"] = "systemd:--now";
        require_single_error(j, "groups[1].resources[0].agent", {"systemd:--now", "must not begin with '-'"});
        j["groups"][1]["resources"][0]["agent"] = "systemd:nginx.servic";
        require_single_error(j, "groups[1].resources[0].agent", {"is not a unit type"});
    }
    SECTION("promotable: a boolean, makes the group promotable, not for lsb or systemd agents") {
        j["groups"][1]["resources"][0]["agent"] = "ocf:hacluster:promotable-test";
        j["groups"][1]["resources"][0]["promotable"] = true;
        const DaemonConfig loaded = require_loads(j.dump());
        CHECK(loaded.resources[1][0].promotable);
        CHECK(loaded.cluster.groups[1].promotable);
        CHECK_FALSE(loaded.cluster.groups[0].promotable);
        j["groups"][1]["resources"][0]["promotable"] = "yes";
        require_single_error(j, "groups[1].resources[0].promotable", {"a boolean"});
        j["groups"][1]["resources"][0]["promotable"] = true;
        j["groups"][1]["resources"][0]["agent"] = "lsb:postgresql";
        require_single_error(j, "groups[1].resources[0].promotable", {"no promote/demote"});
        j["groups"][1]["resources"][0]["agent"] = "systemd:postgresql.service";
        require_single_error(j, "groups[1].resources[0].promotable", {"no promote/demote"});
    }
    SECTION("an OCF agent's params are shell identifiers") {
        j["groups"][1]["resources"][0]["agent"] = "ocf:heartbeat:IPaddr2";
        j["groups"][1]["resources"][0]["params"] = {{"cidr-netmask", "24"}};
        require_single_error(j, "groups[1].resources[0].params.cidr-netmask", {"OCF_RESKEY_cidr-netmask"});
    }
}

TEST_CASE("invalid JSON is one error at the document with its position", "[config_loader]") {
    SECTION("a syntax error") {
        const auto errors = require_errors("{\"cluster\": \"c\",\n \"nodes\": [}");
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].path == "");
        CHECK(contains(errors[0].message, "invalid JSON at line 2, column 12"));
        CHECK(contains(errors[0].message, "(byte 29)"));
        CHECK_FALSE(contains(errors[0].message, "json.exception"));
    }
    SECTION("empty input") {
        const auto errors = require_errors("");
        REQUIRE(errors.size() == 1);
        CHECK(contains(errors[0].message, "invalid JSON"));
        CHECK(contains(errors[0].message, "end of input"));
    }
    SECTION("trailing content") {
        const auto errors = require_errors(std::string(example_text) + "}");
        REQUIRE(errors.size() == 1);
        CHECK(contains(errors[0].message, "invalid JSON"));
    }
    SECTION("comments are not JSON") {
        const auto errors = require_errors("// hello\n" + std::string(example_text));
        REQUIRE(errors.size() == 1);
        CHECK(contains(errors[0].message, "line 1, column 1"));
    }
    SECTION("control bytes in the parser's message are escaped") {
        const auto errors = require_errors("{\"cluster\": \"a\x01\"}");
        REQUIRE(errors.size() == 1);
        for (const char c : errors[0].message) CHECK((c >= 0x20 && c < 0x7f));
    }
}

TEST_CASE("deep nesting is refused before parsing", "[config_loader]") {
    SECTION("nested arrays") {
        const std::string text = std::string(500'000, '[') + std::string(500'000, ']');
        const auto errors = require_errors(text);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].path == "");
        CHECK(contains(errors[0].message, "nested more than 16 levels deep (at byte 17)"));
    }
    SECTION("brackets inside strings do not count") {
        json j = example();
        j["groups"][0]["resources"][0]["params"]["address"] = std::string(100, '[') + "\\\"{";
        CHECK(require_loads(j.dump()).resources[0][0].params.at("address").size() == 103);
    }
    SECTION("an unknown key may nest a little") {
        json j = example();
        j["extra"] = json::parse("[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]");  // 16 levels with the root
        require_single_error(j, "extra", {"unknown key"});
    }
}

TEST_CASE("no input makes the parser throw or accept garbage", "[config_loader]") {
    const std::string text(example_text);
    // Every prefix of a valid config is invalid JSON (the last '}' closes it).
    const std::size_t full = text.rfind('}') + 1;
    for (std::size_t n = 0; n < full; ++n) {
        const auto result = parse_config(std::string_view(text).substr(0, n));
        INFO("prefix of " << n << " bytes");
        CHECK(std::holds_alternative<std::vector<LoadError>>(result));
    }
    // Single-byte corruptions, from a fixed xorshift sequence: each either loads or
    // is rejected, and never throws (parse_config is noexcept).
    std::uint64_t state = 0x9e3779b97f4a7c15ULL;
    for (int round = 0; round < 500; ++round) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        std::string mutated = text;
        mutated[state % mutated.size()] = static_cast<char>((state >> 32) & 0xff);
        const auto result = parse_config(mutated);
        if (const auto* errors = std::get_if<std::vector<LoadError>>(&result))
            CHECK_FALSE(errors->empty());
    }
}

TEST_CASE("config text over 1 MiB is refused", "[config_loader]") {
    std::string text(example_text);
    text.resize(max_config_bytes, ' ');
    CHECK(std::holds_alternative<DaemonConfig>(parse_config(text)));
    text.push_back(' ');
    const auto errors = require_errors(text);
    REQUIRE(errors.size() == 1);
    CHECK(contains(errors[0].message, "1048577 bytes"));
    CHECK(contains(errors[0].message, "1 MiB"));
}

TEST_CASE("load_config reads a file", "[config_loader]") {
    TempDir dir;
    SECTION("the example") {
        const auto result = load_config(dir.write("hacluster.json", example_text));
        REQUIRE(std::holds_alternative<DaemonConfig>(result));
        CHECK(std::get<DaemonConfig>(result).cluster.cluster == "demo");
    }
    SECTION("parse errors come back as they are") {
        const auto result = load_config(dir.write("bad.json", R"({"cluster": 1})"));
        REQUIRE(std::holds_alternative<std::vector<LoadError>>(result));
        require_error(std::get<std::vector<LoadError>>(result), "cluster", {"expected a string"});
    }
    SECTION("a missing file") {
        const auto file = dir.path() / "missing.json";
        const auto result = load_config(file);
        REQUIRE(std::holds_alternative<std::vector<LoadError>>(result));
        const auto& errors = std::get<std::vector<LoadError>>(result);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].path == "");
        CHECK(contains(errors[0].message, "cannot open \"" + file.string() + "\""));
        CHECK(contains(errors[0].message, "No such file or directory"));
    }
    SECTION("a directory") {
        const auto result = load_config(dir.path());
        REQUIRE(std::holds_alternative<std::vector<LoadError>>(result));
        const auto& errors = std::get<std::vector<LoadError>>(result);
        REQUIRE(errors.size() == 1);
        CHECK(contains(errors[0].message, "cannot read"));
        CHECK(contains(errors[0].message, "Is a directory"));
    }
    SECTION("exactly 1 MiB is accepted") {
        std::string text(example_text);
        text.resize(max_config_bytes, '\n');
        CHECK(std::holds_alternative<DaemonConfig>(load_config(dir.write("big.json", text))));
    }
    SECTION("a file over 1 MiB") {
        std::string text(example_text);
        text.resize(max_config_bytes + 1, '\n');
        const auto result = load_config(dir.write("huge.json", text));
        REQUIRE(std::holds_alternative<std::vector<LoadError>>(result));
        const auto& errors = std::get<std::vector<LoadError>>(result);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].path == "");
        CHECK(contains(errors[0].message, "huge.json"));
        CHECK(contains(errors[0].message, "1048577 bytes"));
        CHECK(contains(errors[0].message, "1 MiB"));
    }
}

TEST_CASE("hooks: paths, timeouts, event filters and env are checked", "[config_loader][hooks]") {
    TempDir dir;
    const auto hook = dir.write("hook", "#!/bin/sh\n");
    std::filesystem::permissions(hook, std::filesystem::perms::owner_all);
    const auto plain = dir.write("plain", "not a program\n");
    std::filesystem::permissions(plain, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

    SECTION("defaults and every key") {
        json config = example();
        config["hooks"] = json::array({{{"path", hook.string()}},
                                       {{"path", hook.string()},
                                        {"timeout_ms", 100},
                                        {"events", {"node_down", "promoted", "quorum_gained"}},
                                        {"env", {{"HACLUSTER_WEBHOOK_URL", "http://127.0.0.1/"}}}}});
        const DaemonConfig loaded = require_loads(config.dump());
        REQUIRE(loaded.hooks.size() == 2);
        CHECK(loaded.hooks[0].path == hook.string());
        CHECK(loaded.hooks[0].timeout == 5000ms);
        CHECK(loaded.hooks[0].events.empty());
        CHECK(loaded.hooks[0].wants("node_up"));
        CHECK(loaded.hooks[1].timeout == 100ms);
        CHECK(loaded.hooks[1].wants("promoted"));
        CHECK_FALSE(loaded.hooks[1].wants("node_up"));
        CHECK(loaded.hooks[1].env.at("HACLUSTER_WEBHOOK_URL") == "http://127.0.0.1/");
    }
    SECTION("a relative path") {
        json config = example();
        config["hooks"] = json::array({{{"path", hook.string()}}, {{"path", "hooks/syslog"}}});
        require_single_error(config, "hooks[1].path", {"absolute", "hooks/syslog"});
    }
    SECTION("a missing or non-executable file") {
        json config = example();
        config["hooks"] = json::array({{{"path", (dir.path() / "missing").string()}}, {{"path", plain.string()}}});
        const auto errors = require_errors(config.dump());
        require_error(errors, "hooks[0].path", {"is not a file"});
        require_error(errors, "hooks[1].path", {"is not executable"});
        // The text alone (the fuzz target's entry point) does not look at the files,
        // and still refuses what the text itself gets wrong.
        CHECK(std::holds_alternative<DaemonConfig>(hacluster::daemon::parse_config_text(config.dump())));
        config["hooks"][1]["path"] = "hooks/syslog";
        const auto text_only = hacluster::daemon::parse_config_text(config.dump());
        REQUIRE(std::holds_alternative<std::vector<LoadError>>(text_only));
        CHECK(std::get<std::vector<LoadError>>(text_only).size() == 1);
        CHECK(std::get<std::vector<LoadError>>(text_only)[0].path == "hooks[1].path");
    }
    SECTION("timeout out of range") {
        json config = example();
        config["hooks"] = json::array({{{"path", hook.string()}, {"timeout_ms", 99}}});
        require_single_error(config, "hooks[0].timeout_ms", {"100..600000", "99"});
        config["hooks"][0]["timeout_ms"] = 600001;
        require_single_error(config, "hooks[0].timeout_ms", {"100..600000", "600001"});
    }
    SECTION("an unknown event lists the known ones") {
        json config = example();
        config["hooks"] = json::array({{{"path", hook.string()}, {"events", {"node_down", "started"}}}});
        require_single_error(config, "hooks[0].events[1]",
                             {"unknown event \"started\"", "known:", "promoted", "quorum_gained", "node_down"});
    }
    SECTION("env names and reserved variables") {
        json config = example();
        config["hooks"] = json::array(
            {{{"path", hook.string()}, {"env", {{"HACLUSTER_EVENT", "x"}, {"1BAD", "x"}, {"PATH", "/opt/bin"}}}}});
        const auto errors = require_errors(config.dump());
        CHECK(errors.size() == 2);
        require_error(errors, "hooks[0].env.HACLUSTER_EVENT", {"set by the daemon"});
        require_error(errors, "hooks[0].env.1BAD", {"shell identifier"});
        config["hooks"][0]["env"] = {{"OK", 1}};
        require_single_error(config, "hooks[0].env.OK", {"expected a string"});
    }
    SECTION("unknown keys and wrong types") {
        json config = example();
        config["hooks"] = json::array({{{"path", hook.string()}, {"timeout", 5}}});
        require_single_error(config, "hooks[0].timeout", {"unknown key", "env, events, path, timeout_ms"});
        config["hooks"] = json::object();
        require_single_error(config, "hooks", {"expected an array"});
    }
}

TEST_CASE("fencing: devices, params, host_map, timeout and action are read", "[config_loader][fencing]") {
    json j = example();
    j["fencing"] = {{"devices",
                     {{{"name", "ipmi"},
                       {"agent", "fence_ipmilan"},
                       {"params", {{"ip", "198.18.9.1"}, {"username", "admin"}}},
                       {"nodes", {"n1", "n2"}},
                       {"host_map", {{"n1", "plug1"}}}},
                      {{"name", "pdu"}, {"agent", "/opt/fence/fence_pdu"}}}},
                    {"timeout_ms", 5000},
                    {"action", "reboot"}};
    const DaemonConfig c = require_loads(j.dump());
    const auto& f = c.cluster.fencing;
    REQUIRE(f.devices.size() == 2);
    CHECK(f.devices[0].agent == "fence_ipmilan");
    CHECK(f.devices[0].params.at("username") == "admin");
    CHECK(f.devices[0].nodes == std::vector<std::string>{"n1", "n2"});
    CHECK(f.devices[0].host_map.at("n1") == "plug1");
    CHECK(f.devices[1].nodes.empty());
    CHECK(f.timeout == 5s);
    CHECK(f.action == hacluster::agent::FenceAction::reboot);
    CHECK(f.covers("n3"));
    // Without devices nothing is fenced and the config hash is what it was.
    const DaemonConfig plain = require_loads(example().dump());
    CHECK(plain.cluster.fencing.devices.empty());
    CHECK(hacluster::agent::config_hash(plain.cluster) != hacluster::agent::config_hash(c.cluster));
}

TEST_CASE("fencing: every mistake names its path", "[config_loader][fencing]") {
    json j = example();
    j["fencing"] = {{"devices",
                     {{{"name", "ipmi"},
                       {"agent", "sbin/fence_ipmilan"},
                       {"params", {{"action", "on"}, {"ip", "a\nb"}}},
                       {"nodes", {"n1", "n9"}},
                       {"host_map", {{"n7", "p"}}},
                       {"colour", "red"}},
                      {{"name", "ipmi"}, {"agent", "fence_x"}}}},
                    {"timeout_ms", 0},
                    {"action", "on"}};
    const auto errors = require_errors(j.dump());
    require_error(errors, "fencing.devices[0].colour", {"unknown key"});
    require_error(errors, "fencing.devices[0].agent", {"/usr/sbin", "absolute path"});
    require_error(errors, "fencing.devices[0].params.action", {"set by hacluster"});
    require_error(errors, "fencing.devices[0].params.ip", {"line break"});
    require_error(errors, "fencing.action", {"\"off\" or \"reboot\""});
    j["fencing"]["devices"][0].erase("colour");
    j["fencing"]["devices"][0]["agent"] = "fence_ipmilan";
    j["fencing"]["devices"][0]["params"] = {{"ip", "198.18.9.1"}};
    j["fencing"]["action"] = "off";
    const auto rules = require_errors(j.dump());
    require_error(rules, "fencing.devices[0].nodes[1]", {"n9", "not the name of any node"});
    require_error(rules, "fencing.devices[0].host_map.n7", {"not the name of any node"});
    require_error(rules, "fencing.devices[1].name", {"already used by fencing.devices[0].name"});
    require_error(rules, "fencing.timeout_ms", {"greater than 0"});
}

TEST_CASE("health checks: every type with its parameters and the defaults", "[config_loader][health]") {
    json config = example();
    config["health_checks"] = json::parse(R"([
        {"name": "ping-gw", "type": "script", "path": "/usr/local/bin/ping-gw"},
        {"name": "db-port", "type": "tcp", "host": "127.0.0.1", "port": 5432, "interval_ms": 500, "timeout_ms": 200,
         "rise": 1, "fall": 5},
        {"name": "web", "type": "http", "url": "http://[::1]:8080/health", "expect_status": "200-399"},
        {"name": "web-default", "type": "http", "url": "http://198.18.0.9"},
        {"name": "uplink", "type": "link", "interface": "eth0"},
        {"name": "disk-root", "type": "disk", "path": "/", "min_free_percent": 10, "min_free_mb": 500},
        {"name": "mem", "type": "memory", "min_available_mb": 256}])");
    const DaemonConfig loaded = require_loads(config.dump());
    REQUIRE(loaded.health_checks.size() == 7);
    using hacluster::daemon::HealthCheckType;
    const auto& c = loaded.health_checks;
    CHECK(c[0].type == HealthCheckType::script);
    CHECK(c[0].interval == 2000ms);
    CHECK(c[0].timeout == 1000ms);
    CHECK(c[0].rise == 2);
    CHECK(c[0].fall == 3);
    CHECK(c[1].port == 5432);
    CHECK(c[1].interval == 500ms);
    CHECK(c[1].rise == 1);
    CHECK(c[1].fall == 5);
    CHECK(c[2].host == "::1");
    CHECK(c[2].port == 8080);
    CHECK(c[2].url_path == "/health");
    CHECK(c[2].expect_min == 200);
    CHECK(c[2].expect_max == 399);
    CHECK(c[3].port == 80);
    CHECK(c[3].url_path == "/");
    CHECK(c[3].expect_min == 200);
    CHECK(c[3].expect_max == 200);
    CHECK(c[4].interface == "eth0");
    CHECK(c[5].min_free_percent == 10.0);
    CHECK(c[5].min_free_mb == 500);
    CHECK(c[6].min_available_mb == 256);
    CHECK_FALSE(c[6].min_available_percent.has_value());
}

TEST_CASE("health checks: errors name the JSON path", "[config_loader][health]") {
    const auto with_checks = [](const char* checks) {
        json config = example();
        config["health_checks"] = json::parse(checks);
        return config;
    };
    require_single_error(with_checks(R"([{"name": "a", "type": "tcp", "host": "127.0.0.1", "port": 0}])"),
                         "health_checks[0].port", {"1..65535"});
    require_single_error(
        with_checks(R"([{"name": "a", "type": "memory", "min_available_mb": 1}, {"name": "b", "type": "tcp", "host": "localhost", "port": 80}])"),
        "health_checks[1].host", {"IP address"});
    require_single_error(with_checks(R"([{"name": "a", "type": "ping"}])"), "health_checks[0].type",
                         {"script, tcp, http"});
    require_single_error(with_checks(R"([{"name": "a", "type": "disk", "path": "/", "min_free_mb": 1, "port": 3}])"),
                         "health_checks[0].port", {"not a parameter of a disk check"});
    require_single_error(with_checks(R"([{"name": "a", "type": "disk", "path": "/"}])"), "health_checks[0]",
                         {"min_free_percent"});
    require_single_error(with_checks(R"([{"name": "a", "type": "memory", "min_available_percent": 120}])"),
                         "health_checks[0].min_available_percent", {"0..100"});
    require_single_error(with_checks(R"([{"name": "a", "type": "http", "url": "https://127.0.0.1/"}])"),
                         "health_checks[0].url", {"http://"});
    require_single_error(with_checks(R"([{"name": "a", "type": "http", "url": "http://127.0.0.1/", "expect_status": "300-200"}])"),
                         "health_checks[0].expect_status", {"200-399"});
    require_single_error(with_checks(R"([{"name": "a", "type": "script", "path": "/x", "rise": 0}])"),
                         "health_checks[0].rise", {"1..100"});
    require_single_error(with_checks(R"([{"name": "a", "type": "script", "path": "/x", "timeout_ms": 70000}])"),
                         "health_checks[0].timeout_ms", {"1..60000"});
    require_single_error(with_checks(R"([{"name": "a", "type": "script"}])"), "health_checks[0].path", {"required"});
    require_single_error(with_checks(R"([{"name": "a", "type": "link", "interface": "../x"}])"),
                         "health_checks[0].interface", {"not an interface name"});
    require_single_error(
        with_checks(R"([{"name": "a", "type": "memory", "min_available_mb": 1}, {"name": "a", "type": "memory", "min_available_mb": 2}])"),
        "health_checks[1].name", {"already used by health_checks[0].name"});
    require_single_error(with_checks(R"([{"name": "a", "type": "script", "path": "/x", "colour": 1}])"),
                         "health_checks[0].colour", {"unknown key"});
}
