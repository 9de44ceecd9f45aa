#pragma once
// What the resource layer needs to know about one resource. The daemon's config
// loader already defines it (daemon/config_loader.h: name, agent, params, optional
// timeouts and monitor interval); this header reuses that struct so there is one
// definition, and adds the defaults for what the config leaves out.
//
// agent is either a bundled agent name ("vip": scripts/vip) or an absolute path to
// an executable; both belong to the class `script` (resources/CONTRACT.md).
#include <chrono>

#include "daemon/config_loader.h"

namespace hacluster::resources {

using ResourceConfig = daemon::ResourceConfig;

// Operation defaults when the config gives none.
inline constexpr std::chrono::seconds default_operation_timeout{20};  // Pacemaker's default op timeout
inline constexpr std::chrono::seconds default_monitor_interval{10};   // Pacemaker's usual example interval

// Pacemaker's migration-threshold is "never move" by default; a failover manager
// whose users expect a broken service to move: two restarts in place, the third
// failure moves the group.
inline constexpr std::int64_t default_max_failures = 3;

inline std::int64_t max_failures(const ResourceConfig& r) { return r.max_failures.value_or(default_max_failures); }
inline std::chrono::nanoseconds start_timeout(const ResourceConfig& r) {
    return r.start_timeout.value_or(default_operation_timeout);
}
inline std::chrono::nanoseconds stop_timeout(const ResourceConfig& r) {
    return r.stop_timeout.value_or(default_operation_timeout);
}
inline std::chrono::nanoseconds monitor_timeout(const ResourceConfig& r) {
    return r.monitor_timeout.value_or(default_operation_timeout);
}
inline std::chrono::nanoseconds monitor_interval(const ResourceConfig& r) {
    return r.monitor_interval.value_or(default_monitor_interval);
}

}  // namespace hacluster::resources
