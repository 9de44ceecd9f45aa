#include "daemon/supervisor_link.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "agent/timing.h"
#include "daemon/supervisor.h"

namespace hacluster::daemon {

namespace {

std::shared_ptr<spdlog::logger> log() {
    auto l = spdlog::get("main");
    return l ? l : spdlog::default_logger();
}

// Overwrites the argument area in place (what ps and /proc/PID/cmdline show):
// only when the arguments lie end to end, as the kernel lays them out.
void set_title(int argc, char** argv, const std::string& title) {
    if (argc < 1 || argv == nullptr || argv[0] == nullptr) return;
    char* begin = argv[0];
    char* end = argv[0] + std::strlen(argv[0]);
    for (int i = 1; i < argc; ++i) {
        if (argv[i] != end + 1) return;
        end = argv[i] + std::strlen(argv[i]);
    }
    const std::size_t room = static_cast<std::size_t>(end - begin);
    std::memset(begin, 0, room);
    std::memcpy(begin, title.data(), std::min(room, title.size()));
}

struct ChildEnds {
    int guard_fd;
    int report_fd;
    const std::atomic<std::uint64_t>* beat;
    int lock_fd;
    const std::string& handover_path;
};

[[noreturn]] void become_supervisor(const DaemonConfig& config, agent::NodeId self, int argc, char** argv,
                                    const ChildEnds& ends) {
    // Its own session: a terminal's ^C or a kill of the daemon's process group
    // does not reach it; it leaves when the daemon is gone and its stops are done.
    ::setsid();
    for (int signum : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) std::signal(signum, SIG_IGN);
    ::prctl(PR_SET_NAME, "hacluster-sup", 0, 0, 0);
    set_title(argc, argv, "hacluster-supervisor [" + config.cluster.nodes[self].name + "]");
    auto sup = spdlog::default_logger()->clone("sup");
    spdlog::register_logger(sup);

    SupervisorSetup setup;
    setup.config = config;
    setup.self = self;
    setup.guard_fd = ends.guard_fd;
    setup.report_fd = ends.report_fd;
    setup.beat = ends.beat;
    setup.lock_fd = ends.lock_fd;
    setup.handover_path = ends.handover_path;
    // A tick plus a little, so that timer jitter on a busy machine does not look
    // like a freeze: at most half the tick (it is at most half the lease margin,
    // as tick <= margin) and at least 1 ms (a 2 ms margin is the minimum).
    const auto tick = config.cluster.timing.tick;
    setup.silence_limit = tick + std::max<std::chrono::nanoseconds>(std::chrono::milliseconds(1), tick / 2);
    setup.daemon_pid = ::getppid();
    const int rc = run_supervisor(setup);
    spdlog::default_logger()->flush();
    sup->flush();
    ::_exit(rc);
}

}  // namespace

std::variant<std::unique_ptr<SupervisorLink>, std::string> SupervisorLink::spawn(
    const DaemonConfig& config, agent::NodeId self, int lock_fd, const std::string& handover_path,
    int not_inherited, int argc, char** argv) {
    int guards[2];
    int reports[2];
    if (::pipe2(guards, O_CLOEXEC) != 0) return std::string("supervisor: pipe: ") + std::strerror(errno);
    if (::pipe2(reports, O_CLOEXEC) != 0) {
        ::close(guards[0]);
        ::close(guards[1]);
        return std::string("supervisor: pipe: ") + std::strerror(errno);
    }
    void* page = ::mmap(nullptr, sizeof(std::atomic<std::uint64_t>), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        for (int fd : {guards[0], guards[1], reports[0], reports[1]}) ::close(fd);
        return std::string("supervisor: mmap: ") + std::strerror(errno);
    }
    auto* beat = new (page) std::atomic<std::uint64_t>(uv_hrtime());
    spdlog::default_logger()->flush();
    const pid_t pid = ::fork();
    if (pid < 0) {
        for (int fd : {guards[0], guards[1], reports[0], reports[1]}) ::close(fd);
        ::munmap(page, sizeof(std::atomic<std::uint64_t>));
        return std::string("supervisor: fork: ") + std::strerror(errno);
    }
    if (pid == 0) {
        ::close(guards[1]);
        ::close(reports[0]);
        if (not_inherited >= 0) ::close(not_inherited);
        become_supervisor(config, self, argc, argv, ChildEnds{guards[0], reports[1], beat, lock_fd, handover_path});
    }
    ::close(guards[0]);
    ::close(reports[1]);
    // Never block the daemon on its supervisor: a guard that does not fit is an
    // error in the log, not a stalled loop.
    ::fcntl(guards[1], F_SETFL, ::fcntl(guards[1], F_GETFL) | O_NONBLOCK);
    ::fcntl(reports[0], F_SETFL, ::fcntl(reports[0], F_GETFL) | O_NONBLOCK);
    return std::unique_ptr<SupervisorLink>(new SupervisorLink(pid, guards[1], reports[0], beat));
}

SupervisorLink::SupervisorLink(pid_t pid, int guard_fd, int report_fd, std::atomic<std::uint64_t>* beat)
    : pid_(pid), guard_fd_(guard_fd), report_fd_(report_fd), beat_(beat) {}

SupervisorLink::~SupervisorLink() {
    poll_.reset();
    ::close(guard_fd_);
    ::close(report_fd_);
    ::munmap(beat_, sizeof(std::atomic<std::uint64_t>));
    // It is in its own session and outlives us when it still has stops to make;
    // reap it if it is already done.
    ::waitpid(pid_, nullptr, WNOHANG);
}

void SupervisorLink::attach(uv_loop_t* loop, std::function<void()> on_report, std::function<void()> on_lost) {
    on_report_ = std::move(on_report);
    on_lost_ = std::move(on_lost);
    poll_.init(this, [&](uv_poll_t* h) { return uv_poll_init(loop, h, report_fd_); });
    uv_poll_start(poll_.get(), UV_READABLE | UV_DISCONNECT, [](uv_poll_t* p, int, int) noexcept {
        auto* self = static_cast<SupervisorLink*>(p->data);
        if (self == nullptr) return;
        if (self->on_report_) self->on_report_();
        if (self->lost_) {
            uv_poll_stop(p);
            if (self->on_lost_) self->on_lost_();
        }
    });
}

void SupervisorLink::guard(const agent::out::Guard& guard) {
    if (lost_) return;
    const std::string line = encode_guard(guard);
    const ssize_t n = ::write(guard_fd_, line.data(), line.size());
    if (n != static_cast<ssize_t>(line.size())) {
        log()->error("could not hand a guard to the supervisor | line={} error={}",
                     line.substr(0, line.size() - 1), n < 0 ? std::strerror(errno) : "short write");
    }
}

void SupervisorLink::script(int pgid, bool running) {
    if (lost_) return;
    const std::string line = encode_script(ScriptGroup{pgid, running});
    if (::write(guard_fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        log()->error("could not tell the supervisor about a script | line={}", line.substr(0, line.size() - 1));
    }
}

void SupervisorLink::alive() { beat_->store(uv_hrtime(), std::memory_order_relaxed); }

std::vector<agent::in::SupervisorStop> SupervisorLink::take_reports() {
    std::vector<agent::in::SupervisorStop> reports;
    char buf[1024];
    while (!lost_) {
        const ssize_t n = ::read(report_fd_, buf, sizeof buf);
        if (n > 0) {
            for (const std::string& line : lines_.append({buf, static_cast<std::size_t>(n)})) {
                if (auto r = parse_report(line)) {
                    reports.push_back(*r);
                } else {
                    log()->warn("ignoring a line from the supervisor | line={}", line.substr(0, 80));
                }
            }
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) lost_ = true;
        break;
    }
    return reports;
}

}  // namespace hacluster::daemon
