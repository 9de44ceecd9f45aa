#pragma once
// haclusterd under systemd's Type=notify (packaging/haclusterd.service.in) through
// libsystemd's sd_notify: READY=1 once the start-up probe is done and the node has
// joined, STATUS= lines (quorum, groups held here), WATCHDOG=1 pings while the
// core is being fed, STOPPING=1 on a graceful leave. Without $NOTIFY_SOCKET
// (not started by systemd) every call is a no-op.
#include <uv.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daemon/daemon_shell.h"
#include "resources/uv_handle.h"

namespace hacluster::daemon {

// What the daemon's status says about joining: ready once the core runs and
// quorum is decided (won or lost), or, with quorum still pending (wait_for_all on
// a cold cluster), once the core has run for join_bound: `systemctl start` must
// not wait for the other nodes forever.
[[nodiscard]] bool joined(const nlohmann::json& status, std::chrono::milliseconds core_running,
                          std::chrono::milliseconds join_bound);

// The STATUS= line for a status() object (ctl/PROTOCOL.md "status"):
// "quorum won (2/3 votes) · primary here: web, db · 2/3 groups running · coordinator n1".
[[nodiscard]] std::string status_line(const nlohmann::json& status);

class SystemdNotifier {
public:
    // nullopt from status while the daemon is starting (the probe runs).
    using StatusSource = std::function<std::optional<nlohmann::json>()>;
    SystemdNotifier(uv_loop_t* loop, StatusSource status, std::chrono::milliseconds join_bound);
    ~SystemdNotifier();
    SystemdNotifier(const SystemdNotifier&) = delete;
    SystemdNotifier& operator=(const SystemdNotifier&) = delete;

    // Under systemd: STATUS=probing, then its timers. Else nothing.
    void start();
    // The core was fed (called with every input): the loop does its work.
    void alive() { fed_ = true; }
    // SIGTERM: the graceful leave has begun.
    void stopping();
    // Closes the timers (before the loop is closed).
    void close();

    bool enabled() const { return enabled_; }
    bool ready() const { return ready_; }
    // Half of WatchdogSec= (sd_watchdog_enabled), nullopt without a watchdog.
    std::optional<std::chrono::milliseconds> watchdog_interval() const { return watchdog_interval_; }

private:
    void poll() noexcept;
    void ping() noexcept;
    void send(const std::string& state);

    uv_loop_t* loop_;
    StatusSource status_;
    std::chrono::milliseconds join_bound_;
    bool enabled_ = false;
    bool ready_ = false;
    bool fed_ = false;
    bool stopping_ = false;
    std::optional<std::uint64_t> core_since_ms_;  // uv_now when the core first answered
    std::string last_status_;
    std::optional<std::chrono::milliseconds> watchdog_interval_;
    resources::UvHandle<uv_timer_t> poll_timer_;
    resources::UvHandle<uv_timer_t> watchdog_timer_;
};

// The supervisor link with the notifier beside it: every alive() the shell gives
// with an input also tells the watchdog the loop works (haclusterd.cpp).
class NotifyingSupervision final : public Supervision {
public:
    NotifyingSupervision(Supervision& inner, SystemdNotifier& notifier) : inner_(inner), notifier_(notifier) {}
    void guard(const agent::out::Guard& guard) override { inner_.guard(guard); }
    void alive() override {
        inner_.alive();
        notifier_.alive();
    }
    std::vector<agent::in::SupervisorStop> take_reports() override { return inner_.take_reports(); }

private:
    Supervision& inner_;
    SystemdNotifier& notifier_;
};

}  // namespace hacluster::daemon
