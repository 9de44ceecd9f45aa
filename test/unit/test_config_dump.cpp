// The effective config (daemon/config_dump.h, `haclusterctl config show`): every
// default is spelled out, and the output is itself a config that loads to the same
// config hash and the same effective config.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "daemon/config_dump.h"
#include "daemon/config_loader.h"

using hacluster::daemon::config_hash_text;
using hacluster::daemon::DaemonConfig;
using hacluster::daemon::effective_config;
using hacluster::daemon::LoadError;
using hacluster::daemon::parse_config;
using nlohmann::json;

namespace {

DaemonConfig loads(const std::string& text) {
    auto result = parse_config(text);
    if (const auto* errors = std::get_if<std::vector<LoadError>>(&result)) {
        std::string all;
        for (const LoadError& e : *errors) all += e.path + ": " + e.message + "\n";
        FAIL("config rejected:\n" << all);
    }
    return std::get<DaemonConfig>(std::move(result));
}

// A config that uses nearly every section; the hook and check programs exist here.
json rich() {
    return json::parse(R"({"cluster": "demo",
      "nodes": [{"name": "n1", "addresses": ["198.18.0.1", "198.18.1.1"]},
                {"name": "n2", "addresses": ["198.18.0.2", "198.18.1.2"], "votes": 2},
                {"name": "n3", "addresses": ["198.18.0.3", "198.18.1.3"]}],
      "heartbeat": {"interval_ms": 50, "timeout_ms": 200},
      "quorum": {"wait_for_all": true},
      "self_fence": {"action": "command", "command": "/bin/true"},
      "groups": [{"name": "web", "nodes": ["n1", "n2"], "failback": "auto", "failback_delay_ms": 30000,
                  "resources": [{"name": "web-ip", "agent": "vip",
                                 "params": {"address": "198.18.0.100/24", "interface": "eth0"}},
                                {"name": "app", "agent": "/bin/true", "max_failures": 5, "failure_expiry_s": 60}]},
                 {"name": "db", "nodes": ["n2", "n3"], "after": ["web"], "stop_timeout_ms": 900,
                  "resources": [{"name": "db-ip", "agent": "vip", "promotable": false}]}],
      "fencing": {"devices": [{"name": "ipmi", "agent": "/bin/true", "params": {"ip": "198.18.9.1"},
                               "nodes": ["n1", "n2"], "host_map": {"n1": "plug1"}}],
                  "action": "reboot"},
      "hooks": [{"path": "/bin/true", "events": ["node_down"], "env": {"X": "1"}}, {"path": "/bin/true"}],
      "health_checks": [{"name": "gw", "type": "tcp", "host": "198.18.0.254", "port": 80},
                        {"name": "web", "type": "http", "url": "http://198.18.0.1:8080/health", "expect_status": "200-399"},
                        {"name": "root", "type": "disk", "path": "/", "min_free_percent": 10},
                        {"name": "mem", "type": "memory", "min_available_mb": 100}]})");
}

}  // namespace

TEST_CASE("config show spells out every default", "[config][dump]") {
    const DaemonConfig config = loads(R"({"cluster": "demo",
        "nodes": [{"name": "n1", "addresses": ["198.18.0.1"]}],
        "groups": [{"name": "web", "nodes": ["n1"],
                    "resources": [{"name": "web-ip", "agent": "vip", "params": {"address": "198.18.0.100/24"}},
                                  {"name": "app", "agent": "/bin/true"}]}]})");
    const json j = json::parse(effective_config(config).dump());
    CHECK(j["heartbeat"] == json{{"port", 5405}, {"interval_ms", 100}, {"timeout_ms", 500}, {"tick_ms", 10}});
    CHECK(j["lease"] == json{{"max_clock_drift_ppm", 10000}, {"margin_ms", 20}});
    CHECK(j["quorum"]["wait_for_all"] == false);
    CHECK(j["auth_key_file"] == "/etc/hacluster/authkey");
    CHECK(j["self_fence"] == "reboot");
    CHECK(j["nodes"][0]["votes"] == 1);
    const auto& web = j["groups"][0];
    CHECK(web["failback"] == "never");
    CHECK_FALSE(web.contains("failback_delay_ms"));  // only with "auto"
    CHECK(web["start_timeout_ms"] == 20000);
    CHECK(web["stop_timeout_ms"] == 600);  // vip 100 + a forked agent 500
    CHECK(web["resources"][0] == json{{"name", "web-ip"}, {"agent", "vip"},
                                      {"params", {{"address", "198.18.0.100/24"}}},
                                      {"start_timeout_ms", 20000}, {"stop_timeout_ms", 100},
                                      {"monitor_interval_ms", 10000}, {"monitor_timeout_ms", 20000},
                                      {"max_failures", 3}, {"failure_expiry_s", 0}, {"promotable", false}});
    CHECK(web["resources"][1]["stop_timeout_ms"] == 500);
    CHECK(j["fencing"] == json{{"devices", json::array()}, {"timeout_ms", 20000}, {"action", "off"}});
    CHECK(j["hooks"] == json::array());
    CHECK(j["health_checks"] == json::array());
    CHECK(config_hash_text(config).size() == 16);
}

TEST_CASE("config show's output is a config: the same hash and the same effective config again", "[config][dump]") {
    for (const json& source : {rich(), json::parse(R"({"cluster": "x", "nodes": [{"name": "a", "addresses": ["198.18.0.1"]}],
                                                       "self_fence": "off", "groups": []})")}) {
        const DaemonConfig first = loads(source.dump());
        const auto dumped = effective_config(first);
        const DaemonConfig second = loads(dumped.dump());
        CHECK(config_hash_text(second) == config_hash_text(first));
        CHECK(effective_config(second) == dumped);
    }
}

TEST_CASE("config show of the rich config: what the file set, shown as the loader reads it", "[config][dump]") {
    const json j = json::parse(effective_config(loads(rich().dump())).dump());
    CHECK(j["self_fence"] == json{{"action", "command"}, {"command", "/bin/true"}});
    CHECK(j["quorum"]["wait_for_all"] == true);
    CHECK(j["groups"][0]["failback"] == "auto");
    CHECK(j["groups"][0]["failback_delay_ms"] == 30000);
    CHECK(j["groups"][1]["stop_timeout_ms"] == 900);
    CHECK(j["groups"][1]["after"] == json{"web"});
    CHECK(j["fencing"]["devices"][0]["host_map"] == json{{"n1", "plug1"}});
    CHECK(j["hooks"][0]["events"] == json{"node_down"});
    CHECK(j["hooks"][1]["events"].size() > 10);  // none listed: every event, by name
    CHECK(j["health_checks"][1]["expect_status"] == "200-399");
    CHECK(j["health_checks"][0] == json{{"name", "gw"}, {"type", "tcp"}, {"interval_ms", 2000}, {"timeout_ms", 1000},
                                        {"rise", 2}, {"fall", 3}, {"host", "198.18.0.254"}, {"port", 80}});
    CHECK(j["health_checks"][3] == json{{"name", "mem"}, {"type", "memory"}, {"interval_ms", 2000},
                                        {"timeout_ms", 1000}, {"rise", 2}, {"fall", 3}, {"min_available_mb", 100}});
}

TEST_CASE("the config hash changes with a cluster setting, not with a hook", "[config][dump]") {
    json source = rich();
    const std::string before = config_hash_text(loads(source.dump()));
    source["hooks"] = json::array();
    CHECK(config_hash_text(loads(source.dump())) == before);
    source["heartbeat"]["timeout_ms"] = 300;
    CHECK(config_hash_text(loads(source.dump())) != before);
}
