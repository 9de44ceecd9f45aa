#include "daemon/policy_file.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "daemon/node_files.h"

namespace hacluster::daemon {

namespace {

nlohmann::json wall_ms(const std::optional<agent::Instant>& until, ClockPair clocks) {
    if (!until) return nullptr;
    const auto wall = clocks.wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(*until - clocks.now);
    return std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count();
}

std::optional<agent::Instant> instant_of(const nlohmann::json& ms, ClockPair clocks) {
    if (!ms.is_number_integer()) return std::nullopt;
    const std::chrono::system_clock::time_point wall{std::chrono::milliseconds(ms.get<std::int64_t>())};
    return clocks.now + std::chrono::duration_cast<agent::Duration>(wall - clocks.wall);
}

}  // namespace

std::variant<std::optional<agent::Policy>, std::string> load_policy(const std::filesystem::path& file,
                                                                    const agent::ClusterConfig& config,
                                                                    ClockPair clocks) {
    std::ifstream in(file);
    if (!in) {
        if (!std::filesystem::exists(file)) return std::optional<agent::Policy>{};
        return "policy file " + file.string() + ": cannot read";
    }
    std::stringstream text;
    text << in.rdbuf();
    const nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
    const auto bad = [&](const std::string& why) { return "policy file " + file.string() + ": " + why; };
    if (doc.is_discarded() || !doc.is_object() || !doc.value("version", nlohmann::json()).is_number_unsigned() ||
        !doc.value("groups", nlohmann::json()).is_object() ||
        !doc.value("cleanups", nlohmann::json()).is_array()) {
        return bad("not the JSON this daemon writes");
    }
    agent::Policy p;
    p.version = doc["version"].get<agent::Term>();
    p.by = config.node_index(doc.value("by", std::string()));
    p.cluster_maintenance = doc.value("cluster_maintenance", false);
    if (p.cluster_maintenance) p.cluster_until = instant_of(doc.value("cluster_until_ms", nlohmann::json()), clocks);
    p.groups.resize(config.groups.size());
    for (const auto& [name, g] : doc["groups"].items()) {
        const std::size_t index = config.group_index(name);
        if (index >= config.groups.size()) continue;  // no longer configured
        if (!g.is_object()) return bad("groups." + name + " is not an object");
        agent::GroupPolicy& gp = p.groups[index];
        gp.maintenance = g.value("maintenance", false);
        gp.blocked = g.value("blocked", false);
        if (gp.maintenance) gp.maintenance_until = instant_of(g.value("until_ms", nlohmann::json()), clocks);
    }
    for (const nlohmann::json& c : doc["cleanups"]) {
        if (!c.is_object() || !c.value("version", nlohmann::json()).is_number_unsigned()) {
            return bad("malformed cleanup " + c.dump());
        }
        const std::size_t g = config.group_index(c.value("group", std::string()));
        if (g >= config.groups.size()) continue;
        p.cleanups.push_back(agent::wire::Cleanup{c["version"].get<agent::Term>(), static_cast<agent::GroupId>(g),
                                                  config.node_index(c.value("node", std::string()))});
        if (p.cleanups.size() >= agent::wire::max_cleanups) break;
    }
    return std::optional<agent::Policy>(std::move(p));
}

std::optional<std::string> store_policy(const std::filesystem::path& file, const agent::ClusterConfig& config,
                                        const agent::Policy& policy, ClockPair clocks) {
    const auto name = [&](agent::NodeId n) { return n < config.nodes.size() ? config.nodes[n].name : ""; };
    nlohmann::json groups = nlohmann::json::object();
    for (std::size_t g = 0; g < policy.groups.size() && g < config.groups.size(); ++g) {
        const agent::GroupPolicy& gp = policy.groups[g];
        if (!gp.maintenance && !gp.blocked) continue;
        groups[config.groups[g].name] = {{"maintenance", gp.maintenance},
                                         {"until_ms", wall_ms(gp.maintenance_until, clocks)},
                                         {"blocked", gp.blocked}};
    }
    nlohmann::json cleanups = nlohmann::json::array();
    for (const agent::wire::Cleanup& c : policy.cleanups) {
        if (c.group >= config.groups.size()) continue;
        cleanups.push_back({{"version", c.version}, {"group", config.groups[c.group].name}, {"node", name(c.node)}});
    }
    const nlohmann::json doc = {{"version", policy.version},
                                {"by", name(policy.by)},
                                {"cluster_maintenance", policy.cluster_maintenance},
                                {"cluster_until_ms", wall_ms(policy.cluster_until, clocks)},
                                {"groups", groups},
                                {"cleanups", cleanups}};
    return write_file_durably(file, doc.dump() + "\n", "policy file");
}

}  // namespace hacluster::daemon
