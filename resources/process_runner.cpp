#include "resources/process_runner.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <limits>
#include <optional>
#include <utility>

#include "agent/assert.h"
#include "resources/bounded_output.h"
#include "resources/res_logger.h"

namespace hacluster::resources {

using agent::ExecStatus;

struct ProcessRunner::Child {
    Child(ProcessRunner& owner, ProcessId child_id, OnProcessDone done, std::size_t output_limit)
        : runner(&owner), id(child_id), on_done(std::move(done)), output(output_limit) {}

    ProcessRunner* runner;
    ProcessId id;
    OnProcessDone on_done;
    std::chrono::nanoseconds kill_grace{};
    UvHandle<uv_process_t> process;
    UvHandle<uv_pipe_t> pipe;
    UvHandle<uv_timer_t> timer;
    UvHandle<uv_timer_t> group_poll;  // after the leader exited: is the rest of the group gone?
    int pid = 0;
    std::uint64_t started_ns = 0;
    BoundedOutput output;
    bool pipe_eof = false;
    // Set once the runner began the TERM -> grace -> KILL escalation: the status
    // the result will carry.
    std::optional<ExecStatus> kill_reason;
    bool kill_sent = false;
    bool exited = false;
    std::int64_t exit_status = 0;
    int term_signal = 0;
    ProcessResult result;
};

namespace {

// How often the group is checked once its leader died during a kill: small
// against any grace, and a kill(2) each time costs nothing.
constexpr std::uint64_t group_poll_ms = 20;

// libuv timers count whole milliseconds; round up so a timeout never fires early.
std::uint64_t to_timer_ms(std::chrono::nanoseconds d) {
    if (d.count() <= 0) return 0;
    constexpr std::int64_t ns_per_ms = 1'000'000;
    return static_cast<std::uint64_t>(d.count() / ns_per_ms + (d.count() % ns_per_ms != 0 ? 1 : 0));
}

std::string uv_reason(int error) {
    return std::string(uv_strerror(error)) + " (" + uv_err_name(error) + ")";
}

// uv_disable_stdio_inheritance covers what the daemon inherited when it started;
// descriptors opened later without O_CLOEXEC (by any library) would still leak
// into scripts. libuv has no pre-exec hook, so mark them all close-on-exec in the
// parent just before each spawn: the parent does not exec, so this costs it
// nothing. The child's 0/1/2 are set up by libuv with dup2, which clears the flag.
void mark_descriptors_cloexec() noexcept {
    if (::close_range(3, std::numeric_limits<unsigned>::max(), CLOSE_RANGE_CLOEXEC) == 0) return;
    // Kernels before 5.11: walk /proc/self/fd.
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) return;
    const int own = ::dirfd(dir);
    while (const dirent* entry = ::readdir(dir)) {
        char* end = nullptr;
        const long fd = std::strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0' || fd < 3 || fd == own) continue;
        const int flags = ::fcntl(static_cast<int>(fd), F_GETFD);
        if (flags >= 0) ::fcntl(static_cast<int>(fd), F_SETFD, flags | FD_CLOEXEC);
    }
    ::closedir(dir);
}

// Whether any process is left in the group (zombies count until reaped).
bool group_alive(int pgid) {
    const int rc = uv_kill(-pgid, 0);
    return rc == 0 || rc == UV_EPERM;
}

template <typename Fn, typename... Args>
void call_guarded(const char* what, Fn& fn, Args&&... args) noexcept {
    try {
        if (fn) fn(std::forward<Args>(args)...);
    } catch (const std::exception& e) {
        res_logger()->error("{} threw | error={}", what, e.what());
    } catch (...) {
        res_logger()->error("{} threw | error=unknown", what);
    }
}

bool write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

ProcessRunner::ProcessRunner(uv_loop_t* loop) : loop_(loop), alive_(std::make_shared<bool>(true)) {
    HA_ASSERT(loop_ != nullptr);
    uv_disable_stdio_inheritance();
    const int rc = delivery_.init(this, [this](uv_idle_t* idle) { return uv_idle_init(loop_, idle); });
    HA_ASSERT(rc == 0);  // uv_idle_init cannot fail
}

ProcessRunner::~ProcessRunner() {
    *alive_ = false;
    // A script left running would act on a cluster nobody manages any more.
    for (auto& [id, child] : running_) uv_kill(-child->pid, SIGKILL);
    running_.clear();
    finished_.clear();
    deferred_.clear();
    delivery_.reset();
}

ProcessId ProcessRunner::fail(ProcessId id, std::string reason, OnProcessDone on_done) {
    auto child = std::make_unique<Child>(*this, id, std::move(on_done), 0);
    child->result.status = ExecStatus::spawn_failed;
    child->result.exit_code = -1;
    child->result.output = std::move(reason);
    finished_.push_back(std::move(child));
    schedule_delivery();
    return id;
}

ProcessId ProcessRunner::run(ProcessSpec spec, OnProcessDone on_done) {
    const ProcessId id = next_id_++;
    if (running_.size() >= max_processes) {
        return fail(id, "too many processes: at most " + std::to_string(max_processes) + " run at once",
                    std::move(on_done));
    }
    if (spec.argv.empty() || spec.argv.front().empty()) {
        return fail(id, "nothing to run: empty argv", std::move(on_done));
    }
    if (spec.input.size() > max_input) {
        return fail(id, "stdin input too long: " + std::to_string(spec.input.size()) + " bytes, at most " +
                            std::to_string(max_input), std::move(on_done));
    }
    // The input goes into a pipe before the child exists: it fits in the pipe's
    // buffer (max_input), so neither side ever blocks on it.
    uv_file in_fds[2] = {-1, -1};
    if (!spec.input.empty()) {
        if (const int rc = uv_pipe(in_fds, 0, 0); rc != 0) {
            return fail(id, "cannot create the input pipe: " + uv_reason(rc), std::move(on_done));
        }
        const bool written = write_all(in_fds[1], spec.input);
        ::close(in_fds[1]);
        if (!written) {
            ::close(in_fds[0]);
            return fail(id, "cannot write the input pipe", std::move(on_done));
        }
    }
    auto child = std::make_unique<Child>(*this, id, std::move(on_done), spec.output_limit);
    child->kill_grace = spec.kill_grace;
    Child* c = child.get();

    // Read end non-blocking for the loop, write end blocking for the child.
    uv_file fds[2];
    if (const int rc = uv_pipe(fds, UV_NONBLOCK_PIPE, 0); rc != 0) {
        if (in_fds[0] >= 0) ::close(in_fds[0]);
        return fail(id, "cannot create the output pipe: " + uv_reason(rc), std::move(c->on_done));
    }
    if (const int rc = c->pipe.init(c, [this](uv_pipe_t* p) { return uv_pipe_init(loop_, p, 0); }); rc != 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        if (in_fds[0] >= 0) ::close(in_fds[0]);
        return fail(id, "cannot set up the output pipe: " + uv_reason(rc), std::move(c->on_done));
    }
    if (const int rc = uv_pipe_open(c->pipe.get(), fds[0]); rc != 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        if (in_fds[0] >= 0) ::close(in_fds[0]);
        return fail(id, "cannot set up the output pipe: " + uv_reason(rc), std::move(c->on_done));
    }

    std::vector<char*> args;
    for (std::string& arg : spec.argv) args.push_back(arg.data());
    args.push_back(nullptr);
    // Never a null env: libuv would then pass the daemon's own environment on.
    std::vector<char*> env;
    for (std::string& entry : spec.env) env.push_back(entry.data());
    env.push_back(nullptr);

    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;  // libuv opens /dev/null for 0..2 when ignored
    if (in_fds[0] >= 0) {
        stdio[0].flags = UV_INHERIT_FD;
        stdio[0].data.fd = in_fds[0];
    }
    stdio[1].flags = UV_INHERIT_FD;
    stdio[1].data.fd = fds[1];
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = fds[1];

    uv_process_options_t options{};
    options.exit_cb = [](uv_process_t* process, std::int64_t exit_status, int term_signal) noexcept {
        if (auto* ch = static_cast<Child*>(process->data)) ch->runner->on_exit(*ch, exit_status, term_signal);
    };
    options.file = args.front();
    options.args = args.data();
    options.env = env.data();
    options.cwd = spec.cwd.empty() ? "/" : spec.cwd.c_str();
    options.flags = UV_PROCESS_DETACHED;  // setsid(): the child leads its own process group
    options.stdio_count = 3;
    options.stdio = stdio;

    mark_descriptors_cloexec();
    uv_update_time(loop_);  // the timeout counts from now, not from the last loop iteration
    c->started_ns = uv_hrtime();
    const int spawned = c->process.init(
        c, [&](uv_process_t* p) { return uv_spawn(loop_, p, &options); }, OnInitError::close);
    ::close(fds[1]);
    if (in_fds[0] >= 0) ::close(in_fds[0]);
    if (spawned != 0) {
        return fail(id, "cannot run " + spec.argv.front() + ": " + uv_reason(spawned), std::move(c->on_done));
    }
    c->pid = c->process.get()->pid;
    if (observer_) observer_(c->pid, true);

    const auto alloc = [](uv_handle_t* handle, std::size_t, uv_buf_t* buf) noexcept {
        auto* ch = static_cast<Child*>(handle->data);
        *buf = uv_buf_init(ch->runner->read_buffer_, sizeof ch->runner->read_buffer_);
    };
    const auto read = [](uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
        if (auto* ch = static_cast<Child*>(stream->data)) ch->runner->on_read(*ch, nread, buf);
    };
    if (uv_read_start(reinterpret_cast<uv_stream_t*>(c->pipe.get()), alloc, read) != 0) {
        c->pipe_eof = true;  // no output, but the child still runs and is still timed
    }

    const int timer_rc = c->timer.init(c, [this](uv_timer_t* t) { return uv_timer_init(loop_, t); });
    HA_ASSERT(timer_rc == 0);  // uv_timer_init cannot fail
    uv_timer_start(
        c->timer.get(),
        [](uv_timer_t* timer) noexcept {
            if (auto* ch = static_cast<Child*>(timer->data)) ch->runner->on_timer(*ch);
        },
        to_timer_ms(spec.timeout), 0);

    running_.emplace(id, std::move(child));
    return id;
}

bool ProcessRunner::cancel(ProcessId id) {
    const auto it = running_.find(id);
    if (it == running_.end()) return false;
    Child& child = *it->second;
    if (!child.kill_reason) begin_kill(child, ExecStatus::cancelled);
    return true;
}

bool ProcessRunner::kill_now(ProcessId id) {
    const auto it = running_.find(id);
    if (it == running_.end()) return false;
    Child& child = *it->second;
    if (!child.kill_reason) child.kill_reason = ExecStatus::cancelled;
    uv_timer_stop(child.timer.get());
    uv_kill(-child.pid, SIGKILL);
    child.kill_sent = true;
    if (child.exited) finish(child);
    return true;
}

void ProcessRunner::defer(std::function<void()> fn) {
    deferred_.push_back(std::move(fn));
    schedule_delivery();
}

void ProcessRunner::begin_kill(Child& child, ExecStatus reason) noexcept {
    child.kill_reason = reason;
    uv_kill(-child.pid, SIGTERM);
    // A stopped process only acts on SIGTERM once continued (systemd does the same).
    uv_kill(-child.pid, SIGCONT);
    uv_timer_stop(child.timer.get());
    uv_timer_start(
        child.timer.get(),
        [](uv_timer_t* timer) noexcept {
            if (auto* ch = static_cast<Child*>(timer->data)) ch->runner->on_timer(*ch);
        },
        to_timer_ms(child.kill_grace), 0);
}

void ProcessRunner::on_timer(Child& child) noexcept {
    if (!child.kill_reason) {
        begin_kill(child, ExecStatus::timed_out);
        return;
    }
    // The grace is over: whatever is left of the group dies now.
    uv_kill(-child.pid, SIGKILL);
    child.kill_sent = true;
    if (child.exited) finish(child);
}

void ProcessRunner::on_read(Child& child, ssize_t nread, const uv_buf_t* buf) noexcept {
    if (nread > 0) {
        child.output.append(std::string_view(buf->base, static_cast<std::size_t>(nread)));
    } else if (nread < 0) {
        // EOF or a read error: nothing more will come. The handle is closed with
        // the rest of the child, not from inside its own callback.
        uv_read_stop(reinterpret_cast<uv_stream_t*>(child.pipe.get()));
        child.pipe_eof = true;
    }
}

void ProcessRunner::on_exit(Child& child, std::int64_t exit_status, int term_signal) noexcept {
    child.exited = true;
    child.exit_status = exit_status;
    child.term_signal = term_signal;

    // What the leader wrote is in the pipe by now; read it without waiting for EOF,
    // which a background process holding the pipe would delay for ever. Bounded, in
    // case such a process keeps writing.
    if (!child.pipe_eof && child.pipe) {
        auto* stream = reinterpret_cast<uv_stream_t*>(child.pipe.get());
        uv_read_stop(stream);
        uv_os_fd_t fd = -1;
        if (uv_fileno(child.pipe.raw(), &fd) == 0) {
            std::size_t budget = std::size_t{1} << 20;
            while (budget > 0) {
                const ssize_t n = ::read(fd, read_buffer_, std::min(sizeof read_buffer_, budget));
                if (n > 0) {
                    child.output.append(std::string_view(read_buffer_, static_cast<std::size_t>(n)));
                    budget -= static_cast<std::size_t>(n);
                } else if (n < 0 && errno == EINTR) {
                    continue;
                } else {
                    break;  // EOF, EAGAIN (nothing more for now) or an error
                }
            }
        }
        child.pipe_eof = true;
    }

    // After SIGTERM, wait for the grace timer's SIGKILL unless the whole group is
    // already gone. The rest of the group usually dies of the same SIGTERM a moment
    // after the leader: look again now and then rather than always waiting out
    // the grace.
    if (child.kill_reason && !child.kill_sent && group_alive(child.pid)) {
        const int rc = child.group_poll.init(&child, [this](uv_timer_t* t) { return uv_timer_init(loop_, t); });
        HA_ASSERT(rc == 0);  // uv_timer_init cannot fail
        uv_timer_start(
            child.group_poll.get(),
            [](uv_timer_t* timer) noexcept {
                auto* ch = static_cast<Child*>(timer->data);
                if (ch != nullptr && !group_alive(ch->pid)) ch->runner->finish(*ch);
            },
            group_poll_ms, group_poll_ms);
        return;
    }
    finish(child);
}

void ProcessRunner::finish(Child& child) noexcept {
    uv_timer_stop(child.timer.get());
    if (child.group_poll) uv_timer_stop(child.group_poll.get());
    ProcessResult& r = child.result;
    r.term_signal = child.term_signal;
    r.exit_code = child.term_signal == 0 ? static_cast<int>(child.exit_status) : -1;
    if (child.kill_reason) {
        r.status = *child.kill_reason;
    } else {
        r.status = child.term_signal != 0 ? ExecStatus::killed : ExecStatus::done;
    }
    r.output = child.output.text();
    r.duration = std::chrono::nanoseconds(uv_hrtime() - child.started_ns);
    if (observer_) observer_(child.pid, false);

    // Handles are closed on delivery, outside their own callbacks.
    const auto it = running_.find(child.id);
    HA_ASSERT(it != running_.end());
    finished_.push_back(std::move(it->second));
    running_.erase(it);
    schedule_delivery();
}

void ProcessRunner::schedule_delivery() noexcept {
    if (uv_is_active(delivery_.raw())) return;
    uv_idle_start(delivery_.get(), [](uv_idle_t* idle) noexcept {
        if (auto* runner = static_cast<ProcessRunner*>(idle->data)) runner->deliver();
    });
}

void ProcessRunner::deliver() noexcept {
    uv_idle_stop(delivery_.get());
    // Callbacks may call run(), cancel() and defer() (which refill the lists: they
    // are delivered next iteration) or destroy the runner (alive turns false).
    const std::shared_ptr<bool> alive = alive_;
    std::vector<std::unique_ptr<Child>> finished = std::exchange(finished_, {});
    std::vector<std::function<void()>> deferred = std::exchange(deferred_, {});
    for (std::unique_ptr<Child>& child : finished) {
        OnProcessDone on_done = std::move(child->on_done);
        const ProcessId id = child->id;
        ProcessResult result = std::move(child->result);
        child.reset();  // closes its handles
        call_guarded("process callback", on_done, id, std::move(result));
        if (!*alive) return;
    }
    for (std::function<void()>& fn : deferred) {
        call_guarded("deferred call", fn);
        if (!*alive) return;
    }
}

}  // namespace hacluster::resources
