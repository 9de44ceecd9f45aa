#include "daemon/stop_budgets.h"

#include <sstream>

#include "agent/timing.h"
#include "resources/resource_config.h"

namespace hacluster::daemon {

namespace {

std::string ms(agent::Duration d) {
    std::ostringstream out;
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    out << us / 1000;
    if (us % 1000 != 0) out << '.' << (us % 1000) / 100;
    out << " ms";
    return out.str();
}

}  // namespace

std::string explain_stop_budgets(const DaemonConfig& config) {
    std::ostringstream out;
    out << "stop budgets (a stop not done in time is escalated: kill, remove addresses, self_fence "
        << agent::to_string(config.cluster.self_fence) << "):\n";
    for (std::size_t g = 0; g < config.cluster.groups.size(); ++g) {
        const agent::GroupConfig& group = config.cluster.groups[g];
        const std::vector<ResourceConfig>& rs = g < config.resources.size() ? config.resources[g]
                                                                             : std::vector<ResourceConfig>{};
        const bool set = g < config.stop_budget_set.size() && config.stop_budget_set[g];
        out << "  group " << group.name << ": stop budget " << ms(group.stop_timeout)
            << (set ? " (groups[].stop_timeout_ms)" : " (the sum of its resources' budgets)") << "\n";
        // Stop order: the reverse of the start order.
        for (auto it = rs.rbegin(); it != rs.rend(); ++it) {
            const ResourceConfig& r = *it;
            out << "    " << r.name << " (" << r.agent << "): " << ms(resources::stop_timeout(r))
                << (r.stop_timeout ? " (stop_timeout_ms)"
                                   : resources::is_bundled_vip(r) ? " (vip default)"
                                                                 : " (default for a forked agent)")
                << "\n";
            if (r.advertised_stop_timeout && *r.advertised_stop_timeout > group.stop_timeout) {
                out << "    warning: " << r.agent << "'s meta-data advertises a stop timeout of "
                    << ms(*r.advertised_stop_timeout) << ", longer than the group's budget " << ms(group.stop_timeout)
                    << ": a stop that takes that long is escalated; measure the agent's stop here and set "
                       "stop_timeout_ms if it needs more\n";
            }
        }
        const agent::GroupTiming t = agent::group_timing(config.cluster, group);
        out << "    worst-case crash failover " << ms(t.failover_bound) << " (lease " << ms(t.lease)
            << ") plus the start\n";
    }
    if (config.cluster.self_fence == agent::SelfFence::off) {
        out << "warning: self_fence is off: UNSAFE — a stop that hangs on a node cut off from the cluster "
               "leaves its group running there while another node starts it\n";
    }
    return out.str();
}

}  // namespace hacluster::daemon
