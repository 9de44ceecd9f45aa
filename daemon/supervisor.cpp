#include "daemon/supervisor.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "agent/timing.h"
#include "daemon/group_actions.h"
#include "daemon/stop_escalation.h"
#include "daemon/supervisor_protocol.h"
#include "resources/uv_handle.h"

namespace hacluster::daemon {

namespace {

std::shared_ptr<spdlog::logger> log() {
    auto l = spdlog::get("sup");
    return l ? l : spdlog::default_logger();
}

// One buffer for every read: the loop is single-threaded and each read callback
// consumes its bytes before returning.
void read_buffer(uv_handle_t*, size_t, uv_buf_t* buf) {
    static char storage[4096];
    *buf = uv_buf_init(storage, sizeof storage);
}

class Supervisor {
public:
    Supervisor(uv_loop_t* loop, const SupervisorSetup& setup)
        : loop_(loop), setup_(setup), actions_(loop, setup.config, setup.self) {
        for (agent::GroupId id = 0; id < setup.config.cluster.groups.size(); ++id) {
            auto g = std::make_unique<Group>();
            g->owner = this;
            g->id = id;
            g->timer.init(g.get(), [&](uv_timer_t* h) { return uv_timer_init(loop_, h); });
            g->escalation.init(g.get(), [&](uv_timer_t* h) { return uv_timer_init(loop_, h); });
            groups_.push_back(std::move(g));
        }
    }

    bool start() {
        if (!setup_.handover_path.empty()) listen_for_successor();
        if (pipe_.init(this, [&](uv_pipe_t* h) { return uv_pipe_init(loop_, h, 0); }) != 0 ||
            uv_pipe_open(pipe_.get(), setup_.guard_fd) != 0) {
            log()->critical("cannot read the daemon's pipe");
            return false;
        }
        uv_read_start(reinterpret_cast<uv_stream_t*>(pipe_.get()), read_buffer,
                      [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) noexcept {
                          auto* self = static_cast<Supervisor*>(s->data);
                          if (self == nullptr) return;
                          if (n < 0) {
                              self->daemon_gone();
                              return;
                          }
                          for (const std::string& line : self->lines_.append({buf->base, static_cast<std::size_t>(n)})) {
                              self->on_line(line);
                          }
                      });
        return true;
    }

private:
    struct Group {
        Supervisor* owner = nullptr;
        agent::GroupId id = 0;
        agent::Term term = 0;
        std::optional<std::uint64_t> stop_at;  // ns, uv_hrtime clock
        std::optional<std::uint64_t> escalate_at;  // ns: the stop must have succeeded by then (§4.8)
        bool stopping = false;
        std::uint64_t op = 0;  // the stop in flight: a result of an older one is void
        int failures = 0;
        std::optional<agent::out::Guard> after_stop;  // arrived while stopping
        resources::UvHandle<uv_timer_t> timer;
        resources::UvHandle<uv_timer_t> escalation;
    };

    static std::uint64_t now() { return uv_hrtime(); }

    void on_line(const std::string& line) {
        if (auto script = parse_script(line)) {
            if (script->running) {
                scripts_.insert(script->pgid);
            } else {
                scripts_.erase(script->pgid);
            }
            return;
        }
        auto guard = parse_guard(line);
        if (!guard || guard->group >= groups_.size()) {
            log()->warn("ignoring a line from the daemon that is no guard | line={}", line.substr(0, 80));
            return;
        }
        Group& g = *groups_[guard->group];
        if (g.stopping) {
            g.after_stop = guard;
            return;
        }
        apply(guard->group, *guard);
    }

    void apply(agent::GroupId id, const agent::out::Guard& guard) {
        Group& g = *groups_[id];
        g.term = guard.term;
        g.failures = 0;
        if (!guard.stop_at) {
            g.stop_at.reset();
            g.escalate_at.reset();
            uv_timer_stop(g.timer.get());
            return;
        }
        g.stop_at = static_cast<std::uint64_t>(guard.stop_at->time_since_epoch().count());
        g.escalate_at.reset();
        if (guard.escalate_at) g.escalate_at = static_cast<std::uint64_t>(guard.escalate_at->time_since_epoch().count());
        arm(id, *g.stop_at);
    }

    void arm(agent::GroupId id, std::uint64_t at_ns) {
        const std::uint64_t t = now();
        // Rounded down: a check that comes early re-arms (the last millisecond
        // spins), one that came late would eat into the lease margin.
        const std::uint64_t delay_ms = at_ns > t ? (at_ns - t) / 1'000'000 : 0;
        uv_timer_start(groups_[id]->timer.get(),
                       [](uv_timer_t* t) noexcept {
                           auto* g = static_cast<Group*>(t->data);
                           if (g != nullptr) g->owner->check(g->id);
                       },
                       delay_ms, 0);
    }

    void check(agent::GroupId id) {
        Group& g = *groups_[id];
        if (!g.stop_at || g.stopping) return;
        const std::uint64_t t = now();
        if (t < *g.stop_at) {
            arm(id, *g.stop_at);
            return;
        }
        if (gone_) {
            log()->warn("the daemon is gone and nobody took over {}: stopping it at its stop_at | term={}",
                        name(id), g.term);
            begin_stop(id);
            return;
        }
        const std::uint64_t beat = setup_.beat->load(std::memory_order_relaxed);
        const auto limit = static_cast<std::uint64_t>(setup_.silence_limit.count());
        if (t - std::min(beat, t) > limit) {
            log()->warn("the daemon is frozen past the lease of {}: stopping it | term={} silent_ms={}",
                        name(id), g.term, (t - std::min(beat, t)) / 1'000'000);
            begin_stop(id);
            return;
        }
        // Alive: it stops the group itself. Look again when it would be overdue,
        // in case it freezes in the middle.
        arm(id, beat + limit + 1);
    }

    // The groups stay up until their stop_at: a restarted daemon may take them over
    // before (no failover); if none does, the timers stop them.
    void daemon_gone() {
        if (gone_) return;
        gone_ = true;
        pipe_.reset();
        for (agent::GroupId id = 0; id < groups_.size(); ++id) {
            Group& g = *groups_[id];
            if (g.stop_at && !g.stopping) {
                log()->warn("the daemon is gone while {} runs here: stopping it at its stop_at unless a new "
                            "daemon takes it over | term={} in_ms={}",
                            name(id), g.term, (*g.stop_at - std::min(*g.stop_at, now())) / 1'000'000);
                arm(id, *g.stop_at);
            }
        }
        maybe_exit();
    }

    void listen_for_successor() {
        std::error_code ec;
        std::filesystem::remove(setup_.handover_path, ec);  // a predecessor's, or stale
        if (server_.init(this, [&](uv_pipe_t* h) { return uv_pipe_init(loop_, h, 0); }) != 0 ||
            uv_pipe_bind(server_.get(), setup_.handover_path.c_str()) != 0 ||
            uv_listen(reinterpret_cast<uv_stream_t*>(server_.get()), 4,
                      [](uv_stream_t* s, int status) noexcept {
                          auto* self = static_cast<Supervisor*>(s->data);
                          if (self != nullptr && status == 0) self->on_successor();
                      }) != 0) {
            log()->warn("no handover socket: a restarted daemon cannot take this node's groups over | path={}",
                        setup_.handover_path);
            server_.reset();
        }
    }

    void on_successor() {
        resources::UvHandle<uv_pipe_t> client;
        if (client.init(this, [&](uv_pipe_t* h) { return uv_pipe_init(loop_, h, 0); }) != 0) return;
        if (uv_accept(reinterpret_cast<uv_stream_t*>(server_.get()),
                      reinterpret_cast<uv_stream_t*>(client.get())) != 0) {
            return;
        }
        uv_os_fd_t fd = -1;
        uv_fileno(client.raw(), &fd);
        // Only a daemon of our own user may take the groups (and the lock) over.
        ucred peer{};
        socklen_t len = sizeof peer;
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || peer.uid != ::geteuid()) {
            log()->warn("refused a handover request from uid {}", peer.uid);
            return;
        }
        // One successor at a time; and a stop of ours must end before anyone joins.
        const bool busy = successor_ || std::any_of(groups_.begin(), groups_.end(),
                                                    [](const auto& g) { return g->stopping; });
        if (!gone_ || busy || setup_.lock_fd < 0) {
            // A live daemon's groups are not for the taking; a stop of ours must
            // end before anyone joins (the lock waits for it).
            const char* answer = !gone_ ? "alive\n" : "busy\n";
            (void)::send(fd, answer, std::strlen(answer), MSG_NOSIGNAL);
            return;  // closes the client
        }
        std::string offer = "config " + std::to_string(agent::config_hash(setup_.config.cluster)) + "\n";
        for (const auto& g : groups_) {
            if (g->stop_at) {
                std::optional<agent::Instant> escalate_at;
                if (g->escalate_at) escalate_at = agent::Instant(agent::Duration(*g->escalate_at));
                offer += encode_guard(agent::out::Guard{g->id, g->term,
                                                        agent::Instant(agent::Duration(*g->stop_at)), escalate_at});
            }
        }
        offer += "end\n";
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        iovec iov{offer.data(), offer.size()};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &setup_.lock_fd, sizeof(int));
        if (::sendmsg(fd, &msg, MSG_NOSIGNAL) != static_cast<ssize_t>(offer.size())) {
            log()->warn("could not offer the groups to a new daemon | error={}", std::strerror(errno));
            return;
        }
        log()->info("offered this node's groups to a new daemon");
        successor_ = std::move(client);
        successor_lines_ = LineSplitter{};
        uv_read_start(reinterpret_cast<uv_stream_t*>(successor_.get()), read_buffer,
                      [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) noexcept {
                          auto* self = static_cast<Supervisor*>(s->data);
                          if (self == nullptr) return;
                          if (n < 0) {
                              self->successor_.reset();  // gone without taking: ours still
                              return;
                          }
                          for (const std::string& line :
                               self->successor_lines_.append({buf->base, static_cast<std::size_t>(n)})) {
                              if (line == "taken") self->on_taken();
                          }
                      });
    }

    // All or nothing: a group whose stop began since the offer (its stop_at came)
    // cannot be handed over, and the successor must not join before that stop ends.
    void on_taken() {
        uv_os_fd_t fd = -1;
        uv_fileno(successor_.raw(), &fd);
        const bool busy = std::any_of(groups_.begin(), groups_.end(), [](const auto& g) { return g->stopping; });
        const char* answer = busy ? "busy\n" : "ok\n";
        (void)::send(fd, answer, std::strlen(answer), MSG_NOSIGNAL);
        if (busy) {
            log()->warn("a stop began before the new daemon took the groups: keeping them");
            successor_.reset();
            return;
        }
        handed_over();
    }

    void handed_over() {
        for (const auto& g : groups_) {
            if (g->stopping) continue;
            if (g->stop_at) log()->info("handed {} over to the new daemon | term={}", name(g->id), g->term);
            g->stop_at.reset();
            uv_timer_stop(g->timer.get());
        }
        successor_.reset();
        maybe_exit();
    }

    // What the daemon left running (a start, a restart in place, a monitor) must
    // not come up after our stop: its process groups die first.
    void kill_daemon_scripts() {
        for (const int pgid : scripts_) {
            if (::kill(-pgid, SIGKILL) == 0) log()->warn("killed the daemon's script process group {}", pgid);
        }
        scripts_.clear();
    }

    // The daemon is gone, or stopped by a signal (SIGSTOP, a debugger): its scripts
    // run on unwatched. A daemon that is only late may be stopping the group itself
    // and its stop script must not be killed under it.
    bool daemon_stopped() const {
        if (gone_ || setup_.daemon_pid <= 0) return true;
        char path[64];
        std::snprintf(path, sizeof path, "/proc/%d/stat", setup_.daemon_pid);
        FILE* f = std::fopen(path, "re");
        if (f == nullptr) return true;
        char buf[512] = {};
        const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
        std::fclose(f);
        const char* close_paren = std::strrchr(buf, ')');
        if (n == 0 || close_paren == nullptr || close_paren[1] == '\0') return true;
        const char state = close_paren[2];
        return state == 'T' || state == 't' || state == 'Z' || state == 'X';
    }

    void begin_stop(agent::GroupId id) {
        if (daemon_stopped()) kill_daemon_scripts();
        Group& g = *groups_[id];
        uv_timer_stop(g.timer.get());
        if (!g.stopping) {
            report(agent::in::SupervisorStop{id, g.term, agent::in::SupervisorPhase::begun});
            // Not stopped by escalate_at: escalate as the core would (design §4.8).
            if (g.escalate_at) {
                const std::uint64_t t = now();
                uv_timer_start(g.escalation.get(),
                               [](uv_timer_t* timer) noexcept {
                                   auto* gr = static_cast<Group*>(timer->data);
                                   if (gr != nullptr) gr->owner->escalate(gr->id);
                               },
                               *g.escalate_at > t ? (*g.escalate_at - t) / 1'000'000 : 0, 0);
            }
        }
        g.stopping = true;
        g.op = next_op_++;
        agent::out::RunScript run{g.op, id, agent::ScriptAction::stop, g.term, "supervisor",
                                  setup_.config.cluster.groups[id].stop_timeout};
        actions_.run(run, [this, id](const agent::in::ScriptDone& done) { on_stop_done(id, done); });
    }

    // design §4.8: the stop did not succeed by escalate_at. Its scripts die, the
    // group's addresses go; if that was all of the group it is stopped, else the
    // node self-fences. Stops are retried all the same.
    void escalate(agent::GroupId id) {
        Group& g = *groups_[id];
        if (!g.stopping) return;
        log()->error("stop of {} not confirmed before the lease ends: killing its scripts, removing its "
                     "addresses | term={}",
                     name(id), g.term);
        actions_.kill_now(id);
        const AddressRemoval removal = remove_group_addresses(setup_.config.resources[id]);
        log()->error("escalated {} | term={} covered={} result={}", name(id), g.term,
                     removal.covered == agent::in::Covered::yes ? "yes" : "no", removal.message);
        if (removal.covered == agent::in::Covered::yes) {
            stopped(id);
            return;
        }
        self_fence(setup_.config, setup_.self, SelfFenceRequest{id, g.term, "stop_not_confirmed", "supervisor"});
    }

    void stopped(agent::GroupId id) {
        Group& g = *groups_[id];
        log()->info("stopped {} | term={}", name(id), g.term);
        report(agent::in::SupervisorStop{id, g.term, agent::in::SupervisorPhase::done});
        g.stopping = false;
        g.stop_at.reset();
        g.escalate_at.reset();
        uv_timer_stop(g.timer.get());
        uv_timer_stop(g.escalation.get());
        if (g.after_stop) {
            const agent::out::Guard next = *g.after_stop;
            g.after_stop.reset();
            if (next.term > g.term) apply(id, next);
        }
        maybe_exit();
    }

    void on_stop_done(agent::GroupId id, const agent::in::ScriptDone& done) {
        Group& g = *groups_[id];
        if (!g.stopping || done.op != g.op) return;  // escalated meanwhile, or an older stop
        if (done.status == agent::ExecStatus::done && done.exit_code == 0) {
            stopped(id);
            return;
        }
        // Never given up: while the stop has not succeeded the group may still run,
        // and this process (holding the state-dir lock) keeps a new daemon out.
        ++g.failures;
        const auto tick = setup_.config.cluster.timing.tick;
        const auto backoff = std::min<std::chrono::nanoseconds>(tick * (1 << std::min(g.failures, 7)),
                                                                std::chrono::seconds(1));
        log()->error("stop of {} failed, retrying | term={} status={} exit={} retry_ms={}", name(id), g.term,
                     agent::to_string(done.status), done.exit_code, agent::to_ms(backoff));
        retry_at(id, backoff);
    }

    void retry_at(agent::GroupId id, std::chrono::nanoseconds after) {
        uv_timer_start(groups_[id]->timer.get(),
                       [](uv_timer_t* t) noexcept {
                           auto* g = static_cast<Group*>(t->data);
                           if (g != nullptr) g->owner->begin_stop(g->id);
                       },
                       static_cast<std::uint64_t>(agent::to_ms(after)), 0);
    }

    void report(const agent::in::SupervisorStop& r) {
        const std::string line = encode_report(r);
        // A few bytes into an empty-ish pipe: a failed write means the daemon is
        // gone (EPIPE: nobody to tell) or not reading for 64 KiB of reports.
        const ssize_t n = ::write(setup_.report_fd, line.data(), line.size());
        if (n != static_cast<ssize_t>(line.size()) && !(n < 0 && errno == EPIPE)) {
            log()->warn("could not report to the daemon | report={}", line.substr(0, line.size() - 1));
        }
    }

    // Once the daemon is gone: when nothing is guarded (stopped, handed over) or
    // being stopped any more.
    void maybe_exit() {
        if (!gone_) return;
        if (std::any_of(groups_.begin(), groups_.end(),
                        [](const auto& g) { return g->stopping || g->stop_at.has_value(); })) {
            return;
        }
        uv_stop(loop_);
    }

    std::string name(agent::GroupId id) const { return setup_.config.cluster.groups[id].name; }

    uv_loop_t* loop_;
    const SupervisorSetup& setup_;
    ScriptGroupActions actions_;
    std::vector<std::unique_ptr<Group>> groups_;  // stable addresses: timers point at them
    std::set<int> scripts_;  // the daemon's running scripts' process groups
    resources::UvHandle<uv_pipe_t> pipe_;
    LineSplitter lines_;
    resources::UvHandle<uv_pipe_t> server_;     // handover.sock
    resources::UvHandle<uv_pipe_t> successor_;  // a new daemon considering our offer
    LineSplitter successor_lines_;
    std::uint64_t next_op_ = 1;
    bool gone_ = false;
};

}  // namespace

int run_supervisor(const SupervisorSetup& setup) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    int rc = 0;
    {
        Supervisor supervisor(&loop, setup);
        if (!supervisor.start()) {
            rc = 1;
        } else {
            log()->info("supervising {} | pid={} daemon={}", setup.config.cluster.nodes[setup.self].name,
                        ::getpid(), ::getppid());
            uv_run(&loop, UV_RUN_DEFAULT);
        }
    }
    uv_run(&loop, UV_RUN_DEFAULT);  // close callbacks
    uv_loop_close(&loop);
    return rc;
}

}  // namespace hacluster::daemon
