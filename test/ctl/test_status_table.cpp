// The human tables of `status`, `nodes`, `groups` and `events`, from sample data:
// the PROTOCOL.md example and a cluster in trouble (offline node, lost quorum,
// failed group).
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "ctl/event_lines.h"
#include "ctl/status_table.h"
#include "ctl/text_table.h"
#include "ctl_test_support.h"

using hacluster::ctl::ClusterStatus;
using hacluster::ctl::decode_events;
using hacluster::ctl::decode_status;
using hacluster::ctl::EventRecord;
using hacluster::ctl::Json;
using hacluster::ctl::test::protocol_status_example;

namespace {

ClusterStatus require_status(const std::string& text) {
    auto decoded = decode_status(Json::parse(text));
    if (const auto* why = std::get_if<std::string>(&decoded)) FAIL("not decoded: " << *why);
    return std::get<ClusterStatus>(decoded);
}

std::string decode_error(const Json& data) {
    auto decoded = decode_status(data);
    REQUIRE(std::holds_alternative<std::string>(decoded));
    return std::get<std::string>(decoded);
}

// Lost quorum, no coordinator, an offline node never heard on one link, a failed
// group with a failed resource, a resource with past failures, no failover yet.
constexpr const char* trouble_example = R"({
  "cluster": "prod", "node": "n1", "term": 12, "coordinator": null,
  "quorum": {"state": "lost", "votes": 1, "total": 3, "needed": 2},
  "nodes": [
    {"name": "n1", "self": true, "state": "online",
     "links": [{"address": "198.18.0.1", "state": "up", "last_heard_ms": 0},
               {"address": "198.18.1.1", "state": "up", "last_heard_ms": 0}]},
    {"name": "n2", "self": false, "state": "offline",
     "links": [{"address": "198.18.0.2", "state": "down", "last_heard_ms": 125000},
               {"address": "198.18.1.2", "state": "down", "last_heard_ms": null}]},
    {"name": "node-three", "self": false, "state": "standby",
     "links": [{"address": "198.18.0.3", "state": "down", "last_heard_ms": 4100},
               {"address": "198.18.1.3", "state": "up", "last_heard_ms": 30}]}
  ],
  "groups": [
    {"name": "web", "state": "failed", "primary": null, "term": 9, "role_here": "stop_failed",
     "assigned": null,
     "resources": [{"name": "web-ip", "agent": "vip", "state": "failed", "fail_count": 3},
                   {"name": "web-svc", "agent": "systemd", "state": "stopped", "fail_count": 0}]},
    {"name": "db", "state": "running", "primary": "node-three", "term": 11, "role_here": "standby",
     "assigned": "node-three",
     "resources": [{"name": "db-ip", "agent": "vip", "state": "stopped", "fail_count": 2}]}
  ],
  "last_failover": null
})";

}  // namespace

TEST_CASE("status of the PROTOCOL.md example") {
    const ClusterStatus status = require_status(protocol_status_example());
    CHECK(hacluster::ctl::status_report(status) ==
          "cluster demo · node n1 · quorum won (2/3 votes, need 2) · coordinator n1 · term 7\n"
          "\n"
          "NODE  STATE    HEALTH   LINKS\n"
          "n1    online   healthy  198.18.0.1 up\n"
          "n2    OFFLINE  -        198.18.0.2 DOWN (last heard 2150 ms ago)\n"
          "n3    online   healthy  198.18.0.3 up\n"
          "\n"
          "health of n1: healthy\n"
          "CHECK      TYPE  STATE    COUNT  MESSAGE\n"
          "disk-root  disk  passing  12     41% free (40960 MB of 99840 MB)\n"
          "\n"
          "GROUP  STATE    PRIMARY  TERM  RESOURCES\n"
          "web    running  n1       4     web-ip running\n"
          "\n"
          "last failover: web n2 → n1 in 712 ms at 2026-11-22T18:40:00.123Z\n");
}

TEST_CASE("nodes and groups print only their table") {
    const ClusterStatus status = require_status(protocol_status_example());
    CHECK(hacluster::ctl::nodes_table(status) ==
          "NODE  STATE    HEALTH   LINKS\n"
          "n1    online   healthy  198.18.0.1 up\n"
          "n2    OFFLINE  -        198.18.0.2 DOWN (last heard 2150 ms ago)\n"
          "n3    online   healthy  198.18.0.3 up\n");
    CHECK(hacluster::ctl::groups_table(status) ==
          "GROUP  STATE    PRIMARY  TERM  RESOURCES\n"
          "web    running  n1       4     web-ip running\n");
}

TEST_CASE("a pinned group shows the pin and its remaining seconds in PRIMARY") {
    Json data = Json::parse(protocol_status_example());
    SECTION("running where pinned") {
        data["groups"][0]["pin"] = {{"node", "n1"}, {"ttl_remaining_s", 297u}};
        const auto decoded = decode_status(data);
        REQUIRE(std::holds_alternative<ClusterStatus>(decoded));
        CHECK(hacluster::ctl::groups_table(std::get<ClusterStatus>(decoded)) ==
              "GROUP  STATE    PRIMARY            TERM  RESOURCES\n"
              "web    running  n1 (pinned 297 s)  4     web-ip running\n");
    }
    SECTION("pinned elsewhere") {
        data["groups"][0]["pin"] = {{"node", "n2"}, {"ttl_remaining_s", 5u}};
        const auto decoded = decode_status(data);
        REQUIRE(std::holds_alternative<ClusterStatus>(decoded));
        CHECK(hacluster::ctl::groups_table(std::get<ClusterStatus>(decoded)).find(
                  "n1 (pinned to n2, 5 s)") != std::string::npos);
    }
    SECTION("a pin without its node is named by its path") {
        data["groups"][0]["pin"] = {{"ttl_remaining_s", 5u}};
        CHECK(decode_error(data).find("groups[0].pin.node") != std::string::npos);
    }
}

TEST_CASE("trouble stands out: lost quorum, offline node, failed group and resource") {
    const ClusterStatus status = require_status(trouble_example);
    CHECK(hacluster::ctl::status_report(status) ==
          "cluster prod · node n1 · quorum LOST (1/3 votes, need 2) · coordinator none · term 12\n"
          "\n"
          "NODE        STATE    LINKS\n"
          "n1          online   198.18.0.1 up, 198.18.1.1 up\n"
          "n2          OFFLINE  198.18.0.2 DOWN (last heard 2 min ago), 198.18.1.2 DOWN (never heard)\n"
          "node-three  standby  198.18.0.3 DOWN (last heard 4100 ms ago), 198.18.1.3 up\n"
          "\n"
          "GROUP  STATE    PRIMARY     TERM  RESOURCES\n"
          "web    FAILED   -           9     web-ip FAILED (fails: 3), web-svc stopped\n"
          "db     running  node-three  11    db-ip stopped (fails: 2)\n"
          "\n"
          "last failover: none\n");
}

TEST_CASE("a quorum without total (an older daemon) shows the votes alone") {
    Json data = Json::parse(protocol_status_example());
    data["quorum"].erase("total");
    auto decoded = decode_status(data);
    REQUIRE(std::holds_alternative<ClusterStatus>(decoded));
    CHECK(hacluster::ctl::status_header(std::get<ClusterStatus>(decoded)) ==
          "cluster demo · node n1 · quorum won (2 votes, need 2) · coordinator n1 · term 7\n");
}

TEST_CASE("negative ages from a stepped wall clock still render") {
    Json data = Json::parse(protocol_status_example());
    data["nodes"][1]["links"][0]["last_heard_ms"] = -40;
    data["last_failover"]["duration_ms"] = -3;
    const ClusterStatus status = require_status(data.dump());
    CHECK(hacluster::ctl::nodes_table(status).find("DOWN (last heard 0 ms ago)") != std::string::npos);
    CHECK(hacluster::ctl::last_failover_line(status) ==
          "last failover: web n2 → n1 in -3 ms at 2026-11-22T18:40:00.123Z\n");
}

TEST_CASE("status data with a missing or mistyped field is named by its path") {
    const Json example = Json::parse(protocol_status_example());
    {
        Json data = example;
        data["nodes"][1].erase("state");
        CHECK(decode_error(data) == "nodes[1].state: missing");
    }
    {
        Json data = example;
        data["groups"][0]["resources"][0]["fail_count"] = -1;
        CHECK(decode_error(data) ==
              "groups[0].resources[0].fail_count: expected a non-negative integer, got a negative integer");
    }
    {
        Json data = example;
        data["nodes"][0]["links"][0]["last_heard_ms"] = "soon";
        CHECK(decode_error(data) == "nodes[0].links[0].last_heard_ms: expected an integer or null, got a string");
    }
    {
        Json data = example;
        data["quorum"] = 3u;
        CHECK(decode_error(data) == "quorum: expected an object, got a non-negative integer");
    }
    {
        Json data = example;
        data["groups"] = Json::array({"web"});
        CHECK(decode_error(data) == "groups[0]: expected an object, got a string");
    }
    CHECK(decode_error(Json::object()) == "cluster: missing");
}

TEST_CASE("names with control characters cannot forge terminal output") {
    Json data = Json::parse(protocol_status_example());
    data["groups"][0]["name"] = "web\n\x1b[2Jevil";
    auto decoded = decode_status(data);
    REQUIRE(std::holds_alternative<ClusterStatus>(decoded));
    const std::string table = hacluster::ctl::groups_table(std::get<ClusterStatus>(decoded));
    CHECK(table.find("web??[2Jevil") != std::string::npos);
    CHECK(table.find('\x1b') == std::string::npos);
}

TEST_CASE("events: one line per transition, node-level events without a group") {
    const Json data = Json::parse(R"({"events": [
      {"at": "2026-11-22T18:39:59.411Z", "kind": "node_down", "node": "n2", "group": null, "term": null,
       "reason": "timeout"},
      {"at": "2026-11-22T18:39:59.420Z", "kind": "claiming", "node": "n1", "group": "web", "term": 4,
       "reason": "primary_unreachable"},
      {"at": "2026-11-22T18:40:00.123Z", "kind": "started", "node": "n1", "group": "web", "term": 4,
       "reason": "start_ok"},
      {"at": "2026-11-22T18:41:00.000Z", "kind": "quorum_won", "node": "n1", "group": null, "reason": ""}
    ]})");
    auto decoded = decode_events(data);
    REQUIRE(std::holds_alternative<std::vector<EventRecord>>(decoded));
    CHECK(hacluster::ctl::event_lines(std::get<std::vector<EventRecord>>(decoded)) ==
          "2026-11-22T18:39:59.411Z node_down n2 reason=timeout\n"
          "2026-11-22T18:39:59.420Z claiming web on n1 term=4 reason=primary_unreachable\n"
          "2026-11-22T18:40:00.123Z started web on n1 term=4 reason=start_ok\n"
          "2026-11-22T18:41:00.000Z quorum_won n1\n");
}

TEST_CASE("events: an empty list prints nothing; a bad event is named") {
    auto empty = decode_events(Json::parse(R"({"events": []})"));
    REQUIRE(std::holds_alternative<std::vector<EventRecord>>(empty));
    CHECK(hacluster::ctl::event_lines(std::get<std::vector<EventRecord>>(empty)).empty());

    auto bad = decode_events(Json::parse(R"({"events": [{"at": "x", "kind": 5}]})"));
    REQUIRE(std::holds_alternative<std::string>(bad));
    CHECK(std::get<std::string>(bad) == "events[0].kind: expected a string, got a non-negative integer");

    auto missing = decode_events(Json::object());
    REQUIRE(std::holds_alternative<std::string>(missing));
    CHECK(std::get<std::string>(missing) == "events: missing");
}

TEST_CASE("text table: columns sized by the widest cell, no trailing blanks") {
    hacluster::ctl::TextTable table({"A", "LONG HEADER", "C"});
    table.add_row({"wide cell", "x", ""});
    table.add_row({"→", "y", "last"});
    CHECK(table.render() ==
          "A          LONG HEADER  C\n"
          "wide cell  x\n"
          "→          y            last\n");
}

TEST_CASE("health: a HEALTH column and the local checks when the daemon reports them") {
    Json data = Json::parse(protocol_status_example());
    data["nodes"][0]["health"] = "unhealthy";
    data["nodes"][1]["health"] = nullptr;  // offline
    data["nodes"][2]["health"] = "healthy";
    data["health"] = Json::parse(R"({"state": "unhealthy", "reason": "disk-root failed: 3% free < 10%",
        "checks": [{"name": "disk-root", "type": "disk", "state": "failing", "consecutive": 3,
                    "last_result": "failed", "message": "3% free < 10%"},
                   {"name": "gw", "type": "script", "state": "passing", "consecutive": 41,
                    "last_result": "ok", "message": "exit 0"}]})");
    const ClusterStatus status = require_status(data.dump());
    CHECK(hacluster::ctl::nodes_table(status) ==
          "NODE  STATE    HEALTH     LINKS\n"
          "n1    online   UNHEALTHY  198.18.0.1 up\n"
          "n2    OFFLINE  -          198.18.0.2 DOWN (last heard 2150 ms ago)\n"
          "n3    online   healthy    198.18.0.3 up\n");
    CHECK(hacluster::ctl::health_section(status) ==
          "health of n1: UNHEALTHY (disk-root failed: 3% free < 10%)\n"
          "CHECK      TYPE    STATE    COUNT  MESSAGE\n"
          "disk-root  disk    FAILING  3      3% free < 10%\n"
          "gw         script  passing  41     exit 0\n");
    // Without checks there is no section.
    data["health"] = Json::parse(R"({"state": "healthy", "reason": null, "checks": []})");
    CHECK(hacluster::ctl::health_section(require_status(data.dump())).empty());
    data["health"]["checks"] = Json::parse(R"([{"name": "x"}])");
    CHECK(decode_error(data) == "health.checks[0].type: missing");
}
