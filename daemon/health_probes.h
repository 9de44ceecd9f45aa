#pragma once
// The probes behind the health check types (daemon/health_checks.h): each gives
// one verdict, ok or not with a short message an operator can act on. The
// network probes run on the loop and never block it; the file probes read
// procfs/sysfs, which answer from memory.
#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "agent/types.h"
#include "daemon/health_check_config.h"

namespace hacluster::daemon {

struct ProbeResult {
    bool ok = false;
    std::string message;  // "connected", "status 503", "3% free < 10%"
};
using ProbeDone = std::function<void(ProbeResult)>;

// A TCP connection (tcp) or a plain HTTP/1.0 GET (http) that ends within the
// check's timeout. The session owns its handles and frees itself once they are
// closed; abandon() ends it without calling done (the check goes away).
class NetProbe {
public:
    static NetProbe* start(uv_loop_t* loop, const HealthCheckConfig& check, ProbeDone done);
    void abandon() noexcept;

private:
    NetProbe(const HealthCheckConfig& check, ProbeDone done);
    void finish(ProbeResult result) noexcept;
    void on_connected() noexcept;
    void on_read(std::string_view bytes) noexcept;
    static void on_close(uv_handle_t* handle) noexcept;

    uv_tcp_t tcp_{};
    uv_timer_t timer_{};
    uv_connect_t connect_{};
    uv_write_t write_{};
    std::string request_;
    std::string response_;  // up to the status line
    bool http_ = false;
    int expect_min_ = 200;
    int expect_max_ = 200;
    std::uint64_t timeout_ms_ = 0;
    int open_handles_ = 0;
    bool finished_ = false;
    ProbeDone done_;
};

// The verdict on a status line ("HTTP/1.1 503 Service Unavailable").
ProbeResult judge_status_line(std::string_view line, int expect_min, int expect_max);

// link: /sys/class/net/IF/operstate "up", or "unknown" with carrier 1 (lo and
// some virtual devices never report "up"). sys_class_net is for tests.
ProbeResult probe_link(const std::string& interface, const std::string& sys_class_net = "/sys/class/net");

// disk: free space of the file system (what an unprivileged user may use).
ProbeResult judge_disk(const uv_statfs_t& fs, const HealthCheckConfig& check);
// memory: MemAvailable (and MemTotal for a percentage) from /proc/meminfo text.
ProbeResult judge_memory(std::string_view meminfo, const HealthCheckConfig& check);
ProbeResult probe_memory(const HealthCheckConfig& check);

}  // namespace hacluster::daemon
