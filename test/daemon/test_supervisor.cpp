// The supervisor's line protocol, and the supervisor itself as a real forked
// process running a real stop script: this test plays the daemon at the other end
// of the pipes.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/handover.h"
#include "daemon/supervisor.h"
#include "daemon/supervisor_protocol.h"
#include "test/daemon/test_support.h"

using namespace hacluster;
using namespace hacluster::daemon;
using hacluster::test::TempDir;
using std::chrono::milliseconds;

TEST_CASE("supervisor protocol: guards and reports round-trip, anything else is refused",
          "[supervisor]") {
    const agent::out::Guard guard{3, 42, agent::Instant(agent::Duration(123456789)),
                                  agent::Instant(agent::Duration(223456789))};
    const std::string line = encode_guard(guard);
    CHECK(line == "guard 3 42 123456789 223456789\n");
    const auto parsed = parse_guard(line.substr(0, line.size() - 1));
    REQUIRE(parsed);
    CHECK(parsed->group == 3);
    CHECK(parsed->term == 42);
    CHECK(parsed->stop_at == guard.stop_at);
    CHECK(parsed->escalate_at == guard.escalate_at);
    const auto cleared = parse_guard("guard 1 7 - -");
    REQUIRE(cleared);
    CHECK_FALSE(cleared->stop_at);
    CHECK_FALSE(cleared->escalate_at);
    // A previous release's supervisor offers four words (a handover across an upgrade).
    const auto old = parse_guard("guard 1 7 55");
    REQUIRE(old);
    CHECK(old->stop_at == agent::Instant(agent::Duration(55)));
    CHECK_FALSE(old->escalate_at);

    for (const char* bad : {"", "guard", "guard 1 2", "guard 1 2 3 4 5", "guard 1 2 3 x", "guard x 2 3", "guard 1 2 -5",
                            "guard 99999 2 3", "guard 1  3", "guard 1 2 3 ", "begun 1 2", "guard 1 2 3x"}) {
        INFO(bad);
        CHECK_FALSE(parse_guard(bad));
    }
    const agent::in::SupervisorStop begun{2, 9, agent::in::SupervisorPhase::begun};
    CHECK(encode_report(begun) == "begun 2 9\n");
    const auto report = parse_report("done 2 9");
    REQUIRE(report);
    CHECK(report->phase == agent::in::SupervisorPhase::done);
    CHECK(report->term == 9);
    for (const char* bad : {"", "done", "done 1", "stopped 1 2", "done 1 2 3", "done -1 2"}) {
        INFO(bad);
        CHECK_FALSE(parse_report(bad));
    }
    CHECK(encode_script({1234, true}) == "script 1234\n");
    CHECK(parse_script("script-end 99")->running == false);
    for (const char* bad : {"script", "script 0", "script 1", "script -5", "script-end x", "scripts 5"}) {
        INFO(bad);
        CHECK_FALSE(parse_script(bad));  // never a kill(-1) or kill(0)
    }
}

TEST_CASE("supervisor protocol: lines split across reads, overlong ones dropped whole", "[supervisor]") {
    LineSplitter s;
    CHECK(s.append("gua").empty());
    auto lines = s.append("rd 1 2 -\nbegun");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "guard 1 2 -");
    CHECK(s.append(" 1 2\n") == std::vector<std::string>{"begun 1 2"});
    const std::string garbage(LineSplitter::max_line + 10, 'x');
    CHECK(s.append(garbage).empty());
    CHECK(s.append(garbage + "\ndone 1 2\n") == std::vector<std::string>{"done 1 2"});
}

namespace {


std::uint64_t now_ns() { return uv_hrtime(); }

// A forked supervisor of one group whose single resource logs each action.
class SupervisorProcess {
public:
    // daemon_pid: the process the supervisor takes for its daemon (0: unknown,
    // treated as stopped, so the daemon's scripts are killed before a stop).
    // stop_hangs: the resource's stop never ends by itself (3 s), and the self_fence
    // command appends "GROUP TERM BY" to dir/fenced (design §4.8).
    enum class Stop { works, hangs };
    explicit SupervisorProcess(const TempDir& dir, pid_t daemon_pid = 0, Stop stop = Stop::works)
        : log_(dir.path / "actions") {
        const auto script = dir.path / "res";
        std::ofstream(script) << "#!/bin/sh\necho \"$1 $HACLUSTER_TERM $HACLUSTER_REASON\" >> '"
                              << log_.string() << "'\n"
                              << (stop == Stop::hangs ? "[ \"$1\" = stop ] && exec sleep 3\n" : "") << "exit 0\n";
        std::filesystem::permissions(script, std::filesystem::perms::owner_all);
        const auto fence = dir.path / "self-fence";
        std::ofstream(fence) << "#!/bin/sh\necho \"$1 $2 $HACLUSTER_BY\" >> '" << (dir.path / "fenced").string()
                             << "'\n";
        std::filesystem::permissions(fence, std::filesystem::perms::owner_all);
        config_.cluster.self_fence = agent::SelfFence::command;
        config_.self_fence_command = fence.string();

        DaemonConfig& config = config_;
        config.cluster.cluster = "t";
        config.cluster.nodes = {{"n1", {"127.0.0.1"}, 1}};
        agent::GroupConfig group{"web", {"n1"}};
        group.stop_timeout = std::chrono::seconds(5);
        config.cluster.groups = {group};
        ResourceConfig resource;
        resource.name = "web-res";
        resource.agent = script.string();
        config.resources = {{resource}};

        lock_fd_ = ::open((dir.path / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        REQUIRE(::flock(lock_fd_, LOCK_EX) == 0);
        void* page = ::mmap(nullptr, sizeof(std::atomic<std::uint64_t>), PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        REQUIRE(page != MAP_FAILED);
        beat_ = new (page) std::atomic<std::uint64_t>(now_ns());
        int guards[2];
        int reports[2];
        REQUIRE(::pipe2(guards, O_CLOEXEC) == 0);
        REQUIRE(::pipe2(reports, O_CLOEXEC) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::close(guards[1]);
            ::close(reports[0]);
            SupervisorSetup setup;
            setup.config = config;
            setup.self = 0;
            setup.guard_fd = guards[0];
            setup.report_fd = reports[1];
            setup.beat = beat_;
            setup.silence_limit = milliseconds(20);
            setup.lock_fd = lock_fd_;
            setup.handover_path = (dir.path / "handover.sock").string();
            setup.daemon_pid = daemon_pid;
            ::_exit(run_supervisor(setup));
        }
        ::close(guards[0]);
        ::close(reports[1]);
        // Listening for a successor is the supervisor's first act.
        for (int i = 0; i < 500 && !std::filesystem::exists(dir.path / "handover.sock"); ++i) ::usleep(2000);
        guard_fd_ = guards[1];
        report_fd_ = reports[0];
        ::fcntl(report_fd_, F_SETFL, O_NONBLOCK);
    }
    ~SupervisorProcess() {
        close_guards();
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(report_fd_);
        ::close(lock_fd_);
        ::munmap(beat_, sizeof(std::atomic<std::uint64_t>));
    }
    // Lets go of this process's copy: the supervisor's (or a successor's) holds on.
    void drop_lock() {
        ::close(lock_fd_);
        lock_fd_ = -1;
    }

    void guard(agent::Term term, std::optional<milliseconds> stop_in, std::optional<milliseconds> escalate_in = {}) {
        agent::out::Guard g{0, term, std::nullopt, std::nullopt};
        if (stop_in) g.stop_at = agent::Instant(agent::Duration(now_ns() + stop_in->count() * 1'000'000));
        if (escalate_in) g.escalate_at = agent::Instant(agent::Duration(now_ns() + escalate_in->count() * 1'000'000));
        raw(encode_guard(g));
    }
    void raw(const std::string& bytes) {
        REQUIRE(::write(guard_fd_, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    }
    void beat() { beat_->store(now_ns()); }
    void close_guards() {
        if (guard_fd_ >= 0) ::close(guard_fd_);
        guard_fd_ = -1;
    }
    // Reports read for `wait`, beating all along when `alive`.
    std::string reports_for(milliseconds wait, bool alive) {
        const auto end = now_ns() + static_cast<std::uint64_t>(wait.count()) * 1'000'000;
        while (now_ns() < end) {
            if (alive) beat();
            char buf[256];
            const ssize_t n = ::read(report_fd_, buf, sizeof buf);
            if (n > 0) reports_.append(buf, static_cast<std::size_t>(n));
            ::usleep(1000);
        }
        return reports_;
    }
    // Exit code, or -1 when it has not exited within `wait`.
    int exit_code(milliseconds wait) {
        for (auto waited = milliseconds(0); waited < wait; waited += milliseconds(5)) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                reaped_ = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            ::usleep(5000);
        }
        return -1;
    }
    std::string actions() const {
        std::ifstream in(log_);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

    const agent::ClusterConfig& config() const { return config_.cluster; }

private:
    DaemonConfig config_;
    std::filesystem::path log_;
    std::atomic<std::uint64_t>* beat_ = nullptr;
    pid_t pid_ = -1;
    bool reaped_ = false;
    int guard_fd_ = -1;
    int report_fd_ = -1;
    int lock_fd_ = -1;
    std::string reports_;
};

}  // namespace

TEST_CASE("supervisor: the daemon gone while a group is guarded: stopped at its stop_at, then it exits",
          "[supervisor]") {
    TempDir dir;
    SupervisorProcess sup(dir);
    sup.guard(7, milliseconds(300));
    sup.close_guards();
    // Up until stop_at: a new daemon could still take it over.
    CHECK(sup.reports_for(milliseconds(200), false).empty());
    CHECK(sup.exit_code(milliseconds(5000)) == 0);
    CHECK(sup.reports_for(milliseconds(20), false) == "begun 0 7\ndone 0 7\n");
    CHECK(sup.actions() == "stop 7 supervisor\n");
}

TEST_CASE("supervisor: a new daemon takes the groups and the lock over; nothing stops", "[supervisor]") {
    TempDir dir;
    SupervisorProcess sup(dir);
    sup.guard(8, milliseconds(60'000));
    // While its daemon lives, the supervisor offers nothing.
    CHECK_FALSE(request_handover(dir.path, agent::config_hash(sup.config())));
    sup.close_guards();
    sup.drop_lock();
    auto handover = request_handover(dir.path, agent::config_hash(sup.config()));
    REQUIRE(handover);
    REQUIRE(handover->groups.size() == 1);
    CHECK(handover->groups[0].group == 0);
    CHECK(handover->groups[0].term == 8);
    // The lock came along, still held: nobody else can take it.
    const int other = ::open((dir.path / "lock").c_str(), O_RDWR | O_CLOEXEC);
    CHECK(::flock(other, LOCK_EX | LOCK_NB) != 0);
    CHECK(finish_handover(*handover, milliseconds(1000)));
    CHECK(sup.exit_code(milliseconds(5000)) == 0);
    CHECK(sup.actions().empty());
    CHECK(sup.reports_for(milliseconds(20), false).empty());
    CHECK(::flock(other, LOCK_EX | LOCK_NB) != 0);  // held by the new owner
    ::close(handover->lock_fd);
    CHECK(::flock(other, LOCK_EX | LOCK_NB) == 0);
    ::close(other);
}

TEST_CASE("supervisor: a new daemon that leaves without taking over changes nothing", "[supervisor]") {
    TempDir dir;
    SupervisorProcess sup(dir);
    sup.guard(9, milliseconds(300));
    sup.close_guards();
    auto handover = request_handover(dir.path, agent::config_hash(sup.config()));
    REQUIRE(handover);
    ::close(handover->connection);
    ::close(handover->lock_fd);
    CHECK(sup.exit_code(milliseconds(5000)) == 0);
    CHECK(sup.actions() == "stop 9 supervisor\n");
}

TEST_CASE("supervisor: a frozen daemon's group is stopped when its stop_at comes", "[supervisor]") {
    TempDir dir;
    SupervisorProcess sup(dir);
    sup.guard(4, milliseconds(100));
    // No beat from here on: frozen. Nothing before stop_at.
    CHECK(sup.reports_for(milliseconds(60), false).empty());
    CHECK(sup.reports_for(milliseconds(1500), false) == "begun 0 4\ndone 0 4\n");
    CHECK(sup.actions() == "stop 4 supervisor\n");
    sup.close_guards();
    CHECK(sup.exit_code(milliseconds(5000)) == 0);
    CHECK(sup.actions() == "stop 4 supervisor\n");  // stopped once, not again at exit
}

TEST_CASE("supervisor: a live daemon past stop_at is left to stop its group itself", "[supervisor]") {
    TempDir dir;
    SupervisorProcess sup(dir);
    sup.guard(5, milliseconds(30));
    CHECK(sup.reports_for(milliseconds(300), true).empty());
    // The daemon stopped it and says so: nothing is guarded at exit.
    sup.guard(5, std::nullopt);
    sup.close_guards();
    CHECK(sup.exit_code(milliseconds(5000)) == 0);
    CHECK(sup.actions().empty());
}

TEST_CASE("supervisor: a renewed guard moves stop_at; garbage lines change nothing", "[supervisor]") {
    TempDir dir;
    SupervisorProcess sup(dir);
    sup.guard(6, milliseconds(80));
    sup.raw("guard zero\nhello\nguard 9 1 -\n");
    for (int i = 0; i < 5; ++i) {
        CHECK(sup.reports_for(milliseconds(40), false).empty());
        sup.guard(6, milliseconds(80));
    }
    CHECK(sup.reports_for(milliseconds(1500), false) == "begun 0 6\ndone 0 6\n");
    sup.close_guards();
    CHECK(sup.exit_code(milliseconds(5000)) == 0);
}

TEST_CASE("supervisor: what the daemon left running dies before the supervisor's stop", "[supervisor]") {
    TempDir dir;
    SupervisorProcess sup(dir);
    // A script of the daemon's in its own process group, as the runner starts them.
    const pid_t script = ::fork();
    REQUIRE(script >= 0);
    if (script == 0) {
        ::setsid();
        ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::usleep(20'000);
    sup.raw(encode_script({script, true}));
    sup.guard(3, milliseconds(50));
    sup.close_guards();
    CHECK(sup.exit_code(milliseconds(5000)) == 0);
    int status = 0;
    REQUIRE(::waitpid(script, &status, 0) == script);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    CHECK(sup.actions() == "stop 3 supervisor\n");
}

TEST_CASE("supervisor: a daemon that is only late keeps its scripts (its own stop may be running)",
          "[supervisor]") {
    TempDir dir;
    // This test process plays the daemon: alive and running, but not beating.
    SupervisorProcess sup(dir, ::getpid());
    const pid_t script = ::fork();
    REQUIRE(script >= 0);
    if (script == 0) {
        ::setsid();
        ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::usleep(20'000);
    sup.raw(encode_script({script, true}));
    sup.guard(5, milliseconds(50));
    // Silent past stop_at: the supervisor stops the group itself...
    CHECK(sup.reports_for(milliseconds(1500), false) == "begun 0 5\ndone 0 5\n");
    CHECK(sup.actions() == "stop 5 supervisor\n");
    // ...but does not kill what the daemon runs: it may be the daemon's own stop.
    int status = 0;
    CHECK(::waitpid(script, &status, WNOHANG) == 0);
    ::kill(script, SIGKILL);
    ::waitpid(script, &status, 0);
}

TEST_CASE("supervisor: a frozen daemon's stop that hangs past escalate_at is killed, then self_fence runs",
          "[supervisor]") {
    TempDir dir;
    SupervisorProcess sup(dir, 0, SupervisorProcess::Stop::hangs);
    sup.guard(5, milliseconds(100), milliseconds(400));
    // Frozen: the stop begins at stop_at and hangs; at escalate_at its process
    // group is killed, the group holds no address, so the command runs.
    CHECK(sup.reports_for(milliseconds(1200), false) == "begun 0 5\n");
    std::ifstream fenced(dir.path / "fenced");
    std::string line;
    std::getline(fenced, line);
    CHECK(line == "web 5 supervisor");
    // Not reported done: nothing proves the stop happened; it is retried.
    CHECK(sup.actions().starts_with("stop 5 supervisor\n"));
}

TEST_CASE("supervisor: a stop done before escalate_at escalates nothing", "[supervisor]") {
    TempDir dir;
    SupervisorProcess sup(dir);
    sup.guard(6, milliseconds(100), milliseconds(300));
    CHECK(sup.reports_for(milliseconds(800), false) == "begun 0 6\ndone 0 6\n");
    CHECK_FALSE(std::filesystem::exists(dir.path / "fenced"));
}
