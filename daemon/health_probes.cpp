#include "daemon/health_probes.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "agent/types.h"

namespace hacluster::daemon {

namespace {

// The status line is all an http check reads; a server sending more before its
// first line break is not answering HTTP.
constexpr std::size_t max_status_line = 1024;

std::string percent_text(double p) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g%%", p);
    return buf;
}

std::string read_small_file(const std::string& path) {
    std::ifstream in(path);
    std::string text;
    std::getline(in, text);
    return text;
}

}  // namespace

NetProbe::NetProbe(const HealthCheckConfig& check, ProbeDone done)
    : http_(check.type == HealthCheckType::http),
      expect_min_(check.expect_min),
      expect_max_(check.expect_max),
      done_(std::move(done)) {
    if (http_) {
        const bool v6 = check.host.find(':') != std::string::npos;
        request_ = "GET " + check.url_path + " HTTP/1.0\r\nHost: " + (v6 ? "[" + check.host + "]" : check.host) +
                   ":" + std::to_string(check.port) + "\r\nUser-Agent: haclusterd\r\nConnection: close\r\n\r\n";
    }
}

NetProbe* NetProbe::start(uv_loop_t* loop, const HealthCheckConfig& check, ProbeDone done) {
    auto* p = new NetProbe(check, std::move(done));
    uv_tcp_init(loop, &p->tcp_);
    uv_timer_init(loop, &p->timer_);
    p->tcp_.data = p->timer_.data = p->connect_.data = p->write_.data = p;
    p->open_handles_ = 2;
    const std::uint64_t timeout_ms = static_cast<std::uint64_t>(agent::to_ms(check.timeout));
    p->timeout_ms_ = timeout_ms;
    sockaddr_storage addr{};
    int rc = check.host.find(':') != std::string::npos
                 ? uv_ip6_addr(check.host.c_str(), check.port, reinterpret_cast<sockaddr_in6*>(&addr))
                 : uv_ip4_addr(check.host.c_str(), check.port, reinterpret_cast<sockaddr_in*>(&addr));
    if (rc == 0) {
        rc = uv_tcp_connect(&p->connect_, &p->tcp_, reinterpret_cast<const sockaddr*>(&addr),
                            [](uv_connect_t* req, int status) noexcept {
                                auto* self = static_cast<NetProbe*>(req->data);
                                if (self->finished_) return;
                                if (status != 0) {
                                    self->finish({false, std::string("connect failed: ") + uv_strerror(status)});
                                } else {
                                    self->on_connected();
                                }
                            });
    }
    if (rc != 0) {
        // Reported from the loop like every other result: the caller is never
        // re-entered from inside start().
        p->response_ = std::string("connect failed: ") + uv_strerror(rc);
        uv_timer_start(&p->timer_, [](uv_timer_t* t) noexcept {
            auto* self = static_cast<NetProbe*>(t->data);
            self->finish({false, self->response_});
        }, 0, 0);
        return p;
    }
    uv_timer_start(&p->timer_, [](uv_timer_t* t) noexcept {
        auto* self = static_cast<NetProbe*>(t->data);
        self->finish({false, std::string(self->http_ ? "no answer" : "no connection") + " within " +
                                 std::to_string(self->timeout_ms_) + " ms"});
    }, timeout_ms, 0);
    return p;
}

void NetProbe::on_connected() noexcept {
    if (!http_) {
        finish({true, "connected"});
        return;
    }
    uv_buf_t buf = uv_buf_init(request_.data(), static_cast<unsigned>(request_.size()));
    const int rc = uv_write(&write_, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1,
                            [](uv_write_t* req, int status) noexcept {
                                auto* self = static_cast<NetProbe*>(req->data);
                                if (!self->finished_ && status != 0) {
                                    self->finish({false, std::string("send failed: ") + uv_strerror(status)});
                                }
                            });
    if (rc != 0) {
        finish({false, std::string("send failed: ") + uv_strerror(rc)});
        return;
    }
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&tcp_),
        [](uv_handle_t*, std::size_t, uv_buf_t* buf) noexcept {
            static thread_local char storage[max_status_line];
            *buf = uv_buf_init(storage, sizeof storage);
        },
        [](uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
            auto* self = static_cast<NetProbe*>(stream->data);
            if (self->finished_) return;
            if (nread == UV_EOF) {
                self->finish({false, "connection closed before a status line"});
            } else if (nread < 0) {
                self->finish({false, std::string("receive failed: ") + uv_strerror(static_cast<int>(nread))});
            } else if (nread > 0) {
                self->on_read(std::string_view(buf->base, static_cast<std::size_t>(nread)));
            }
        });
}

void NetProbe::on_read(std::string_view bytes) noexcept {
    response_.append(bytes.substr(0, max_status_line - std::min(max_status_line, response_.size())));
    const std::size_t eol = response_.find('\n');
    if (eol != std::string::npos) {
        std::string_view line(response_.data(), eol);
        if (line.ends_with('\r')) line.remove_suffix(1);
        finish(judge_status_line(line, expect_min_, expect_max_));
    } else if (response_.size() >= max_status_line) {
        finish({false, "no status line in the first " + std::to_string(max_status_line) + " bytes"});
    }
}

void NetProbe::finish(ProbeResult result) noexcept {
    if (finished_) return;
    finished_ = true;
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &NetProbe::on_close);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &NetProbe::on_close);
    ProbeDone done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(result));
}

void NetProbe::abandon() noexcept {
    done_ = nullptr;
    finish({});
}

void NetProbe::on_close(uv_handle_t* handle) noexcept {
    auto* self = static_cast<NetProbe*>(handle->data);
    if (--self->open_handles_ == 0) delete self;
}

ProbeResult judge_status_line(std::string_view line, int expect_min, int expect_max) {
    const std::string shown(line.substr(0, 80));
    if (!line.starts_with("HTTP/") || line.size() < 12 || line[8] != ' ') {
        return {false, "not an HTTP status line: \"" + shown + "\""};
    }
    int status = 0;
    for (std::size_t i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9') return {false, "not an HTTP status line: \"" + shown + "\""};
        status = status * 10 + (line[i] - '0');
    }
    const std::string expected = expect_min == expect_max
                                     ? std::to_string(expect_min)
                                     : std::to_string(expect_min) + "-" + std::to_string(expect_max);
    if (status < expect_min || status > expect_max) {
        return {false, "status " + std::to_string(status) + ", expected " + expected};
    }
    return {true, "status " + std::to_string(status)};
}

ProbeResult probe_link(const std::string& interface, const std::string& sys_class_net) {
    const std::string dir = sys_class_net + "/" + interface;
    std::ifstream operstate_file(dir + "/operstate");
    if (!operstate_file) return {false, "no interface " + interface};
    std::string operstate;
    std::getline(operstate_file, operstate);
    // Reading carrier of an interface that is down fails with EINVAL: no carrier.
    const std::string carrier = read_small_file(dir + "/carrier");
    if (operstate == "up" || (operstate == "unknown" && carrier == "1")) {
        return {true, interface + " is " + operstate + (carrier == "1" ? ", carrier 1" : "")};
    }
    return {false, interface + " is " + (operstate.empty() ? "in no state" : operstate) +
                       (carrier.empty() ? "" : ", carrier " + carrier)};
}

ProbeResult judge_disk(const uv_statfs_t& fs, const HealthCheckConfig& check) {
    const double block = static_cast<double>(fs.f_bsize);
    const double total_mb = static_cast<double>(fs.f_blocks) * block / (1024.0 * 1024.0);
    const double free_mb = static_cast<double>(fs.f_bavail) * block / (1024.0 * 1024.0);
    const double free_percent = fs.f_blocks == 0 ? 0.0 : 100.0 * static_cast<double>(fs.f_bavail) /
                                                           static_cast<double>(fs.f_blocks);
    const std::string seen = percent_text(free_percent) + " free (" +
                             std::to_string(static_cast<std::int64_t>(free_mb)) + " MB of " +
                             std::to_string(static_cast<std::int64_t>(total_mb)) + " MB)";
    if (check.min_free_percent && free_percent < *check.min_free_percent) {
        return {false, percent_text(free_percent) + " free < " + percent_text(*check.min_free_percent)};
    }
    if (check.min_free_mb && free_mb < static_cast<double>(*check.min_free_mb)) {
        return {false, std::to_string(static_cast<std::int64_t>(free_mb)) + " MB free < " +
                           std::to_string(*check.min_free_mb) + " MB"};
    }
    return {true, seen};
}

ProbeResult judge_memory(std::string_view meminfo, const HealthCheckConfig& check) {
    std::optional<std::int64_t> total_kb, available_kb;
    std::istringstream in{std::string(meminfo)};
    std::string key;
    std::int64_t value = 0;
    std::string unit;
    while (in >> key >> value) {
        std::getline(in, unit);
        if (key == "MemTotal:") total_kb = value;
        if (key == "MemAvailable:") available_kb = value;
    }
    if (!available_kb || !total_kb || *total_kb <= 0) return {false, "no MemAvailable/MemTotal in /proc/meminfo"};
    const std::int64_t available_mb = *available_kb / 1024;
    const double percent = 100.0 * static_cast<double>(*available_kb) / static_cast<double>(*total_kb);
    if (check.min_available_mb && available_mb < *check.min_available_mb) {
        return {false, std::to_string(available_mb) + " MB available < " + std::to_string(*check.min_available_mb) +
                           " MB"};
    }
    if (check.min_available_percent && percent < *check.min_available_percent) {
        return {false, percent_text(percent) + " available < " + percent_text(*check.min_available_percent)};
    }
    return {true, std::to_string(available_mb) + " MB available (" + percent_text(percent) + ")"};
}

ProbeResult probe_memory(const HealthCheckConfig& check) {
    std::ifstream in("/proc/meminfo");
    if (!in) return {false, "cannot read /proc/meminfo"};
    std::ostringstream text;
    text << in.rdbuf();
    return judge_memory(text.str(), check);
}

}  // namespace hacluster::daemon
