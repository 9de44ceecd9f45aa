// systemd integration of the daemon (daemon/systemd_notify.h, daemon/journal_sink.h):
// what READY, STATUS and the watchdog get, over a real $NOTIFY_SOCKET datagram
// socket on a real libuv loop; the journal's priorities and fields.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "daemon/journal_sink.h"
#include "daemon/systemd_notify.h"
#include "test_support.h"

using namespace std::chrono_literals;
using hacluster::daemon::joined;
using hacluster::daemon::journal_fields;
using hacluster::daemon::journal_priority;
using hacluster::daemon::status_line;
using hacluster::daemon::stderr_is_journal;
using hacluster::daemon::SystemdNotifier;
using nlohmann::json;

namespace {

json status_with(const std::string& quorum, const std::string& primary) {
    return {{"cluster", "c"},
            {"node", "n1"},
            {"coordinator", "n2"},
            {"quorum", {{"state", quorum}, {"votes", 2}, {"total", 3}, {"needed", 2}}},
            {"groups",
             {{{"name", "web"}, {"state", "running"}, {"primary", primary}},
              {{"name", "db"}, {"state", "running"}, {"primary", "n1"}},
              {{"name", "mail"}, {"state", "stopped"}, {"primary", nullptr}}}}};
}

// A stand-in for systemd's notify socket: a datagram socket in a temporary
// directory, named in $NOTIFY_SOCKET while it lives.
struct NotifySocket {
    hacluster::test::TempDir dir;
    int fd = -1;
    NotifySocket() {
        const std::string path = (dir.path / "notify").string();
        fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
        ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    }
    ~NotifySocket() {
        ::unsetenv("NOTIFY_SOCKET");
        ::unsetenv("WATCHDOG_USEC");
        ::unsetenv("WATCHDOG_PID");
        ::close(fd);
    }
    std::vector<std::string> messages;
    // Everything received so far, appended to messages.
    void drain() {
        char buf[4096];
        for (;;) {
            const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
            if (n <= 0) return;
            messages.emplace_back(buf, static_cast<std::size_t>(n));
        }
    }
    int count(const std::string& prefix) {
        drain();
        int c = 0;
        for (const std::string& m : messages) c += m.rfind(prefix, 0) == 0 ? 1 : 0;
        return c;
    }
};

struct Loop {
    uv_loop_t loop;
    Loop() { uv_loop_init(&loop); }
    ~Loop() {
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
    }
};

}  // namespace

TEST_CASE("the STATUS= line: quorum, the groups held here, how many run", "[systemd]") {
    CHECK(status_line(status_with("won", "n1")) ==
          "quorum won (2/3 votes) · primary here: web, db · 2/3 groups running · coordinator n2");
    CHECK(status_line(status_with("lost", "n3")) ==
          "quorum lost (2/3 votes) · primary here: db · 2/3 groups running · coordinator n2");
    json none = status_with("pending", "n3");
    none["groups"][1]["primary"] = nullptr;
    none["coordinator"] = nullptr;
    CHECK(status_line(none) == "quorum pending (2/3 votes) · primary here: none · 2/3 groups running");
}

TEST_CASE("joined: quorum decided, or the join bound passed with it pending", "[systemd]") {
    CHECK_FALSE(joined(status_with("pending", "n1"), 0ms, 1000ms));
    CHECK_FALSE(joined(status_with("pending", "n1"), 999ms, 1000ms));
    CHECK(joined(status_with("pending", "n1"), 1000ms, 1000ms));
    CHECK(joined(status_with("won", "n1"), 0ms, 1000ms));
    CHECK(joined(status_with("lost", "n1"), 0ms, 1000ms));
    CHECK_FALSE(joined(json::object(), 10ms, 1000ms));
}

TEST_CASE("not under systemd: no socket, nothing sent, never ready", "[systemd]") {
    ::unsetenv("NOTIFY_SOCKET");
    Loop l;
    SystemdNotifier notifier(&l.loop, [] { return std::optional<json>(status_with("won", "n1")); }, 100ms);
    notifier.start();
    CHECK_FALSE(notifier.enabled());
    hacluster::test::run_for(&l.loop, 100);
    CHECK_FALSE(notifier.ready());
    notifier.close();
}

TEST_CASE("READY=1 only after the probe and the join, then STATUS= on change", "[systemd]") {
    NotifySocket sock;
    Loop l;
    std::optional<json> status;  // nullopt: the probe runs
    SystemdNotifier notifier(&l.loop, [&] { return status; }, 10000ms);
    notifier.start();
    REQUIRE(notifier.enabled());
    CHECK_FALSE(notifier.watchdog_interval());
    CHECK(sock.count("STATUS=probing resources before joining") == 1);
    hacluster::test::run_for(&l.loop, 150);
    CHECK(sock.count("READY=1") == 0);  // still probing

    status = status_with("pending", "n1");
    hacluster::test::run_for(&l.loop, 150);
    CHECK(sock.count("READY=1") == 0);  // joining: quorum undecided
    CHECK(sock.count("STATUS=joining: quorum pending") == 1);  // once, not per poll

    status = status_with("won", "n1");
    REQUIRE(hacluster::test::run_until(&l.loop, [&] { return sock.count("READY=1") == 1; }));
    CHECK(notifier.ready());
    CHECK(sock.messages.back() ==
          "READY=1\nSTATUS=quorum won (2/3 votes) · primary here: web, db · 2/3 groups running · coordinator n2");

    (*status)["groups"][0]["primary"] = "n3";
    REQUIRE(hacluster::test::run_until(&l.loop, [&] { return sock.count("STATUS=quorum won") == 1; }));
    CHECK(sock.messages.back() ==
          "STATUS=quorum won (2/3 votes) · primary here: db · 2/3 groups running · coordinator n2");
    notifier.stopping();
    CHECK(sock.count("STOPPING=1") == 1);
    notifier.close();
}

TEST_CASE("READY=1 after the join bound while quorum stays pending (wait_for_all)", "[systemd]") {
    NotifySocket sock;
    Loop l;
    SystemdNotifier notifier(&l.loop, [] { return std::optional<json>(status_with("pending", "n1")); }, 200ms);
    notifier.start();
    hacluster::test::run_for(&l.loop, 100);
    CHECK(sock.count("READY=1") == 0);
    REQUIRE(hacluster::test::run_until(&l.loop, [&] { return sock.count("READY=1") == 1; }));
    notifier.close();
}

TEST_CASE("WATCHDOG=1 at half of WatchdogSec, only while the core is fed", "[systemd]") {
    NotifySocket sock;
    ::setenv("WATCHDOG_USEC", "100000", 1);  // 100 ms: pings every 50 ms
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    Loop l;
    SystemdNotifier notifier(&l.loop, [] { return std::optional<json>(status_with("won", "n1")); }, 100ms);
    notifier.start();
    REQUIRE(notifier.watchdog_interval() == 50ms);
    // Nothing fed: a loop whose timers fire but whose core is not stepped is hung.
    hacluster::test::run_for(&l.loop, 300);
    CHECK(sock.count("WATCHDOG=1") == 0);
    // Fed as the tick does: pinged.
    for (int i = 0; i < 30; ++i) {
        notifier.alive();
        hacluster::test::run_for(&l.loop, 10);
    }
    const int fed = sock.count("WATCHDOG=1");
    CHECK(fed >= 3);  // about 300 ms / 50 ms; more when this machine is slow
    // While leaving, the loop itself is what counts.
    notifier.stopping();
    hacluster::test::run_for(&l.loop, 200);
    CHECK(sock.count("WATCHDOG=1") > fed);
    notifier.close();
}

TEST_CASE("journal fields: every key=value after ' | ', upper-cased, prefixed", "[systemd][journal]") {
    using Fields = std::vector<std::pair<std::string, std::string>>;
    CHECK(journal_fields("started web | group=web node=n1 term=7 reason=start_ok") ==
          Fields{{"HACLUSTER_GROUP", "web"}, {"HACLUSTER_NODE", "n1"}, {"HACLUSTER_TERM", "7"},
                 {"HACLUSTER_REASON", "start_ok"}});
    CHECK(journal_fields("cannot store | error=No such file or directory path=/x") ==
          Fields{{"HACLUSTER_ERROR", "No such file or directory"}, {"HACLUSTER_PATH", "/x"}});
    CHECK(journal_fields("no fields here").empty());
    CHECK(journal_fields("text | not a field").empty());
    CHECK(journal_fields("text | Bad-Key=1").empty());
}

TEST_CASE("journal priorities follow the levels", "[systemd][journal]") {
    CHECK(journal_priority(spdlog::level::critical) == 2);
    CHECK(journal_priority(spdlog::level::err) == 3);
    CHECK(journal_priority(spdlog::level::warn) == 4);
    CHECK(journal_priority(spdlog::level::info) == 6);
    CHECK(journal_priority(spdlog::level::debug) == 7);
}

TEST_CASE("stderr is the journal only when JOURNAL_STREAM names its device and inode", "[systemd][journal]") {
    struct stat st {};
    REQUIRE(::fstat(STDERR_FILENO, &st) == 0);
    ::setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(), 1);
    CHECK(stderr_is_journal());
    ::setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1)).c_str(), 1);
    CHECK_FALSE(stderr_is_journal());
    ::setenv("JOURNAL_STREAM", "garbage", 1);
    CHECK_FALSE(stderr_is_journal());
    ::unsetenv("JOURNAL_STREAM");
    CHECK_FALSE(stderr_is_journal());
}
