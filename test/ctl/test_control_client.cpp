// The control client against a fake daemon on a real unix socket: answers,
// refusals, and every way of being unreachable.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <variant>

#include "ctl/control_client.h"
#include "ctl_test_support.h"

using namespace std::chrono_literals;
using hacluster::ctl::Accepted;
using hacluster::ctl::ClientOptions;
using hacluster::ctl::decode_answer;
using hacluster::ctl::Json;
using hacluster::ctl::make_request;
using hacluster::ctl::Refused;
using hacluster::ctl::Reply;
using hacluster::ctl::send_request;
using hacluster::ctl::Unreachable;
using hacluster::ctl::UnreachableKind;
using hacluster::ctl::test::accepted_line;
using hacluster::ctl::test::FakeDaemon;
using hacluster::ctl::test::ServerBehaviour;
using hacluster::ctl::test::TempDir;

namespace {

ClientOptions options_for(const std::string& path) {
    ClientOptions options;
    options.socket_path = path;
    options.timeout = 2s;  // a fake daemon on loopback answers at once
    return options;
}

Unreachable require_unreachable(const Reply& reply, UnreachableKind kind) {
    REQUIRE(std::holds_alternative<Unreachable>(reply));
    const auto& u = std::get<Unreachable>(reply);
    INFO(u.message);
    CHECK(u.kind == kind);
    return u;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("client: sends one request line and returns the data, key order kept") {
    FakeDaemon daemon(R"({"ok": true, "data": {"zeta": 1, "alpha": {"y": 2, "x": 3}}})" "\n",
                      ServerBehaviour::answer);
    const Reply reply = send_request(options_for(daemon.socket_path()), make_request("status"));
    REQUIRE(std::holds_alternative<Accepted>(reply));
    CHECK(std::get<Accepted>(reply).data.dump() == R"({"zeta":1,"alpha":{"y":2,"x":3}})");
    CHECK(daemon.request() == R"({"version":1,"command":"status"})");
}

TEST_CASE("client: bytes after the answer line are ignored") {
    FakeDaemon daemon(R"({"ok": true, "data": {}})" "\ntrailing garbage", ServerBehaviour::answer);
    const Reply reply = send_request(options_for(daemon.socket_path()), make_request("nodes"));
    CHECK(std::holds_alternative<Accepted>(reply));
}

TEST_CASE("client: a refusal carries the daemon's error") {
    FakeDaemon daemon(R"({"ok": false, "error": "switchover: unknown group 'db'"})" "\n",
                      ServerBehaviour::answer);
    Json request = make_request("switchover");
    request["group"] = "db";
    const Reply reply = send_request(options_for(daemon.socket_path()), request);
    REQUIRE(std::holds_alternative<Refused>(reply));
    CHECK(std::get<Refused>(reply).error == "switchover: unknown group 'db'");
    CHECK(daemon.request() == R"({"version":1,"command":"switchover","group":"db"})");
}

TEST_CASE("client: garbage, a close and silence are unreachable, naming the path") {
    SECTION("not JSON") {
        FakeDaemon daemon("HTTP/1.0 400 Bad Request\n", ServerBehaviour::answer);
        const auto u = require_unreachable(send_request(options_for(daemon.socket_path()), make_request("status")),
                                           UnreachableKind::garbled);
        CHECK(contains(u.message, daemon.socket_path()));
        CHECK(contains(u.message, "not JSON"));
    }
    SECTION("closed without an answer") {
        FakeDaemon daemon("", ServerBehaviour::close_without_answer);
        const auto u = require_unreachable(send_request(options_for(daemon.socket_path()), make_request("status")),
                                           UnreachableKind::closed);
        CHECK(contains(u.message, daemon.socket_path()));
        CHECK(contains(u.message, "without answering"));
    }
    SECTION("closed in the middle of the answer") {
        FakeDaemon daemon(R"({"ok": true, "da)", ServerBehaviour::answer);
        const auto u = require_unreachable(send_request(options_for(daemon.socket_path()), make_request("status")),
                                           UnreachableKind::closed);
        CHECK(contains(u.message, "in the middle"));
    }
    SECTION("no answer within the timeout") {
        FakeDaemon daemon("", ServerBehaviour::never_answer);
        ClientOptions options = options_for(daemon.socket_path());
        options.timeout = 200ms;
        const auto start = std::chrono::steady_clock::now();
        const auto u = require_unreachable(send_request(options, make_request("status")), UnreachableKind::timeout);
        CHECK(std::chrono::steady_clock::now() - start < 2s);
        CHECK(contains(u.message, "within 200 ms"));
        CHECK(contains(u.message, daemon.socket_path()));
    }
    SECTION("an answer over the size limit") {
        FakeDaemon daemon(std::string(5000, 'x'), ServerBehaviour::answer);
        ClientOptions options = options_for(daemon.socket_path());
        options.max_answer_bytes = 1000;
        const auto u = require_unreachable(send_request(options, make_request("status")), UnreachableKind::too_large);
        CHECK(contains(u.message, "1000 bytes"));
    }
}

TEST_CASE("client: no socket, a stale socket, a path too long") {
    TempDir dir;
    SECTION("missing") {
        const std::string path = dir.path() + "/missing.sock";
        const auto u = require_unreachable(send_request(options_for(path), make_request("status")),
                                           UnreachableKind::socket_missing);
        CHECK(contains(u.message, path));
    }
    SECTION("connection refused: a socket file nobody listens on") {
        const std::string path = dir.path() + "/stale.sock";
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        ::close(fd);  // the file stays, like after a daemon crash
        const auto u = require_unreachable(send_request(options_for(path), make_request("status")),
                                           UnreachableKind::connection_refused);
        CHECK(contains(u.message, path));
        CHECK(contains(u.message, "refused"));
    }
    SECTION("path longer than sun_path") {
        const std::string path = dir.path() + "/" + std::string(200, 'a');
        const auto u = require_unreachable(send_request(options_for(path), make_request("status")),
                                           UnreachableKind::socket_error);
        CHECK(contains(u.message, "longer than"));
    }
}

TEST_CASE("client: permission denied names the path and the group") {
    if (::geteuid() == 0) {
        WARN("skipped: root is never denied access to a socket");
        return;
    }
    FakeDaemon daemon(accepted_line("{}"), ServerBehaviour::close_without_answer);
    REQUIRE(::chmod(daemon.socket_path().c_str(), 0) == 0);
    const auto u = require_unreachable(send_request(options_for(daemon.socket_path()), make_request("status")),
                                       UnreachableKind::permission_denied);
    CHECK(contains(u.message, daemon.socket_path()));
    CHECK(contains(u.message, "haclient"));
    // Let the server thread finish: connect once with the rights restored.
    REQUIRE(::chmod(daemon.socket_path().c_str(), 0600) == 0);
    (void)send_request(options_for(daemon.socket_path()), make_request("status"));
}

TEST_CASE("client: answers that are JSON but not protocol answers are garbled") {
    const auto garbled = [](std::string_view line) {
        const Reply reply = decode_answer(line, "/s");
        REQUIRE(std::holds_alternative<Unreachable>(reply));
        CHECK(std::get<Unreachable>(reply).kind == UnreachableKind::garbled);
        return std::get<Unreachable>(reply).message;
    };
    CHECK(contains(garbled("[1, 2]"), "not a JSON object"));
    CHECK(contains(garbled(R"({"ok": "yes"})"), "no boolean \"ok\""));
    CHECK(contains(garbled(R"({"ok": true})"), "without a \"data\" object"));
    CHECK(contains(garbled(R"({"ok": true, "data": [1]})"), "without a \"data\" object"));
    CHECK(contains(garbled(R"({"ok": false, "error": 17})"), "without an \"error\" string"));
    CHECK(contains(garbled(R"({"ok": tru)"), "at byte"));
    CHECK(contains(garbled(""), "not JSON"));
    CHECK(contains(garbled(std::string(100000, '[')), "not JSON"));
}

TEST_CASE("client: a request over 64 KiB is refused before sending") {
    TempDir dir;
    Json request = make_request("switchover");
    request["group"] = std::string(70000, 'g');
    const Reply reply = send_request(options_for(dir.path() + "/never.sock"), request);
    REQUIRE(std::holds_alternative<Refused>(reply));
    CHECK(contains(std::get<Refused>(reply).error, "65536"));
}
