#pragma once
// This node's health checks (README.md "Health checks"): each runs on its own
// timer, interval_ms after its previous result, and never blocks the loop.
// keepalived's track_script hysteresis: `fall` failures in a row make a passing
// check fail, `rise` successes in a row make a failing one pass. Every check
// starts passing, so a cold start is not delayed by the first `rise` results.
// The node is healthy while every check passes; each change of that verdict
// goes to the core as in::Health.
#include <uv.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/io.h"
#include "daemon/health_check_config.h"
#include "daemon/health_probes.h"
#include "resources/process_runner.h"
#include "resources/uv_handle.h"

namespace hacluster::daemon {

// rise/fall over a stream of results (pure: the tests drive it by counting).
class Hysteresis {
public:
    Hysteresis(int rise, int fall) : rise_(rise), fall_(fall) {}
    // Records one result; true when the state flipped.
    bool record(bool ok);
    bool passing() const { return passing_; }
    // Results in a row equal to the last one (0 before any).
    int consecutive() const { return streak_; }

private:
    int rise_;
    int fall_;
    bool passing_ = true;
    std::optional<bool> last_;
    int streak_ = 0;
};

struct HealthCheckStatus {
    std::string name;
    HealthCheckType type = HealthCheckType::script;
    bool passing = true;
    int consecutive = 0;
    std::optional<bool> last_ok;  // none before the first result
    std::string message;          // of the last result
};

class HealthChecks {
public:
    using Changed = std::function<void(const agent::in::Health&)>;

    // The loop must outlive this object.
    HealthChecks(uv_loop_t* loop, std::string node, std::vector<HealthCheckConfig> checks);
    ~HealthChecks();
    HealthChecks(const HealthChecks&) = delete;
    HealthChecks& operator=(const HealthChecks&) = delete;

    // Starts every check (its first run at once); changed() is called from the
    // loop whenever the aggregate verdict flips.
    void start(Changed changed);
    bool healthy() const;
    // "NAME failed: MESSAGE" of the first failing check, "" while healthy.
    std::string reason() const;
    std::vector<HealthCheckStatus> status() const;
    // Every script's process group as it starts and ends (the supervisor kills them
    // if the daemon dies).
    void observe_groups(resources::ProcessRunner::GroupObserver observer) {
        runner_.observe_groups(std::move(observer));
    }

private:
    struct Check;
    void run(Check& check);
    void on_result(Check& check, ProbeResult result);
    void schedule(Check& check, std::uint64_t after_ms);

    uv_loop_t* loop_;
    std::string node_;
    resources::ProcessRunner runner_;
    std::vector<std::unique_ptr<Check>> checks_;  // stable addresses: timers point at them
    Changed changed_;
    bool reported_healthy_ = true;
};

}  // namespace hacluster::daemon
