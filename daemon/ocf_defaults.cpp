#include "daemon/ocf_defaults.h"

#include <map>
#include <string>
#include <variant>

#include "resources/ocf_metadata.h"

namespace hacluster::daemon {

namespace {

// The same bound as the loader's duration fields (config_loader.cpp).
constexpr std::chrono::milliseconds max_default{std::numeric_limits<std::int32_t>::max()};

void take(std::optional<agent::Duration>& field, const std::optional<std::chrono::nanoseconds>& from_agent) {
    if (field || !from_agent || *from_agent <= std::chrono::nanoseconds::zero() || *from_agent > max_default) return;
    field = std::chrono::duration_cast<agent::Duration>(*from_agent);
}

}  // namespace

std::vector<LoadError> apply_ocf_metadata(DaemonConfig& config, const resources::ScriptDirs& dirs) {
    std::vector<LoadError> errors;
    std::map<std::string, std::variant<resources::OcfMetadata, std::string>> read;  // by agent name
    for (std::size_t g = 0; g < config.resources.size(); ++g) {
        for (std::size_t i = 0; i < config.resources[g].size(); ++i) {
            ResourceConfig& res = config.resources[g][i];
            if (!resources::is_ocf_agent(res.agent)) continue;
            const std::string path = "groups[" + std::to_string(g) + "].resources[" + std::to_string(i) + "]";
            auto parsed = resources::parse_ocf_agent(res.agent);
            if (auto* error = std::get_if<std::string>(&parsed)) {
                errors.push_back({path + ".agent", *error});  // parse_config reports it too
                continue;
            }
            auto it = read.find(res.agent);
            if (it == read.end()) {
                it = read.emplace(res.agent, resources::read_ocf_metadata(std::get<resources::OcfAgent>(parsed), dirs))
                         .first;
            }
            if (auto* error = std::get_if<std::string>(&it->second)) {
                errors.push_back({path + ".agent", *error});
                continue;
            }
            const auto& meta = std::get<resources::OcfMetadata>(it->second);
            for (const resources::OcfParameter& p : meta.parameters) {
                if (p.required && !res.params.contains(p.name)) {
                    errors.push_back({path + ".params", "the required parameter \"" + p.name + "\" of " + res.agent +
                                                            " is missing" +
                                                            (p.shortdesc.empty() ? "" : " (" + p.shortdesc + ")")});
                }
            }
            if (const auto* start = meta.action("start")) take(res.start_timeout, start->timeout);
            // Not the stop budget: agents advertise Pacemaker-style 20 s, which
            // would sit inside every lease; --check-config shows it beside ours.
            if (const auto* stop = meta.action("stop")) res.advertised_stop_timeout = stop->timeout;
            if (const auto* monitor = meta.action("monitor")) {
                take(res.monitor_timeout, monitor->timeout);
                take(res.monitor_interval, monitor->interval);
            }
        }
    }
    return errors;
}

}  // namespace hacluster::daemon
