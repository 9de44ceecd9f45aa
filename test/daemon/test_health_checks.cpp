// Health checks on a real loop against real things: a script whose result the
// test flips, a TCP listener and a tiny HTTP server on 127.0.0.1, the lo
// interface, the root file system and /proc/meminfo. Hysteresis is checked by
// counting results, never by waiting a given time.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "daemon/health_checks.h"
#include "test/daemon/test_support.h"

using namespace hacluster;
using namespace hacluster::daemon;
using hacluster::test::run_until;
using hacluster::test::TempDir;
using namespace std::chrono_literals;

namespace {

// A listening socket on 127.0.0.1 with a kernel-chosen port: the kernel completes
// handshakes without accept(), which is all a tcp check needs.
struct Listener {
    int fd = -1;
    std::uint16_t port = 0;
    Listener() {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(fd, 16) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
        port = ntohs(addr.sin_port);
    }
    ~Listener() { close(); }
    void close() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

// Answers every request with the status line in `status` (changeable), until destroyed.
struct HttpServer {
    Listener listener;
    std::atomic<int> status{200};
    std::atomic<bool> stop{false};
    std::atomic<int> served{0};
    std::thread thread;
    HttpServer() {
        thread = std::thread([this] {
            for (int round = 0; round < 100'000 && !stop; ++round) {
                pollfd p{listener.fd, POLLIN, 0};
                if (::poll(&p, 1, 20) <= 0) continue;
                const int c = ::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
                if (c < 0) continue;
                std::string request;
                char buf[512];
                for (int i = 0; i < 64 && request.find("\r\n\r\n") == std::string::npos; ++i) {
                    pollfd q{c, POLLIN, 0};
                    if (::poll(&q, 1, 1000) <= 0) break;
                    const ssize_t n = ::read(c, buf, sizeof buf);
                    if (n <= 0) break;
                    request.append(buf, static_cast<std::size_t>(n));
                }
                const std::string answer = "HTTP/1.0 " + std::to_string(status.load()) +
                                           " Whatever\r\nContent-Length: 0\r\n\r\n";
                (void)!::write(c, answer.data(), answer.size());
                ::close(c);
                ++served;
            }
        });
    }
    ~HttpServer() {
        stop = true;
        thread.join();
    }
};

HealthCheckConfig base(std::string name, HealthCheckType type) {
    HealthCheckConfig c;
    c.name = std::move(name);
    c.type = type;
    c.interval = 5ms;
    c.timeout = 1000ms;
    c.rise = 1;
    c.fall = 1;
    return c;
}

struct Loop {
    uv_loop_t loop{};
    Loop() { uv_loop_init(&loop); }
    ~Loop() {
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
    }
};

// One check, started; results counted through its status.
struct OneCheck {
    Loop l;
    std::unique_ptr<HealthChecks> checks;
    std::vector<agent::in::Health> changes;
    std::vector<HealthCheckStatus> at_change;  // the check as it was when the verdict flipped
    explicit OneCheck(HealthCheckConfig config) {
        checks = std::make_unique<HealthChecks>(&l.loop, "n1", std::vector<HealthCheckConfig>{std::move(config)});
        checks->start([this](const agent::in::Health& h) {
            changes.push_back(h);
            at_change.push_back(checks->status().at(0));
        });
    }
    ~OneCheck() { checks.reset(); }
    HealthCheckStatus status() const { return checks->status().at(0); }
    // Runs until the check has a result (a first one, or one of the given kind).
    bool result(std::optional<bool> ok = std::nullopt) {
        return run_until(&l.loop, [&] {
            const HealthCheckStatus s = status();
            return s.last_ok.has_value() && (!ok || *s.last_ok == *ok);
        });
    }
};

}  // namespace

TEST_CASE("health: hysteresis flips after fall failures and rise successes in a row", "[health]") {
    Hysteresis h(2, 3);
    CHECK(h.passing());
    CHECK_FALSE(h.record(false));
    CHECK_FALSE(h.record(false));
    CHECK_FALSE(h.record(true));  // the run of failures is broken
    CHECK_FALSE(h.record(false));
    CHECK_FALSE(h.record(false));
    CHECK(h.record(false));
    CHECK_FALSE(h.passing());
    CHECK(h.consecutive() == 3);
    CHECK_FALSE(h.record(false));
    CHECK_FALSE(h.record(true));
    CHECK_FALSE(h.record(false));
    CHECK_FALSE(h.record(true));
    CHECK(h.record(true));
    CHECK(h.passing());
    CHECK(h.consecutive() == 2);
}

TEST_CASE("health: a script check fails after fall results and passes after rise", "[health]") {
    TempDir dir;
    const auto script = dir.path / "check";
    std::ofstream(script) << "#!/bin/sh\n"
                             "echo \"$HACLUSTER_NODE $HACLUSTER_CHECK\" > '" << (dir.path / "env").string() << "'\n"
                             "if [ -e '" << (dir.path / "fail").string() << "' ]; then echo 'gateway unreachable'; exit 1; fi\n"
                             "exit 0\n";
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    HealthCheckConfig config = base("gw", HealthCheckType::script);
    config.path = script.string();
    config.rise = 2;
    config.fall = 3;
    OneCheck c(config);
    REQUIRE(c.result(true));
    CHECK(c.status().passing);
    CHECK(c.checks->healthy());
    std::string env;
    std::getline(std::ifstream(dir.path / "env"), env);
    CHECK(env == "n1 gw");

    std::ofstream(dir.path / "fail") << "";
    REQUIRE(run_until(&c.l.loop, [&] { return !c.changes.empty(); }));
    CHECK_FALSE(c.changes[0].healthy);
    CHECK(c.changes[0].reason == "gw failed: exit 1: gateway unreachable");
    CHECK_FALSE(c.at_change[0].passing);
    CHECK(c.at_change[0].consecutive == 3);  // exactly fall failures
    CHECK(c.checks->reason() == "gw failed: exit 1: gateway unreachable");

    std::filesystem::remove(dir.path / "fail");
    REQUIRE(run_until(&c.l.loop, [&] { return c.changes.size() == 2; }));
    CHECK(c.changes[1].healthy);
    CHECK(c.at_change[1].passing);
    CHECK(c.at_change[1].consecutive == 2);  // exactly rise successes
}

TEST_CASE("health: a script that hangs is killed at its timeout and counts as failed", "[health]") {
    TempDir dir;
    const auto script = dir.path / "check";
    std::ofstream(script) << "#!/bin/sh\nexec sleep 30\n";
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    HealthCheckConfig config = base("slow", HealthCheckType::script);
    config.path = script.string();
    config.timeout = 50ms;
    OneCheck c(config);
    REQUIRE(c.result(false));
    CHECK(c.status().message == "timed out after 50 ms");
    HealthCheckConfig missing = base("missing", HealthCheckType::script);
    missing.path = (dir.path / "nope").string();
    OneCheck m(missing);
    REQUIRE(m.result(false));
    CHECK_THAT(m.status().message, Catch::StartsWith("cannot run"));
}

TEST_CASE("health: tcp connects to a listener, fails on a closed port", "[health]") {
    Listener listener;
    HealthCheckConfig config = base("port", HealthCheckType::tcp);
    config.host = "127.0.0.1";
    config.port = listener.port;
    {
        OneCheck c(config);
        REQUIRE(c.result(true));
        CHECK(c.status().message == "connected");
    }
    listener.close();  // nothing listens there now
    OneCheck c(config);
    REQUIRE(c.result(false));
    CHECK_THAT(c.status().message, Catch::StartsWith("connect failed"));
    REQUIRE(run_until(&c.l.loop, [&] { return !c.changes.empty(); }));
    CHECK_FALSE(c.changes[0].healthy);
}

TEST_CASE("health: http checks the status line against the expected range", "[health]") {
    HttpServer server;
    HealthCheckConfig config = base("web", HealthCheckType::http);
    config.host = "127.0.0.1";
    config.port = server.listener.port;
    config.url_path = "/health";
    {
        OneCheck c(config);
        REQUIRE(c.result(true));
        CHECK(c.status().message == "status 200");
    }
    server.status = 503;
    {
        OneCheck c(config);
        REQUIRE(c.result(false));
        CHECK(c.status().message == "status 503, expected 200");
    }
    config.expect_min = 200;
    config.expect_max = 599;
    OneCheck c(config);
    REQUIRE(c.result(true));
    CHECK(c.status().message == "status 503");
}

TEST_CASE("health: http status lines are judged strictly", "[health]") {
    CHECK(judge_status_line("HTTP/1.1 204 No Content", 200, 299).ok);
    CHECK_FALSE(judge_status_line("HTTP/1.1 404 Not Found", 200, 399).ok);
    CHECK(judge_status_line("HTTP/1.1 404 Not Found", 200, 399).message == "status 404, expected 200-399");
    CHECK_FALSE(judge_status_line("SSH-2.0-OpenSSH", 200, 200).ok);
    CHECK_FALSE(judge_status_line("HTTP/1.1 2x0 OK", 200, 200).ok);
}

TEST_CASE("health: link is up for lo (unknown with carrier) and fails for a missing interface", "[health]") {
    const ProbeResult lo = probe_link("lo");
    CHECK(lo.ok);
    CHECK_FALSE(probe_link("nosuchif0").ok);
    CHECK(probe_link("nosuchif0").message == "no interface nosuchif0");
    // A down interface, as sysfs shows it.
    TempDir sys;
    std::filesystem::create_directories(sys.path / "eth9");
    std::ofstream(sys.path / "eth9" / "operstate") << "down\n";
    const ProbeResult down = probe_link("eth9", sys.path.string());
    CHECK_FALSE(down.ok);
    CHECK(down.message == "eth9 is down");
    std::ofstream(sys.path / "eth9" / "operstate") << "unknown\n";
    std::ofstream(sys.path / "eth9" / "carrier") << "0\n";
    CHECK_FALSE(probe_link("eth9", sys.path.string()).ok);
    // Through the checks, on the loop.
    HealthCheckConfig config = base("lo", HealthCheckType::link);
    config.interface = "lo";
    OneCheck c(config);
    REQUIRE(c.result(true));
}

TEST_CASE("health: disk free space against min_free_mb and min_free_percent", "[health]") {
    HealthCheckConfig config = base("disk-root", HealthCheckType::disk);
    config.path = "/";
    config.min_free_percent = 0;
    {
        OneCheck c(config);
        REQUIRE(c.result(true));
        CHECK_THAT(c.status().message, Catch::Contains("free"));
    }
    config.min_free_mb = std::int64_t{1} << 40;  // an exabyte
    {
        OneCheck c(config);
        REQUIRE(c.result(false));
        CHECK_THAT(c.status().message, Catch::Contains("MB free < 1099511627776 MB"));
    }
    config.path = "/nonexistent/hacluster";
    OneCheck c(config);
    REQUIRE(c.result(false));
    CHECK_THAT(c.status().message, Catch::StartsWith("statfs /nonexistent/hacluster"));
    uv_statfs_t fs{};
    fs.f_bsize = 4096;
    fs.f_blocks = 1000;
    fs.f_bavail = 30;
    HealthCheckConfig ten = base("d", HealthCheckType::disk);
    ten.min_free_percent = 10;
    CHECK(judge_disk(fs, ten).message == "3% free < 10%");
}

TEST_CASE("health: memory available against min_available_mb and percent", "[health]") {
    HealthCheckConfig config = base("mem", HealthCheckType::memory);
    config.min_available_mb = 1;
    {
        OneCheck c(config);
        REQUIRE(c.result(true));
    }
    config.min_available_mb = std::int64_t{1} << 40;
    {
        OneCheck c(config);
        REQUIRE(c.result(false));
        CHECK_THAT(c.status().message, Catch::Contains("MB available <"));
    }
    const std::string meminfo = "MemTotal:       8000000 kB\nMemFree:  100 kB\nMemAvailable:    400000 kB\n";
    HealthCheckConfig pct = base("m", HealthCheckType::memory);
    pct.min_available_percent = 10;
    CHECK(judge_memory(meminfo, pct).message == "5% available < 10%");
    pct.min_available_percent = 5;
    CHECK(judge_memory(meminfo, pct).ok);
    CHECK_FALSE(judge_memory("MemTotal: 1 kB\n", pct).ok);
}

TEST_CASE("health: no checks, always healthy and nothing reported", "[health]") {
    Loop l;
    HealthChecks checks(&l.loop, "n1", {});
    int changes = 0;
    checks.start([&](const agent::in::Health&) { ++changes; });
    uv_run(&l.loop, UV_RUN_NOWAIT);
    CHECK(checks.healthy());
    CHECK(checks.status().empty());
    CHECK(changes == 0);
}
