// haclusterd: the hacluster node daemon. Parses its arguments, loads and checks
// the config and the key, then runs the libuv loop around the agent core.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <uv.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "agent/timing.h"
#include "daemon/config_loader.h"
#include "daemon/daemon_shell.h"
#include "daemon/group_actions.h"
#include "daemon/handover.h"
#include "daemon/journal_sink.h"
#include "daemon/node_files.h"
#include "daemon/ocf_defaults.h"
#include "daemon/ops_commands.h"
#include "daemon/stop_budgets.h"
#include "daemon/supervisor_link.h"
#include "daemon/systemd_notify.h"
#include "resources/uv_handle.h"

#ifndef HACLUSTER_VERSION
#define HACLUSTER_VERSION "0.0.0"
#endif

namespace {

using namespace hacluster;
using namespace hacluster::daemon;

// Exit codes: 0 ok, 1 runtime failure, 2 usage, 3 bad config or key, 4 cannot
// start (socket, port, state dir).
constexpr int exit_usage = 2;
constexpr int exit_config = 3;
constexpr int exit_start = 4;

void setup_logging(const std::string& level) {
    // Under systemd, stderr is the journal: send it priorities and fields instead of
    // text (daemon/journal_sink.h); elsewhere the text lines as always.
    const bool journal = stderr_is_journal();
    spdlog::sink_ptr sink;
    if (journal) {
        sink = std::make_shared<JournalSink>("haclusterd");
    } else {
        sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    }
    for (const char* name : {"main", "net", "agent", "res", "ctl"}) {
        auto logger = std::make_shared<spdlog::logger>(name, sink);
        spdlog::register_logger(logger);
    }
    spdlog::set_default_logger(spdlog::get("main"));
    // The journal stamps its own time and priority.
    spdlog::set_pattern(journal ? "%v" : "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %n: %v");
    spdlog::set_level(spdlog::level::from_str(level));
}

// What the signal and timer callbacks reach through their data pointer.
struct Context {
    DaemonShell* shell;
    SystemdNotifier* notifier;
    uv_loop_t* loop;
    std::string config_file;
    uv_timer_t* deadline;
    std::uint64_t leave_bound_ms;
    int drain_polls = 0;
};

// After a graceful leave, hooks still running get up to 200 × 10 ms.
constexpr int max_drain_polls = 200;

// Leave gracefully, but exit after the bound whatever happens.
void leave_within_bound(Context* c) {
    c->notifier->stopping();
    c->shell->leave();
    uv_timer_start(c->deadline,
                   [](uv_timer_t* t) noexcept {
                       spdlog::warn("leave did not finish in time, exiting");
                       uv_stop(static_cast<Context*>(t->data)->loop);
                   },
                   c->leave_bound_ms, 0);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"haclusterd: the hacluster node daemon"};
    std::string config_file = "/etc/hacluster/cluster.json";
    std::optional<std::string> node;
    std::string socket_path = "/run/hacluster/ctl.sock";
    std::string state_dir = "/var/lib/hacluster";
    std::string log_level = "info";
    bool check_only = false;
    app.add_option("--config", config_file, "cluster config file")->capture_default_str();
    app.add_option("--node", node, "this node's name (default: found by address, then host name)");
    app.add_option("--socket", socket_path, "control socket path")->capture_default_str();
    app.add_option("--state-dir", state_dir, "where lease votes are kept")->capture_default_str();
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    app.add_flag("--check-config", check_only, "validate the config, explain its timing, exit");
    app.set_version_flag("--version", std::string("haclusterd ") + HACLUSTER_VERSION);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : exit_usage;
    }
    setup_logging(log_level);

    auto loaded = load_config(config_file);
    if (auto* errors = std::get_if<std::vector<LoadError>>(&loaded)) {
        for (const LoadError& e : *errors) {
            std::fprintf(stderr, "%s: %s%s%s\n", config_file.c_str(), e.path.c_str(),
                         e.path.empty() ? "" : ": ", e.message.c_str());
        }
        return exit_config;
    }
    DaemonConfig config = std::get<DaemonConfig>(std::move(loaded));
    // The OCF agents must be installed here, and their meta-data fills the defaults.
    if (auto errors = apply_ocf_metadata(config, resources::ScriptDirs::standard()); !errors.empty()) {
        for (const LoadError& e : errors) {
            std::fprintf(stderr, "%s: %s: %s\n", config_file.c_str(), e.path.c_str(), e.message.c_str());
        }
        return exit_config;
    }
    if (check_only) {
        std::printf("config OK: %s\n%s%s", config_file.c_str(), agent::explain_timing(config.cluster).c_str(),
                    explain_stop_budgets(config).c_str());
        return 0;
    }

    auto self = find_self(config.cluster, node);
    if (auto* error = std::get_if<std::string>(&self)) {
        spdlog::critical("{}", *error);
        return exit_config;
    }
    auto key = read_key_file(config.auth_key_file);
    if (auto* error = std::get_if<std::string>(&key)) {
        spdlog::critical("{}", *error);
        return exit_config;
    }
    auto auth = HmacSha256::from_key(std::get<std::vector<std::uint8_t>>(key));
    if (!auth) {
        spdlog::critical("auth key {}: cannot initialise HMAC-SHA-256", config.auth_key_file);
        return exit_config;
    }

    // The stops a leave waits for, plus a few heartbeats; after that the
    // supervisor and the lease cover what is left.
    std::uint64_t bound_ms = 2000;
    for (const auto& g : config.cluster.groups) bound_ms += agent::to_ms(g.stop_timeout);

    // The previous daemon of this state dir may have died with groups still
    // running here: its supervisor hands them over, with the state-dir lock.
    // Otherwise wait for the lock (its supervisor may still be stopping them).
    std::optional<Handover> handover = request_handover(state_dir, agent::config_hash(config.cluster));
    if (handover && !handover->in_time(std::chrono::milliseconds(50))) {
        // The old supervisor may be about to stop them: let it, and join after.
        spdlog::info("not taking the groups over: their stop_at is too close");
        decline_handover(*handover);
        handover.reset();
    }
    int lock_fd = -1;
    if (handover) {
        lock_fd = handover->lock_fd;
    } else {
        auto lock = lock_state_dir(state_dir, std::chrono::milliseconds(bound_ms * 2));
        if (auto* error = std::get_if<std::string>(&lock)) {
            spdlog::critical("{}", *error);
            return exit_start;
        }
        lock_fd = std::get<int>(lock);
    }
    std::signal(SIGPIPE, SIG_IGN);  // a peer that hangs up is an error value, not a death
    // Forked before any loop or thread exists; the child never comes back here.
    auto spawned = SupervisorLink::spawn(config, std::get<agent::NodeId>(self), lock_fd,
                                         (std::filesystem::path(state_dir) / handover_socket_name).string(),
                                         handover ? handover->connection : -1, argc, argv);
    if (auto* error = std::get_if<std::string>(&spawned)) {
        spdlog::critical("{}", *error);
        return exit_start;
    }
    std::unique_ptr<SupervisorLink> supervisor = std::move(std::get<std::unique_ptr<SupervisorLink>>(spawned));
    std::vector<agent::ResumedGroup> resume;
    if (handover) {
        // Our supervisor guards them before the old one lets go.
        for (const agent::ResumedGroup& r : handover->groups) {
            if (r.group >= config.cluster.groups.size()) continue;  // same config hash: never
            // The escalation deadline is the old core's: the same lease (design §4.8).
            const agent::GroupTiming t = agent::group_timing(config.cluster, config.cluster.groups[r.group]);
            supervisor->guard(agent::out::Guard{r.group, r.term, r.stop_at, r.stop_at + t.stop_lead - t.escalate_lead});
        }
        if (finish_handover(*handover, std::chrono::milliseconds(bound_ms * 2))) {
            resume = handover->groups;
        } else {
            for (const agent::ResumedGroup& r : handover->groups) {
                supervisor->guard(agent::out::Guard{r.group, r.term, std::nullopt, std::nullopt});
            }
        }
    }

    uv_loop_t loop;
    uv_loop_init(&loop);
    int exit_code = 0;
    {
        // systemd (Type=notify): READY once the probe is done and quorum is decided,
        // or after two failure timeouts without (wait_for_all on a cold cluster).
        DaemonShell* shell_ptr = nullptr;
        SystemdNotifier notifier(
            &loop,
            [&shell_ptr]() -> std::optional<nlohmann::json> {
                if (shell_ptr == nullptr || !shell_ptr->started()) return std::nullopt;
                return shell_ptr->status();
            },
            std::chrono::duration_cast<std::chrono::milliseconds>(2 * config.cluster.timing.timeout));
        NotifyingSupervision supervision(*supervisor, notifier);
        ScriptGroupActions actions(&loop, config, std::get<agent::NodeId>(self));
        actions.observe_groups([&supervisor](int pgid, bool running) { supervisor->script(pgid, running); });
        DaemonShell shell(&loop, config, std::get<agent::NodeId>(self), *auth, actions,
                          ShellOptions{socket_path, state_dir, 0, &supervision, resume});
        shell_ptr = &shell;
        add_ops_commands(shell, config_file);  // reload, config_show
        shell.observe_health_scripts([&supervisor](int pgid, bool running) { supervisor->script(pgid, running); });
        if (auto error = shell.start()) {
            spdlog::critical("{}", *error);
            uv_loop_close(&loop);
            return exit_start;
        }
        notifier.start();
        resources::UvHandle<uv_signal_t> sigterm, sigint, sighup;
        resources::UvHandle<uv_timer_t> leave_deadline;
        Context ctx{&shell, &notifier, &loop, config_file, nullptr, bound_ms};
        leave_deadline.init(&ctx, [&](uv_timer_t* h) { return uv_timer_init(&loop, h); });
        ctx.deadline = leave_deadline.get();
        auto on_stop_signal = [](uv_signal_t* s, int signum) noexcept {
            spdlog::info("signal {}: graceful leave", signum);
            leave_within_bound(static_cast<Context*>(s->data));
        };
        auto init_signal = [&](resources::UvHandle<uv_signal_t>& handle) {
            handle.init(&ctx, [&](uv_signal_t* h) { return uv_signal_init(&loop, h); });
        };
        for (auto [handle, signum] : {std::pair{&sigterm, SIGTERM}, std::pair{&sigint, SIGINT}}) {
            init_signal(*handle);
            uv_signal_start(handle->get(), on_stop_signal, signum);
        }
        init_signal(sighup);
        uv_signal_start(sighup.get(),
                        [](uv_signal_t* s, int) noexcept {
                            auto* c = static_cast<Context*>(s->data);
                            c->shell->reload(c->config_file);
                        },
                        SIGHUP);
        supervisor->attach(&loop, [&shell] { shell.supervisor_reported(); }, [&] {
            // Nothing would stop this node's groups if it froze now.
            spdlog::critical("the supervisor is gone: leaving the cluster");
            exit_code = 1;
            leave_within_bound(&ctx);
        });
        // The hooks of the last events (demoted, left) get a short, bounded moment
        // to run: the groups are already released, so nothing waits on them.
        resources::UvHandle<uv_timer_t> hooks_drain;
        hooks_drain.init(&ctx, [&](uv_timer_t* h) { return uv_timer_init(&loop, h); });
        shell.on_left([&hooks_drain] {
            spdlog::info("left the cluster");
            uv_timer_start(hooks_drain.get(),
                           [](uv_timer_t* t) noexcept {
                               auto* c = static_cast<Context*>(t->data);
                               if (c->shell->hooks_idle() || ++c->drain_polls > max_drain_polls) {
                                   uv_timer_stop(t);
                                   uv_stop(c->loop);
                               }
                           },
                           0, 10);
        });
        uv_run(&loop, UV_RUN_DEFAULT);
        supervisor->detach();
        notifier.close();
    }
    // Handles were closed by their owners above; let their close callbacks run.
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0) {
        spdlog::warn("event loop closed with handles left");
    }
    return exit_code;
}
