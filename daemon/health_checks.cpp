#include "daemon/health_checks.h"

#include <spdlog/spdlog.h>

namespace hacluster::daemon {

namespace {

std::shared_ptr<spdlog::logger> health_logger() {
    auto l = spdlog::get("main");
    return l ? l : spdlog::default_logger();
}

// A check script is a probe, not a service: it gets less time to clean up than
// a resource script before the group is killed.
constexpr auto script_kill_grace = std::chrono::milliseconds(500);
constexpr std::size_t script_output_limit = 512;

std::string first_line(const std::string& text) {
    std::string line = text.substr(0, text.find('\n'));
    if (line.size() > 120) line = line.substr(0, 120) + "...";
    return line;
}

ProbeResult script_verdict(const resources::ProcessResult& r, const HealthCheckConfig& check) {
    const std::string said = first_line(r.output);
    const std::string tail = said.empty() ? "" : ": " + said;
    switch (r.status) {
        case agent::ExecStatus::done:
            return {r.exit_code == 0, "exit " + std::to_string(r.exit_code) + tail};
        case agent::ExecStatus::timed_out:
            return {false, "timed out after " + std::to_string(agent::to_ms(check.timeout)) + " ms"};
        case agent::ExecStatus::killed:
            return {false, "killed by signal " + std::to_string(r.term_signal)};
        case agent::ExecStatus::spawn_failed:
            // The runner's reason already names the program.
            return {false, said.empty() ? "cannot run " + check.path : said};
        case agent::ExecStatus::cancelled:
            break;
    }
    return {false, "cancelled"};
}

}  // namespace

bool Hysteresis::record(bool ok) {
    streak_ = last_ == ok ? streak_ + 1 : 1;
    last_ = ok;
    const bool flip = passing_ ? (!ok && streak_ >= fall_) : (ok && streak_ >= rise_);
    if (flip) passing_ = !passing_;
    return flip;
}

struct HealthChecks::Check {
    HealthChecks* owner = nullptr;
    HealthCheckConfig config;
    Hysteresis hysteresis;
    std::optional<bool> last_ok;
    std::string message = "not run yet";
    resources::UvHandle<uv_timer_t> timer;
    bool running = false;
    NetProbe* net = nullptr;
    // A statfs in libuv's thread pool cannot be cancelled (a hung NFS mount keeps
    // it forever): the request outlives a check that gave up waiting for it, and
    // the check starts no other while it is out.
    struct Statfs {
        uv_fs_t req{};
        Check* check = nullptr;  // null once the check is gone
        bool abandoned = false;  // timed out: its result is not wanted
    };
    Statfs* statfs = nullptr;  // in flight (also after a timeout)

    Check(HealthChecks* o, HealthCheckConfig c)
        : owner(o), config(std::move(c)), hysteresis(config.rise, config.fall) {}
    ~Check() {
        if (net != nullptr) net->abandon();
        if (statfs != nullptr) statfs->check = nullptr;
    }
};

HealthChecks::HealthChecks(uv_loop_t* loop, std::string node, std::vector<HealthCheckConfig> checks)
    : loop_(loop), node_(std::move(node)), runner_(loop) {
    for (HealthCheckConfig& c : checks) {
        auto check = std::make_unique<Check>(this, std::move(c));
        check->timer.init(check.get(), [&](uv_timer_t* h) { return uv_timer_init(loop_, h); });
        checks_.push_back(std::move(check));
    }
}

HealthChecks::~HealthChecks() = default;

void HealthChecks::start(Changed changed) {
    changed_ = std::move(changed);
    for (auto& check : checks_) schedule(*check, 0);
}

void HealthChecks::schedule(Check& check, std::uint64_t after_ms) {
    uv_timer_start(check.timer.get(),
                   [](uv_timer_t* t) noexcept {
                       auto* c = static_cast<Check*>(t->data);
                       if (c == nullptr) return;
                       if (!c->running) {
                           c->owner->run(*c);
                       } else if (c->statfs != nullptr) {
                           // The statfs did not return within the timeout.
                           c->statfs->abandoned = true;
                           c->owner->on_result(*c, {false, "statfs of " + c->config.path + " did not return within " +
                                                               std::to_string(agent::to_ms(c->config.timeout)) + " ms"});
                       }
                   },
                   after_ms, 0);
}

void HealthChecks::run(Check& check) {
    const HealthCheckConfig& c = check.config;
    check.running = true;
    switch (c.type) {
        case HealthCheckType::script: {
            resources::ProcessSpec spec;
            spec.argv = {c.path};
            spec.env = {"HACLUSTER_NODE=" + node_, "HACLUSTER_CHECK=" + c.name,
                        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
            spec.timeout = c.timeout;
            spec.kill_grace = script_kill_grace;
            spec.output_limit = script_output_limit;
            runner_.run(std::move(spec), [this, &check](resources::ProcessId, resources::ProcessResult r) {
                on_result(check, script_verdict(r, check.config));
            });
            return;
        }
        case HealthCheckType::tcp:
        case HealthCheckType::http:
            check.net = NetProbe::start(loop_, c, [this, &check](ProbeResult r) {
                check.net = nullptr;
                on_result(check, std::move(r));
            });
            return;
        case HealthCheckType::link:
            on_result(check, probe_link(c.interface));
            return;
        case HealthCheckType::memory:
            on_result(check, probe_memory(c));
            return;
        case HealthCheckType::disk: {
            if (check.statfs != nullptr) {
                on_result(check, {false, "the previous statfs of " + c.path + " has not returned yet"});
                return;
            }
            auto* request = new Check::Statfs;
            request->check = &check;
            request->req.data = request;
            const int rc = uv_fs_statfs(loop_, &request->req, c.path.c_str(), [](uv_fs_t* req) noexcept {
                auto* r = static_cast<Check::Statfs*>(req->data);
                if (Check* chk = r->check; chk != nullptr) chk->statfs = nullptr;
                if (Check* chk = r->check; chk != nullptr && !r->abandoned) {
                    uv_timer_stop(chk->timer.get());
                    ProbeResult result =
                        req->result < 0
                            ? ProbeResult{false, "statfs " + chk->config.path + ": " +
                                                     uv_strerror(static_cast<int>(req->result))}
                            : judge_disk(*static_cast<uv_statfs_t*>(req->ptr), chk->config);
                    chk->owner->on_result(*chk, std::move(result));
                }
                uv_fs_req_cleanup(req);
                delete r;
            });
            if (rc != 0) {
                delete request;
                on_result(check, {false, std::string("statfs ") + c.path + ": " + uv_strerror(rc)});
                return;
            }
            check.statfs = request;
            schedule(check, static_cast<std::uint64_t>(agent::to_ms(c.timeout)));
            return;
        }
    }
}

void HealthChecks::on_result(Check& check, ProbeResult result) {
    check.running = false;
    check.last_ok = result.ok;
    check.message = std::move(result.message);
    if (check.hysteresis.record(result.ok)) {
        if (check.hysteresis.passing()) {
            health_logger()->info("health check {} passes again | type={} message={}", check.config.name,
                                  to_string(check.config.type), check.message);
        } else {
            health_logger()->warn("health check {} failed | type={} failures={} message={}", check.config.name,
                                  to_string(check.config.type), check.hysteresis.consecutive(), check.message);
        }
    }
    schedule(check, static_cast<std::uint64_t>(agent::to_ms(check.config.interval)));
    const bool now_healthy = healthy();
    if (now_healthy == reported_healthy_) return;
    reported_healthy_ = now_healthy;
    if (changed_) changed_(agent::in::Health{now_healthy, now_healthy ? "all health checks pass" : reason()});
}

bool HealthChecks::healthy() const {
    for (const auto& c : checks_) {
        if (!c->hysteresis.passing()) return false;
    }
    return true;
}

std::string HealthChecks::reason() const {
    for (const auto& c : checks_) {
        if (!c->hysteresis.passing()) return c->config.name + " failed: " + c->message;
    }
    return "";
}

std::vector<HealthCheckStatus> HealthChecks::status() const {
    std::vector<HealthCheckStatus> out;
    for (const auto& c : checks_) {
        out.push_back(HealthCheckStatus{c->config.name, c->config.type, c->hysteresis.passing(),
                                        c->hysteresis.consecutive(), c->last_ok, c->message});
    }
    return out;
}

}  // namespace hacluster::daemon
