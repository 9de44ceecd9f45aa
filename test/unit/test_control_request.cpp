// The control protocol's request decoder (daemon/control_request.h): every request
// haclusterctl sends, and the malformed, oversized, deep and mistyped lines a
// hostile or broken client may send, each answered with what was wrong.
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "daemon/control_request.h"

using hacluster::daemon::ControlCommand;
using hacluster::daemon::ControlRequest;
using hacluster::daemon::decode_request;
using hacluster::daemon::max_request_bytes;

namespace {

ControlRequest ok(const std::string& line) {
    auto decoded = decode_request(line);
    if (auto* error = std::get_if<std::string>(&decoded)) FAIL(line << " -> " << *error);
    return std::get<ControlRequest>(decoded);
}

std::string error(const std::string& line) {
    auto decoded = decode_request(line);
    if (std::holds_alternative<ControlRequest>(decoded)) FAIL(line << " was accepted");
    return std::get<std::string>(decoded);
}

}  // namespace

TEST_CASE("control request: what haclusterctl sends", "[control]") {
    CHECK(ok(R"({"version":1,"command":"status"})").command == ControlCommand::status);
    CHECK(ok(R"({"version":1,"command":"nodes"})").command == ControlCommand::nodes);
    CHECK(ok(R"({"version":1,"command":"groups"})").command == ControlCommand::groups);
    CHECK(ok(R"({"version":1,"command":"reload"})").command == ControlCommand::reload);
    CHECK(ok(R"({"version":1,"command":"config_show"})").command == ControlCommand::config_show);
    CHECK(error(R"({"version":1,"command":"reload","file":"/etc/passwd"})") == "reload: unknown field \"file\"");
    CHECK(ok(R"({"version":1,"command":"events"})").limit == 50);
    CHECK(ok(R"({"version":1,"command":"events","limit":5})").limit == 5);

    const ControlRequest s = ok(R"({"version":1,"command":"switchover","group":"web","to":"n2","ttl_s":600})");
    CHECK(s.command == ControlCommand::switchover);
    CHECK(s.name == "switchover");
    CHECK(s.group == "web");
    CHECK(s.node == "n2");
    CHECK(s.ttl == std::chrono::seconds(600));
    CHECK(ok(R"({"version":1,"command":"switchover","group":"web"})").node.empty());

    const ControlRequest st = ok(R"({"version":1,"command":"standby","node":"n2","ttl_s":30})");
    CHECK(st.command == ControlCommand::standby);
    CHECK(st.node == "n2");
    CHECK(st.ttl == std::chrono::seconds(30));
    CHECK(ok(R"({"version":1,"command":"online","node":"n2"})").command == ControlCommand::online);

    const ControlRequest m = ok(R"({"version":1,"command":"maintenance","state":"off","group":"web"})");
    CHECK(m.state == hacluster::agent::Switch::off);
    CHECK(m.group == "web");
    CHECK_FALSE(m.ttl);
    CHECK(ok(R"({"version":1,"command":"maintenance","state":"on"})").group.empty());

    const ControlRequest c = ok(R"({"version":1,"command":"cleanup","group":"web","node":"n1"})");
    CHECK(c.command == ControlCommand::cleanup);
    CHECK(c.node == "n1");
}

TEST_CASE("control request: malformed lines name what is wrong", "[control]") {
    CHECK(error("not json") == "request is not valid JSON at byte 2");
    CHECK(error("") == "request is not valid JSON at byte 1");
    CHECK(error(R"(["status"])") == "request is not a JSON object on one line");
    CHECK(error(R"({"command":"status"})") == "request has no \"version\" (this daemon speaks version 1)");
    CHECK(error(R"({"version":2,"command":"status"})") ==
          "request version 2 not supported (this daemon speaks version 1)");
    CHECK(error(R"({"version":"1","command":"status"})") ==
          "request version \"1\" not supported (this daemon speaks version 1)");
    CHECK(error(R"({"version":1})") == "request has no \"command\" string");
    CHECK(error(R"({"version":1,"command":7})") == "request has no \"command\" string");
    CHECK(error(R"({"version":1,"command":"stat"})") == "unknown command 'stat'");
    CHECK(error(R"({"version":1,"command":"status","group":"web"})") == "status: unknown field \"group\"");
    CHECK(error(R"({"version":1,"command":"switchover"})") == "switchover: \"group\" is required");
    CHECK(error(R"({"version":1,"command":"switchover","group":5})") ==
          "switchover: \"group\" must be a non-empty string");
    CHECK(error(R"({"version":1,"command":"switchover","group":"web","to":""})") ==
          "switchover: \"to\" must be a non-empty string");
    CHECK(error(R"({"version":1,"command":"standby"})") == "standby: \"node\" is required");
    CHECK(error(R"({"version":1,"command":"online","node":null})") == "online: \"node\" must be a non-empty string");
    CHECK(error(R"({"version":1,"command":"maintenance","state":"maybe"})") ==
          "maintenance: \"state\" must be \"on\" or \"off\"");
    CHECK(error(R"({"version":1,"command":"maintenance","state":"off","ttl_s":5})") ==
          "maintenance: \"ttl_s\" applies to \"on\" only");
    CHECK(error(R"({"version":1,"command":"online","node":"n1","ttl_s":5})") == "online: unknown field \"ttl_s\"");
    for (const char* ttl : {"0", "-1", "2592001", "1.5", "\"60\"", "18446744073709551615"}) {
        INFO(ttl);
        CHECK(error(std::string(R"({"version":1,"command":"standby","node":"n1","ttl_s":)") + ttl + "}") ==
              "standby: \"ttl_s\" must be an integer of seconds from 1 to 2592000");
    }
    for (const char* limit : {"0", "1001", "-5", "2.0", "\"5\""}) {
        INFO(limit);
        CHECK(error(std::string(R"({"version":1,"command":"events","limit":)") + limit + "}") ==
              "events: limit must be an integer from 1 to 1000");
    }
    CHECK(error(R"({"version":1,"command":"cleanup","node":"n1"})") == "cleanup: \"group\" is required");
    // Echoed text is shortened and has no control characters (the answer is one line).
    const std::string echoed = error(R"({"version":1,"command":"a\nb)" + std::string(200, 'x') + R"("})");
    CHECK(echoed.find('\n') == std::string::npos);
    CHECK(echoed.size() < 100);
}

TEST_CASE("control request: size and nesting are bounded before parsing", "[control]") {
    const std::string huge = R"({"version":1,"command":"status","pad":")" + std::string(max_request_bytes, 'x') + "\"}";
    CHECK_THAT(error(huge), Catch::StartsWith("request is " + std::to_string(huge.size()) + " bytes; at most 65536"));
    // Nesting inside strings does not count; real nesting does, wherever it is.
    CHECK(ok(R"({"version":1,"command":"switchover","group":"[[[[[[[[{{{{"})").group == "[[[[[[[[{{{{");
    CHECK(error(R"({"version":1,"command":"status","x":[[[[1]]]]})") ==
          "request nests objects or arrays more than 4 deep (at byte 40)");
    CHECK(error(std::string(60000, '[')) == "request nests objects or arrays more than 4 deep (at byte 5)");
}
