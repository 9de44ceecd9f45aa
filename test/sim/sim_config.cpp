#include "test/sim/sim_config.h"

#include <chrono>

namespace hacluster::sim {

agent::ClusterConfig make_sim_config(std::size_t nodes, const std::vector<std::string>& groups,
                                     std::size_t links) {
    agent::ClusterConfig config;
    config.cluster = "sim";
    for (std::size_t i = 0; i < nodes; ++i) {
        agent::NodeConfig node;
        node.name = "n" + std::to_string(i + 1);
        for (std::size_t l = 0; l < links; ++l) {
            node.addresses.push_back("198.18." + std::to_string(l) + "." + std::to_string(i + 1));
        }
        config.nodes.push_back(std::move(node));
    }
    for (std::size_t g = 0; g < groups.size(); ++g) {
        agent::GroupConfig group;
        group.name = groups[g];
        for (std::size_t k = 0; k < nodes; ++k) {
            group.nodes.push_back(config.nodes[(g + k) % nodes].name);
        }
        group.start_timeout = std::chrono::seconds(2);
        config.groups.push_back(std::move(group));
    }
    return config;
}

void with_fencing(agent::ClusterConfig& config) {
    agent::FenceDevice device;
    device.name = "sim";
    device.agent = "fence_sim";
    config.fencing.devices.push_back(device);
}

std::vector<std::string> numbered_groups(std::size_t count) {
    std::vector<std::string> names;
    for (std::size_t g = 0; g < count; ++g) names.push_back("g" + std::to_string(g + 1));
    return names;
}

}  // namespace hacluster::sim
