// The whole tool in-process (run_haclusterctl): what each command sends, what it
// prints, and the exit codes of ctl/PROTOCOL.md.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ctl/command_tree.h"
#include "ctl/status_table.h"
#include "ctl_test_support.h"

using hacluster::ctl::ExitCode;
using hacluster::ctl::Json;
using hacluster::ctl::run_haclusterctl;
using hacluster::ctl::test::accepted_line;
using hacluster::ctl::test::FakeDaemon;
using hacluster::ctl::test::protocol_status_example;
using hacluster::ctl::test::ServerBehaviour;
using hacluster::ctl::test::TempDir;

namespace {

struct Run {
    ExitCode code;
    std::string out;
    std::string err;
};

Run run(const std::vector<std::string>& args) {
    std::ostringstream out;
    std::ostringstream err;
    const ExitCode code = run_haclusterctl(args, out, err);
    return {code, out.str(), err.str()};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("haclusterctl status prints the tables and the check; an offline node is a WARNING, exit 1") {
    FakeDaemon daemon(accepted_line(protocol_status_example()), ServerBehaviour::answer);
    const Run r = run({"status", "--socket", daemon.socket_path()});
    CHECK(r.code == ExitCode::status_warning);
    CHECK(r.err.empty());
    CHECK(r.out.rfind("cluster demo · node n1 · quorum won (2/3 votes, need 2)", 0) == 0);
    CHECK(contains(r.out, "n2    OFFLINE"));
    CHECK(contains(r.out, "last failover: web n2 → n1 in 712 ms"));
    CHECK(contains(r.out, "\n\nHACLUSTER WARNING: node n2 OFFLINE\n"));
    CHECK(daemon.request() == R"({"version":1,"command":"status"})");
}

TEST_CASE("haclusterctl status --short prints the check's one line") {
    FakeDaemon daemon(accepted_line(protocol_status_example()), ServerBehaviour::answer);
    const Run r = run({"status", "--short", "--socket", daemon.socket_path()});
    CHECK(r.code == ExitCode::status_warning);
    CHECK(r.out == "HACLUSTER WARNING: node n2 OFFLINE\n");
}

TEST_CASE("haclusterctl status: UNKNOWN (3) when it cannot judge: unreachable, starting, a usage error") {
    TempDir dir;
    const Run gone = run({"status", "--short", "--socket", dir.path() + "/none.sock"});
    CHECK(gone.code == ExitCode::status_unknown);
    CHECK(gone.out.rfind("HACLUSTER UNKNOWN: ", 0) == 0);
    CHECK(contains(gone.err, dir.path() + "/none.sock"));

    FakeDaemon starting(R"({"ok": false, "error": "the daemon is starting: probing its resources"})" "\n",
                        ServerBehaviour::answer);
    const Run probing = run({"status", "--socket", starting.socket_path()});
    CHECK(probing.code == ExitCode::status_unknown);
    CHECK(probing.err == "haclusterctl: the daemon is starting: probing its resources\n");

    const Run usage = run({"status", "--bogus"});
    CHECK(usage.code == ExitCode::status_unknown);
    CHECK(usage.err.rfind("haclusterctl: ", 0) == 0);
}

TEST_CASE("haclusterctl nodes and groups print one table each") {
    {
        FakeDaemon daemon(accepted_line(protocol_status_example()), ServerBehaviour::answer);
        const Run r = run({"nodes", "--socket", daemon.socket_path()});
        CHECK(r.code == ExitCode::ok);
        CHECK(r.out.rfind("NODE  STATE    HEALTH   LINKS\n", 0) == 0);
        CHECK_FALSE(contains(r.out, "GROUP"));
        CHECK(daemon.request() == R"({"version":1,"command":"nodes"})");
    }
    {
        FakeDaemon daemon(accepted_line(protocol_status_example()), ServerBehaviour::answer);
        const Run r = run({"--socket", daemon.socket_path(), "groups"});  // global option first
        CHECK(r.code == ExitCode::ok);
        CHECK(r.out == "GROUP  STATE    PRIMARY  TERM  RESOURCES\nweb    running  n1       4     web-ip running\n");
        CHECK(daemon.request() == R"({"version":1,"command":"groups"})");
    }
}

TEST_CASE("haclusterctl --json prints the data object in the order received") {
    FakeDaemon daemon(accepted_line(protocol_status_example()), ServerBehaviour::answer);
    const Run r = run({"status", "--json", "--socket", daemon.socket_path()});
    CHECK(r.code == ExitCode::status_warning);  // the check's code with --json too
    const Json printed = Json::parse(r.out);
    CHECK(printed == Json::parse(protocol_status_example()));
    CHECK(printed.begin().key() == "cluster");
    CHECK(r.out.rfind("{\n  \"cluster\": \"demo\",\n  \"node\": \"n1\",", 0) == 0);
}

TEST_CASE("haclusterctl switchover, standby, online send their fields and print the message") {
    const std::string message = accepted_line(R"({"message": "switchover of web to n2 started"})");
    {
        FakeDaemon daemon(message, ServerBehaviour::answer);
        const Run r = run({"switchover", "web", "--to", "n2", "--socket", daemon.socket_path()});
        CHECK(r.code == ExitCode::ok);
        CHECK(r.out == "switchover of web to n2 started\n");
        CHECK(daemon.request() == R"({"version":1,"command":"switchover","group":"web","to":"n2"})");
    }
    {
        FakeDaemon daemon(message, ServerBehaviour::answer);
        CHECK(run({"switchover", "web", "--socket", daemon.socket_path()}).code == ExitCode::ok);
        CHECK(daemon.request() == R"({"version":1,"command":"switchover","group":"web"})");
    }
    {
        FakeDaemon daemon(accepted_line(R"({"message": "n2 is in standby"})"), ServerBehaviour::answer);
        const Run r = run({"standby", "n2", "--socket", daemon.socket_path()});
        CHECK(r.out == "n2 is in standby\n");
        CHECK(daemon.request() == R"({"version":1,"command":"standby","node":"n2"})");
    }
    {
        FakeDaemon daemon(accepted_line(R"({"message": "n2 is online"})"), ServerBehaviour::answer);
        CHECK(run({"online", "n2", "--socket", daemon.socket_path()}).code == ExitCode::ok);
        CHECK(daemon.request() == R"({"version":1,"command":"online","node":"n2"})");
    }
}

TEST_CASE("haclusterctl switchover --ttl sends whole seconds, 1 to 30 days") {
    const std::string message =
        accepted_line(R"({"message": "switchover of web to n2 started, pinned there for 600 s"})");
    {
        FakeDaemon daemon(message, ServerBehaviour::answer);
        const Run r = run({"switchover", "web", "--to", "n2", "--ttl", "600", "--socket",
                           daemon.socket_path()});
        CHECK(r.code == ExitCode::ok);
        CHECK(daemon.request() ==
              R"({"version":1,"command":"switchover","group":"web","to":"n2","ttl_s":600})");
    }
    for (const char* bad : {"0", "-5", "2592001", "1.5", "ten"}) {
        INFO("--ttl " << bad);
        const Run r = run({"switchover", "web", "--ttl", bad, "--socket", "/nonexistent"});
        CHECK(r.code == ExitCode::usage);
        CHECK(r.err.find("--ttl") != std::string::npos);
    }
}

TEST_CASE("haclusterctl events sends the limit and prints one line per event") {
    FakeDaemon daemon(accepted_line(R"({"events": [{"at": "2026-11-22T18:40:00.123Z", "kind": "started",
        "node": "n1", "group": "web", "term": 4, "reason": "start_ok"}]})"),
                      ServerBehaviour::answer);
    const Run r = run({"events", "--limit", "5", "--socket", daemon.socket_path()});
    CHECK(r.code == ExitCode::ok);
    CHECK(r.out == "2026-11-22T18:40:00.123Z started web on n1 term=4 reason=start_ok\n");
    CHECK(daemon.request() == R"({"version":1,"command":"events","limit":5})");
}

TEST_CASE("haclusterctl: a refusal exits 1 with the daemon's error on stderr") {
    FakeDaemon daemon(R"({"ok": false, "error": "switchover: unknown group 'db'"})" "\n", ServerBehaviour::answer);
    const Run r = run({"switchover", "db", "--socket", daemon.socket_path()});
    CHECK(r.code == ExitCode::failed);
    CHECK(r.out.empty());
    CHECK(r.err == "haclusterctl: switchover: unknown group 'db'\n");
}

TEST_CASE("haclusterctl: unreachable daemons exit 3 naming the socket") {
    SECTION("garbage") {
        FakeDaemon daemon("garbage\n", ServerBehaviour::answer);
        const Run r = run({"status", "--socket", daemon.socket_path()});
        CHECK(r.code == ExitCode::unreachable);
        CHECK(r.err.rfind("haclusterctl: garbled answer from haclusterd at " + daemon.socket_path(), 0) == 0);
    }
    SECTION("closed") {
        FakeDaemon daemon("", ServerBehaviour::close_without_answer);
        const Run r = run({"nodes", "--socket", daemon.socket_path()});
        CHECK(r.code == ExitCode::unreachable);
        CHECK(contains(r.err, daemon.socket_path()));
    }
    SECTION("status data without the nodes") {
        FakeDaemon daemon(accepted_line(R"({"cluster": "demo", "node": "n1", "term": 1, "coordinator": null,
            "quorum": {"state": "won", "votes": 1, "needed": 1}})"),
                          ServerBehaviour::answer);
        const Run r = run({"status", "--socket", daemon.socket_path()});
        CHECK(r.code == ExitCode::unreachable);
        CHECK(contains(r.err, "nodes: missing"));
        CHECK(r.out.empty());
    }
    SECTION("no socket") {
        TempDir dir;
        const Run r = run({"status", "--socket", dir.path() + "/none.sock"});
        CHECK(r.code == ExitCode::unreachable);
        CHECK(contains(r.err, dir.path() + "/none.sock"));
    }
}

TEST_CASE("haclusterctl takes the socket from HACLUSTER_SOCKET unless --socket is given") {
    FakeDaemon daemon(accepted_line(protocol_status_example()), ServerBehaviour::answer);
    REQUIRE(::setenv("HACLUSTER_SOCKET", daemon.socket_path().c_str(), 1) == 0);
    const Run r = run({"nodes"});
    ::unsetenv("HACLUSTER_SOCKET");
    CHECK(r.code == ExitCode::ok);
    CHECK(daemon.request() == R"({"version":1,"command":"nodes"})");

    TempDir dir;
    REQUIRE(::setenv("HACLUSTER_SOCKET", daemon.socket_path().c_str(), 1) == 0);
    const Run overridden = run({"nodes", "--socket", dir.path() + "/other.sock"});
    ::unsetenv("HACLUSTER_SOCKET");
    CHECK(overridden.code == ExitCode::unreachable);
    CHECK(contains(overridden.err, dir.path() + "/other.sock"));
}

TEST_CASE("haclusterctl usage errors exit 2 with CLI11's message on stderr") {
    const std::vector<std::vector<std::string>> usage_errors = {
        {},
        {"stat"},
        {"nodes", "--bogus"},
        {"switchover"},
        {"standby"},
        {"events", "--limit", "0"},
        {"events", "--limit", "1001"},
        {"events", "--limit", "many"},
        {"keygen"},
        {"config"},
        {"config", "check"},
        {"config", "fix", "x.json"},
    };
    for (const auto& args : usage_errors) {
        std::string joined;
        for (const auto& a : args) joined += a + " ";
        INFO("args: " << joined);
        const Run r = run(args);
        CHECK(r.code == ExitCode::usage);
        CHECK(r.out.empty());
        CHECK(r.err.rfind("haclusterctl: ", 0) == 0);
    }
}

TEST_CASE("haclusterctl names a mistyped command") {
    const Run r = run({"stat"});
    CHECK(r.code == ExitCode::usage);
    CHECK(r.err.rfind("haclusterctl: unknown command 'stat'\n", 0) == 0);
}

TEST_CASE("haclusterctl --help exits 0 and lists the commands") {
    const Run r = run({"--help"});
    CHECK(r.code == ExitCode::ok);
    for (const char* command : {"status", "nodes", "groups", "switchover", "standby", "online", "events",
                                "keygen", "config"}) {
        CHECK(contains(r.out, command));
    }
    const Run sub = run({"switchover", "--help"});
    CHECK(sub.code == ExitCode::ok);
    CHECK(contains(sub.out, "--to"));
    CHECK(contains(sub.out, "--socket"));
}

TEST_CASE("haclusterctl --version prints the version and exits 0 without a daemon") {
    const Run r = run({"--version", "--socket", "/nonexistent/ctl.sock"});
    CHECK(r.code == ExitCode::ok);
    CHECK(r.out.rfind("haclusterctl ", 0) == 0);
    CHECK(contains(r.out, HACLUSTER_VERSION));
    CHECK(r.err.empty());
}

TEST_CASE("haclusterctl keygen writes a 0600 key whatever the umask and never overwrites") {
    TempDir dir;
    const std::string file = dir.path() + "/authkey";
    const mode_t old_umask = ::umask(0277);  // would make the file read-only without fchmod
    const Run r = run({"keygen", file});
    ::umask(old_umask);
    CHECK(r.code == ExitCode::ok);
    CHECK(r.out == "wrote 32-byte key to " + file + " (mode 0600); copy it to every node\n");
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(st.st_size == 32);

    std::ifstream in(file, std::ios::binary);
    const std::string first((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const Run again = run({"keygen", file});
    CHECK(again.code == ExitCode::failed);
    CHECK(contains(again.err, "already exists"));
    std::ifstream in2(file, std::ios::binary);
    const std::string second((std::istreambuf_iterator<char>(in2)), std::istreambuf_iterator<char>());
    CHECK(first == second);

    const Run missing_dir = run({"keygen", dir.path() + "/no/such/dir/key"});
    CHECK(missing_dir.code == ExitCode::failed);
    CHECK(contains(missing_dir.err, "No such file or directory"));
}

TEST_CASE("haclusterctl config check uses the daemon's loader") {
    TempDir dir;
    const std::string good = dir.path() + "/cluster.json";
    std::ofstream(good) << R"({"cluster": "demo",
      "nodes": [{"name": "n1", "addresses": ["198.18.0.1"]}, {"name": "n2", "addresses": ["198.18.0.2"]},
                {"name": "n3", "addresses": ["198.18.0.3"]}],
      "groups": [{"name": "web", "nodes": ["n1", "n2", "n3"],
                  "resources": [{"name": "web-ip", "agent": "vip", "params": {"address": "198.18.0.100/24"}}]}]})";
    const Run ok = run({"config", "check", good});
    CHECK(ok.code == ExitCode::ok);
    CHECK(ok.out.rfind("config OK: " + good + "\n", 0) == 0);
    CHECK(contains(ok.out, "worst-case failover"));

    const Run json = run({"config", "check", good, "--json"});
    CHECK(json.code == ExitCode::ok);
    const Json timing = Json::parse(json.out);
    CHECK(timing["valid"] == true);
    CHECK(timing["groups"][0]["name"] == "web");

    const std::string typo = dir.path() + "/typo.json";
    std::ofstream(typo) << R"({"cluster": "demo", "heartbeat": {"intervall_ms": 100},
      "nodes": [{"name": "n1", "addresses": ["198.18.0.1"]}], "groups": []})";
    const Run bad = run({"config", "check", typo});
    CHECK(bad.code == ExitCode::failed);
    CHECK(bad.out.empty());
    CHECK(contains(bad.err, "haclusterctl: " + typo + ": heartbeat.intervall_ms: unknown key"));

    const Run missing = run({"config", "check", dir.path() + "/none.json"});
    CHECK(missing.code == ExitCode::failed);
    CHECK(contains(missing.err, dir.path() + "/none.json: "));
}
