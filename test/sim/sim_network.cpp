#include "test/sim/sim_network.h"

#include <algorithm>

#include "agent/assert.h"

namespace hacluster::sim {

SimNetwork::SimNetwork(std::size_t nodes, std::size_t links)
    : nodes_(nodes),
      links_(links),
      settings_(nodes * nodes * links),
      manual_cut_(nodes * nodes * links, 0),
      held_(nodes * nodes * links, 0),
      node_delay_(nodes, Duration::zero()) {}

std::size_t SimNetwork::index(NodeId from, NodeId to, std::uint8_t link) const {
    HA_ASSERT(from < nodes_ && to < nodes_ && link < links_);
    return (static_cast<std::size_t>(from) * nodes_ + to) * links_ + link;
}

LinkSettings& SimNetwork::settings(NodeId from, NodeId to, std::uint8_t link) {
    return settings_[index(from, to, link)];
}

void SimNetwork::set_all(const LinkSettings& settings) {
    for (LinkSettings& s : settings_) s = settings;
}

void SimNetwork::set_node_delay(NodeId node, Duration extra) {
    HA_ASSERT(node < nodes_);
    node_delay_[node] = extra;
}

void SimNetwork::cut(NodeId from, NodeId to) {
    for (std::size_t l = 0; l < links_; ++l) cut_link(from, to, static_cast<std::uint8_t>(l));
}

void SimNetwork::cut_link(NodeId from, NodeId to, std::uint8_t link) {
    manual_cut_[index(from, to, link)] = 1;
}

void SimNetwork::cut_one_way(const std::vector<NodeId>& from, const std::vector<NodeId>& to) {
    for (const DirectedLink& d : links_between(from, to)) cut_link(d.from, d.to, d.link);
}

void SimNetwork::partition(const std::vector<std::vector<NodeId>>& sets) {
    std::vector<std::size_t> set_of(nodes_, sets.size());
    for (std::size_t s = 0; s < sets.size(); ++s) {
        for (NodeId n : sets[s]) set_of.at(n) = s;
    }
    for (NodeId a = 0; a < nodes_; ++a) {
        for (NodeId b = 0; b < nodes_; ++b) {
            // A node in no set is alone: different from everyone.
            const bool apart = set_of[a] != set_of[b] || set_of[a] == sets.size();
            if (a != b && apart) cut(a, b);
        }
    }
}

void SimNetwork::isolate(NodeId node) {
    for (NodeId other = 0; other < nodes_; ++other) {
        if (other == node) continue;
        cut(node, other);
        cut(other, node);
    }
}

void SimNetwork::heal() {
    std::fill(manual_cut_.begin(), manual_cut_.end(), 0);
    std::fill(held_.begin(), held_.end(), 0);
    std::fill(node_delay_.begin(), node_delay_.end(), Duration::zero());
    holds_.clear();
}

SimNetwork::HoldId SimNetwork::hold(const std::vector<DirectedLink>& cuts) {
    const HoldId id = next_hold_++;
    for (const DirectedLink& d : cuts) ++held_[index(d.from, d.to, d.link)];
    holds_.emplace(id, cuts);
    return id;
}

void SimNetwork::release(HoldId id) {
    auto it = holds_.find(id);
    if (it == holds_.end()) return;
    for (const DirectedLink& d : it->second) {
        std::uint16_t& count = held_[index(d.from, d.to, d.link)];
        HA_ASSERT(count > 0);
        --count;
    }
    holds_.erase(it);
}

bool SimNetwork::is_cut(NodeId from, NodeId to, std::uint8_t link) const {
    const std::size_t i = index(from, to, link);
    return manual_cut_[i] != 0 || held_[i] != 0;
}

bool SimNetwork::fully_cut(NodeId from, NodeId to) const {
    for (std::size_t l = 0; l < links_; ++l) {
        if (!is_cut(from, to, static_cast<std::uint8_t>(l))) return false;
    }
    return true;
}

Duration SimNetwork::delay(const LinkSettings& s, NodeId from, NodeId to, agent::Prng& prng) const {
    Duration d = s.base_delay + node_delay_[from] + node_delay_[to];
    if (s.jitter > Duration::zero()) {
        d += Duration(prng.below(static_cast<std::uint64_t>(s.jitter.count()) + 1));
    }
    if (s.reorder_ppm != 0 && prng.chance_ppm(s.reorder_ppm) && s.reorder_delay > Duration::zero()) {
        d += Duration(prng.below(static_cast<std::uint64_t>(s.reorder_delay.count()) + 1));
    }
    return d;
}

std::size_t SimNetwork::route(NodeId from, NodeId to, std::uint8_t link, agent::Prng& prng,
                              Delivery (&out)[2]) const {
    const std::size_t i = index(from, to, link);
    if (manual_cut_[i] != 0 || held_[i] != 0) return 0;
    const LinkSettings& s = settings_[i];
    if (s.loss_ppm != 0 && prng.chance_ppm(s.loss_ppm)) return 0;
    std::size_t count = 1;
    out[0] = {delay(s, from, to, prng), s.corrupt_ppm != 0 && prng.chance_ppm(s.corrupt_ppm)};
    if (s.duplicate_ppm != 0 && prng.chance_ppm(s.duplicate_ppm)) {
        out[1] = {delay(s, from, to, prng), false};
        count = 2;
    }
    return count;
}

std::vector<DirectedLink> SimNetwork::links_between(const std::vector<NodeId>& from,
                                                    const std::vector<NodeId>& to) const {
    std::vector<DirectedLink> result;
    for (NodeId a : from) {
        for (NodeId b : to) {
            if (a == b) continue;
            for (std::size_t l = 0; l < links_; ++l) {
                result.push_back({a, b, static_cast<std::uint8_t>(l)});
            }
        }
    }
    return result;
}

}  // namespace hacluster::sim
