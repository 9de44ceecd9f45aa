#include "daemon/config_dump.h"

#include <cstdio>

#include "agent/config.h"
#include "daemon/hook_events.h"
#include "resources/resource_config.h"

namespace hacluster::daemon {

namespace {

using Json = nlohmann::ordered_json;

std::int64_t ms(agent::Duration d) { return agent::to_ms(d); }

Json resource_json(const ResourceConfig& r) {
    Json j;
    j["name"] = r.name;
    j["agent"] = r.agent;
    j["params"] = Json::object();
    for (const auto& [key, value] : r.params) j["params"][key] = value;
    j["start_timeout_ms"] = ms(resources::start_timeout(r));
    j["stop_timeout_ms"] = ms(resources::stop_timeout(r));
    j["monitor_interval_ms"] = ms(resources::monitor_interval(r));
    j["monitor_timeout_ms"] = ms(resources::monitor_timeout(r));
    j["max_failures"] = resources::max_failures(r);
    j["failure_expiry_s"] = r.failure_expiry_s;
    j["promotable"] = r.promotable;
    return j;
}

Json group_json(const agent::GroupConfig& g, const std::vector<ResourceConfig>& resources) {
    Json j;
    j["name"] = g.name;
    j["nodes"] = g.nodes;
    j["failback"] = g.failback == agent::Failback::automatic ? "auto" : "never";
    // Only with "auto": the loader refuses it otherwise.
    if (g.failback == agent::Failback::automatic) j["failback_delay_ms"] = ms(g.failback_delay);
    j["with"] = g.with;
    j["away_from"] = g.away_from;
    j["after"] = g.after;
    j["start_timeout_ms"] = ms(g.start_timeout);
    j["stop_timeout_ms"] = ms(g.stop_timeout);  // its own, or its resources' sum
    j["resources"] = Json::array();
    for (const ResourceConfig& r : resources) j["resources"].push_back(resource_json(r));
    return j;
}

Json fencing_json(const agent::FencingConfig& f) {
    Json j;
    j["devices"] = Json::array();
    for (const agent::FenceDevice& d : f.devices) {
        Json device;
        device["name"] = d.name;
        device["agent"] = d.agent;
        device["params"] = Json::object();
        for (const auto& [key, value] : d.params) device["params"][key] = value;
        device["nodes"] = d.nodes;
        device["host_map"] = Json::object();
        for (const auto& [node, plug] : d.host_map) device["host_map"][node] = plug;
        j["devices"].push_back(device);
    }
    j["timeout_ms"] = ms(f.timeout);
    j["action"] = agent::to_string(f.action);
    return j;
}

Json hook_json(const HookConfig& h) {
    Json j;
    j["path"] = h.path;
    j["timeout_ms"] = ms(h.timeout);
    j["events"] = h.events.empty() ? known_hook_events() : h.events;  // none listed: every one
    j["env"] = Json::object();
    for (const auto& [key, value] : h.env) j["env"][key] = value;
    return j;
}

Json health_check_json(const HealthCheckConfig& c) {
    Json j;
    j["name"] = c.name;
    j["type"] = to_string(c.type);
    j["interval_ms"] = ms(c.interval);
    j["timeout_ms"] = ms(c.timeout);
    j["rise"] = c.rise;
    j["fall"] = c.fall;
    switch (c.type) {
        case HealthCheckType::script: j["path"] = c.path; break;
        case HealthCheckType::tcp:
            j["host"] = c.host;
            j["port"] = c.port;
            break;
        case HealthCheckType::http:
            j["url"] = c.url;
            if (c.expect_min == c.expect_max) {
                j["expect_status"] = c.expect_min;
            } else {
                j["expect_status"] = std::to_string(c.expect_min) + "-" + std::to_string(c.expect_max);
            }
            break;
        case HealthCheckType::link: j["interface"] = c.interface; break;
        case HealthCheckType::disk:
            j["path"] = c.path;
            if (c.min_free_percent) j["min_free_percent"] = *c.min_free_percent;
            if (c.min_free_mb) j["min_free_mb"] = *c.min_free_mb;
            break;
        case HealthCheckType::memory:
            if (c.min_available_mb) j["min_available_mb"] = *c.min_available_mb;
            if (c.min_available_percent) j["min_available_percent"] = *c.min_available_percent;
            break;
    }
    return j;
}

}  // namespace

Json effective_config(const DaemonConfig& config) {
    const agent::ClusterConfig& c = config.cluster;
    Json j;
    j["cluster"] = c.cluster;
    j["nodes"] = Json::array();
    for (const agent::NodeConfig& n : c.nodes) {
        j["nodes"].push_back(Json{{"name", n.name}, {"addresses", n.addresses}, {"votes", n.votes}});
    }
    j["heartbeat"] = Json{{"port", config.port},
                          {"interval_ms", ms(c.timing.interval)},
                          {"timeout_ms", ms(c.timing.timeout)},
                          {"tick_ms", ms(c.timing.tick)}};
    j["lease"] = Json{{"max_clock_drift_ppm", c.timing.max_clock_drift_ppm}, {"margin_ms", ms(c.timing.lease_margin)}};
    j["quorum"] = Json{{"wait_for_all", c.quorum.wait_for_all == agent::WaitForAll::yes}};
    j["auth_key_file"] = config.auth_key_file;
    if (c.self_fence == agent::SelfFence::command) {
        j["self_fence"] = Json{{"action", "command"}, {"command", config.self_fence_command}};
    } else {
        j["self_fence"] = agent::to_string(c.self_fence);
    }
    j["groups"] = Json::array();
    for (std::size_t g = 0; g < c.groups.size(); ++g) {
        static const std::vector<ResourceConfig> none;
        j["groups"].push_back(group_json(c.groups[g], g < config.resources.size() ? config.resources[g] : none));
    }
    j["fencing"] = fencing_json(c.fencing);
    j["hooks"] = Json::array();
    for (const HookConfig& h : config.hooks) j["hooks"].push_back(hook_json(h));
    j["health_checks"] = Json::array();
    for (const HealthCheckConfig& check : config.health_checks) j["health_checks"].push_back(health_check_json(check));
    return j;
}

std::string config_hash_text(const DaemonConfig& config) {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(agent::config_hash(config.cluster)));
    return text;
}

}  // namespace hacluster::daemon
