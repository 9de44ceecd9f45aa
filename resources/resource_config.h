#pragma once
// What the resource layer needs to know about one resource. The daemon's config
// loader already defines it (daemon/config_loader.h: name, agent, params, optional
// timeouts and monitor interval); this header reuses that struct so there is one
// definition, and adds the defaults for what the config leaves out.
//
// agent is either a bundled agent name ("vip": scripts/vip) or an absolute path to
// an executable; both belong to the class `script` (resources/CONTRACT.md).
#include <algorithm>
#include <chrono>
#include <vector>

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
// The stop budget of a resource when its config gives none (README "Stop
// budgets"), from stops measured on a 2-core machine under full CPU load
// (stress-ng --cpu 2): the bundled vip's stop took 10-35 ms; the other classes
// fork an agent whose stop took up to 140 ms (IPaddr2; Dummy and an init script
// 20 ms): 500 ms is 3.5 times that. An overrun is escalated (design §4.8).
inline constexpr std::chrono::milliseconds vip_stop_budget{100};
inline constexpr std::chrono::milliseconds forked_stop_budget{500};
inline bool is_bundled_vip(const ResourceConfig& r) { return r.agent == "vip"; }
inline std::chrono::nanoseconds default_stop_timeout(const ResourceConfig& r) {
    return is_bundled_vip(r) ? std::chrono::nanoseconds(vip_stop_budget)
                             : std::chrono::nanoseconds(forked_stop_budget);
}
inline std::chrono::nanoseconds stop_timeout(const ResourceConfig& r) {
    return r.stop_timeout.value_or(default_stop_timeout(r));
}
// A group's stop budget when it sets none: its resources stop one after the
// other, so the sum; an empty group has nothing to stop but still a budget.
inline constexpr std::chrono::milliseconds min_group_stop_budget{10};
inline std::chrono::nanoseconds group_stop_budget(const std::vector<ResourceConfig>& resources) {
    std::chrono::nanoseconds sum{};
    for (const ResourceConfig& r : resources) sum += stop_timeout(r);
    return std::max<std::chrono::nanoseconds>(sum, min_group_stop_budget);
}
inline std::chrono::nanoseconds monitor_timeout(const ResourceConfig& r) {
    return r.monitor_timeout.value_or(default_operation_timeout);
}
inline std::chrono::nanoseconds monitor_interval(const ResourceConfig& r) {
    return r.monitor_interval.value_or(default_monitor_interval);
}

}  // namespace hacluster::resources
