#pragma once
// One entry of the config's top-level `health_checks` (README.md "Health
// checks"): what to probe, how often, and how many results in a row flip it.
// Parsed and checked by the config loader; run by daemon/health_checks.h.
#include <cstdint>
#include <optional>
#include <string>

#include "agent/types.h"

namespace hacluster::daemon {

enum class HealthCheckType : std::uint8_t { script, tcp, http, link, disk, memory };
const char* to_string(HealthCheckType type);

struct HealthCheckConfig {
    std::string name;
    HealthCheckType type = HealthCheckType::script;
    // keepalived's vrrp_script defaults are 1 s / fall 1; a node moving its groups
    // away on one slow probe is worse than noticing 4 s later.
    agent::Duration interval = std::chrono::milliseconds(2000);
    agent::Duration timeout = std::chrono::milliseconds(1000);  // half the interval: never overlaps itself
    int rise = 2;  // successes in a row that make a failing check pass again
    int fall = 3;  // failures in a row that make a passing check fail
    std::string path;         // script: the program; disk: a path on the file system
    std::string host;         // tcp, http: an IP address (no resolver in the way)
    std::uint16_t port = 0;   // tcp, http
    std::string url;          // http: as written
    std::string url_path;     // http: the request target, "/" when the URL has none
    int expect_min = 200;     // http: accepted status range
    int expect_max = 200;
    std::string interface;    // link
    std::optional<double> min_free_percent;       // disk
    std::optional<std::int64_t> min_free_mb;      // disk
    std::optional<std::int64_t> min_available_mb;       // memory
    std::optional<double> min_available_percent;        // memory
};

inline constexpr std::size_t max_health_checks = 32;
inline constexpr int max_rise_fall = 100;
// A probe that takes longer than a minute tells nothing a failover could wait for.
inline constexpr std::int64_t max_health_timeout_ms = 60'000;

}  // namespace hacluster::daemon
