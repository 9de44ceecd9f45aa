#include "daemon/systemd_notify.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace hacluster::daemon {

namespace {

std::shared_ptr<spdlog::logger> log() {
    auto l = spdlog::get("main");
    return l ? l : spdlog::default_logger();
}

// Until READY: often enough that `systemctl start` returns promptly after the join.
constexpr std::uint64_t joining_poll_ms = 50;
// After READY: how often STATUS= may change (it is sent only when it did).
constexpr std::uint64_t status_poll_ms = 1000;

std::string text_of(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool joined(const nlohmann::json& status, std::chrono::milliseconds core_running,
            std::chrono::milliseconds join_bound) {
    const auto quorum = status.find("quorum");
    const std::string state = quorum != status.end() && quorum->is_object() ? text_of(*quorum, "state") : "";
    return state == "won" || state == "lost" || core_running >= join_bound;
}

std::string status_line(const nlohmann::json& status) {
    std::string line;
    const auto quorum = status.find("quorum");
    if (quorum != status.end() && quorum->is_object()) {
        line = "quorum " + text_of(*quorum, "state");
        if (quorum->contains("votes") && quorum->contains("total")) {
            line += " (" + quorum->at("votes").dump() + "/" + quorum->at("total").dump() + " votes)";
        }
    }
    const std::string self = text_of(status, "node");
    std::string held;
    std::size_t total = 0, running = 0;
    const auto groups = status.find("groups");
    if (groups != status.end() && groups->is_array()) {
        for (const nlohmann::json& g : *groups) {
            if (!g.is_object()) continue;
            ++total;
            if (text_of(g, "state") == "running") ++running;
            if (!self.empty() && text_of(g, "primary") == self) held += (held.empty() ? "" : ", ") + text_of(g, "name");
        }
    }
    line += std::string(line.empty() ? "" : " · ") + "primary here: " + (held.empty() ? "none" : held);
    line += " · " + std::to_string(running) + "/" + std::to_string(total) + " groups running";
    const std::string coordinator = text_of(status, "coordinator");
    if (!coordinator.empty()) line += " · coordinator " + coordinator;
    return line;
}

SystemdNotifier::SystemdNotifier(uv_loop_t* loop, StatusSource status, std::chrono::milliseconds join_bound)
    : loop_(loop), status_(std::move(status)), join_bound_(join_bound) {}

SystemdNotifier::~SystemdNotifier() { close(); }

void SystemdNotifier::close() {
    poll_timer_.reset();
    watchdog_timer_.reset();
}

void SystemdNotifier::send(const std::string& state) {
    if (!enabled_) return;
    if (const int rc = sd_notify(0, state.c_str()); rc < 0) {
        log()->warn("cannot notify systemd | state={} error={}", state, std::strerror(-rc));
    }
}

void SystemdNotifier::start() {
    // sd_notify says 0 without $NOTIFY_SOCKET: then nothing here is needed.
    enabled_ = sd_notify(0, "STATUS=probing resources before joining") > 0;
    if (!enabled_) return;
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        // systemd's advice: ping at half the interval.
        watchdog_interval_ = std::chrono::milliseconds(std::max<std::uint64_t>(1, usec / 2000));
        watchdog_timer_.init(this, [&](uv_timer_t* h) { return uv_timer_init(loop_, h); });
        const auto ms = static_cast<std::uint64_t>(watchdog_interval_->count());
        uv_timer_start(watchdog_timer_.get(),
                       [](uv_timer_t* t) noexcept {
                           if (t->data != nullptr) static_cast<SystemdNotifier*>(t->data)->ping();
                       },
                       ms, ms);
    }
    poll_timer_.init(this, [&](uv_timer_t* h) { return uv_timer_init(loop_, h); });
    uv_timer_start(poll_timer_.get(),
                   [](uv_timer_t* t) noexcept {
                       if (t->data != nullptr) static_cast<SystemdNotifier*>(t->data)->poll();
                   },
                   joining_poll_ms, joining_poll_ms);
}

void SystemdNotifier::stopping() {
    stopping_ = true;
    send("STOPPING=1\nSTATUS=leaving the cluster: releasing groups");
}

void SystemdNotifier::ping() noexcept {
    // The watchdog proves the core is stepped, not only that a timer fires: an
    // input fed since the last ping (a tick comes every tick_ms). While leaving,
    // inputs stop once the core is done; the loop itself is then what counts.
    if (!fed_ && !stopping_) return;
    fed_ = false;
    send("WATCHDOG=1");
}

void SystemdNotifier::poll() noexcept {
    if (stopping_) return;
    try {
        const std::optional<nlohmann::json> status = status_();
        if (!status) return;  // the start-up probe still runs
        if (!core_since_ms_) core_since_ms_ = uv_now(loop_);
        const std::string line = status_line(*status);
        if (!ready_) {
            const auto running = std::chrono::milliseconds(uv_now(loop_) - *core_since_ms_);
            if (!joined(*status, running, join_bound_)) {
                if (line != last_status_) send("STATUS=joining: " + line);
                last_status_ = line;
                return;
            }
            ready_ = true;
            send("READY=1\nSTATUS=" + line);
            last_status_ = line;
            log()->info("told systemd the node is ready | status={}", line);
            uv_timer_set_repeat(poll_timer_.get(), status_poll_ms);
            return;
        }
        if (line != last_status_) send("STATUS=" + line);
        last_status_ = line;
    } catch (const std::exception& e) {
        log()->warn("systemd status not updated | error={}", e.what());
    }
}

}  // namespace hacluster::daemon
