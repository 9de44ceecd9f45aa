#include "daemon/supervisor.h"

#include <spdlog/spdlog.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <optional>
#include <vector>

#include "agent/timing.h"
#include "daemon/group_actions.h"
#include "daemon/supervisor_protocol.h"
#include "resources/uv_handle.h"

namespace hacluster::daemon {

namespace {

constexpr int give_up_after = 5;  // failed stops once the daemon is gone

std::shared_ptr<spdlog::logger> log() {
    auto l = spdlog::get("sup");
    return l ? l : spdlog::default_logger();
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
            groups_.push_back(std::move(g));
        }
    }

    bool start() {
        if (pipe_.init(this, [&](uv_pipe_t* h) { return uv_pipe_init(loop_, h, 0); }) != 0 ||
            uv_pipe_open(pipe_.get(), setup_.guard_fd) != 0) {
            log()->critical("cannot read the daemon's pipe");
            return false;
        }
        uv_read_start(reinterpret_cast<uv_stream_t*>(pipe_.get()),
                      [](uv_handle_t*, size_t, uv_buf_t* buf) {
                          static char storage[4096];
                          *buf = uv_buf_init(storage, sizeof storage);
                      },
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
        bool stopping = false;
        int failures = 0;
        std::optional<agent::out::Guard> after_stop;  // arrived while stopping
        resources::UvHandle<uv_timer_t> timer;
    };

    static std::uint64_t now() { return uv_hrtime(); }

    void on_line(const std::string& line) {
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
            uv_timer_stop(g.timer.get());
            return;
        }
        g.stop_at = static_cast<std::uint64_t>(guard.stop_at->time_since_epoch().count());
        arm(id, *g.stop_at);
    }

    void arm(agent::GroupId id, std::uint64_t at_ns) {
        const std::uint64_t t = now();
        // Millisecond timers round down to the loop's clock; one more millisecond
        // makes sure the check never comes early (it re-arms if it does).
        const std::uint64_t delay_ms = at_ns > t ? (at_ns - t + 999'999) / 1'000'000 : 0;
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

    void daemon_gone() {
        if (gone_) return;
        gone_ = true;
        pipe_.reset();
        for (agent::GroupId id = 0; id < groups_.size(); ++id) {
            Group& g = *groups_[id];
            if (g.stop_at && !g.stopping) {
                log()->warn("the daemon is gone while {} runs here: stopping it | term={}", name(id), g.term);
                begin_stop(id);
            }
        }
        maybe_exit();
    }

    void begin_stop(agent::GroupId id) {
        Group& g = *groups_[id];
        uv_timer_stop(g.timer.get());
        if (!g.stopping) report(agent::in::SupervisorStop{id, g.term, agent::in::SupervisorPhase::begun});
        g.stopping = true;
        agent::out::RunScript run{next_op_++, id, agent::ScriptAction::stop, g.term, "supervisor",
                                  setup_.config.cluster.groups[id].stop_timeout};
        actions_.run(run, [this, id](const agent::in::ScriptDone& done) { on_stop_done(id, done); });
    }

    void on_stop_done(agent::GroupId id, const agent::in::ScriptDone& done) {
        Group& g = *groups_[id];
        if (done.status == agent::ExecStatus::done && done.exit_code == 0) {
            log()->info("stopped {} | term={}", name(id), g.term);
            report(agent::in::SupervisorStop{id, g.term, agent::in::SupervisorPhase::done});
            g.stopping = false;
            g.stop_at.reset();
            if (g.after_stop) {
                const agent::out::Guard next = *g.after_stop;
                g.after_stop.reset();
                if (next.term > g.term) apply(id, next);
            }
            maybe_exit();
            return;
        }
        ++g.failures;
        if (gone_ && g.failures >= give_up_after) {
            log()->critical("could not stop {} after {} tries; it may still run here | term={}", name(id),
                            g.failures, g.term);
            g.stopping = false;
            g.stop_at.reset();
            maybe_exit();
            return;
        }
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

    void maybe_exit() {
        if (!gone_) return;
        if (std::any_of(groups_.begin(), groups_.end(), [](const auto& g) { return g->stopping; })) return;
        uv_stop(loop_);
    }

    std::string name(agent::GroupId id) const { return setup_.config.cluster.groups[id].name; }

    uv_loop_t* loop_;
    const SupervisorSetup& setup_;
    ScriptGroupActions actions_;
    std::vector<std::unique_ptr<Group>> groups_;  // stable addresses: timers point at them
    resources::UvHandle<uv_pipe_t> pipe_;
    LineSplitter lines_;
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
