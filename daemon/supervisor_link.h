#pragma once
// The daemon's end of its supervisor (daemon/supervisor.h): forks it, hands it
// every out::Guard, shows it that the loop is alive, and brings back its reports
// for the core (DaemonShell feeds them before any other input).
#include <sys/types.h>
#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "daemon/config_loader.h"
#include "daemon/daemon_shell.h"
#include "daemon/supervisor_protocol.h"
#include "resources/uv_handle.h"

namespace hacluster::daemon {

class SupervisorLink final : public Supervision {
public:
    // Forks the supervisor. Call before any event loop or thread exists. In the
    // child this never returns: it runs the supervisor and exits. argv is
    // rewritten there so that ps and pkill -f tell the two processes apart
    // ("hacluster-supervisor [NODE]").
    // lock_fd: the state-dir lock, kept by the supervisor (and handed to a
    // successor, with handover_path where it asks: daemon/handover.h).
    // not_inherited: a descriptor of the daemon's the supervisor closes (the
    // connection to a previous supervisor: its end must be seen), or -1.
    static std::variant<std::unique_ptr<SupervisorLink>, std::string> spawn(const DaemonConfig& config,
                                                                           agent::NodeId self, int lock_fd,
                                                                           const std::string& handover_path,
                                                                           int not_inherited, int argc,
                                                                           char** argv);
    // Closes the pipes: the supervisor sees the daemon gone, stops what is still
    // guarded, and exits.
    ~SupervisorLink() override;
    SupervisorLink(const SupervisorLink&) = delete;
    SupervisorLink& operator=(const SupervisorLink&) = delete;

    // Watches the report pipe: on_report when reports wait (feed them), on_lost
    // once when the supervisor is gone (nothing guards this node any more).
    void attach(uv_loop_t* loop, std::function<void()> on_report, std::function<void()> on_lost);
    // Stops watching (before the loop is closed); the pipes stay open.
    void detach() { poll_.reset(); }

    void guard(const agent::out::Guard& guard) override;
    // A script of the daemon's started or ended (ProcessRunner::observe_groups).
    void script(int pgid, bool running);
    void alive() override;
    std::vector<agent::in::SupervisorStop> take_reports() override;

    pid_t pid() const { return pid_; }

private:
    SupervisorLink(pid_t pid, int guard_fd, int report_fd, std::atomic<std::uint64_t>* beat);

    pid_t pid_;
    int guard_fd_;   // write end
    int report_fd_;  // read end, non-blocking
    std::atomic<std::uint64_t>* beat_;  // shared page
    LineSplitter lines_;
    bool lost_ = false;
    resources::UvHandle<uv_poll_t> poll_;
    std::function<void()> on_report_;
    std::function<void()> on_lost_;
};

}  // namespace hacluster::daemon
