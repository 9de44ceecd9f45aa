#pragma once
// The simulated network: per directed link (from, to, link index) a delay model,
// loss, duplication, reordering and corruption, and one-way cuts. Partitions and
// isolation are sets of cuts. Decides the fate of each datagram; the cluster's
// event queue carries it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "agent/prng.h"
#include "test/sim/sim_clock.h"

namespace hacluster::sim {

using agent::NodeId;

struct LinkSettings {
    Duration base_delay = std::chrono::microseconds(200);  // a quiet LAN
    Duration jitter = std::chrono::microseconds(300);      // uniform extra 0..jitter
    std::uint32_t loss_ppm = 0;
    std::uint32_t duplicate_ppm = 0;  // the copy gets its own delay
    std::uint32_t reorder_ppm = 0;    // this share of packets gets up to reorder_delay extra
    Duration reorder_delay = std::chrono::milliseconds(20);
    std::uint32_t corrupt_ppm = 0;    // one byte flipped: the MAC must reject it
};

struct DirectedLink {
    NodeId from = 0;
    NodeId to = 0;
    std::uint8_t link = 0;
};

struct Delivery {
    Duration delay{};
    bool corrupt = false;
};

class SimNetwork {
public:
    SimNetwork(std::size_t nodes, std::size_t links);

    std::size_t nodes() const { return nodes_; }
    std::size_t links() const { return links_; }

    LinkSettings& settings(NodeId from, NodeId to, std::uint8_t link);
    void set_all(const LinkSettings& settings);
    // Extra delay on everything to and from a node (a congested NIC, a delay spike).
    void set_node_delay(NodeId node, Duration extra);

    // Cuts made by a test: they stay until heal().
    void cut(NodeId from, NodeId to);  // one-way, every link
    void cut_link(NodeId from, NodeId to, std::uint8_t link);  // one-way, one link
    void cut_one_way(const std::vector<NodeId>& from, const std::vector<NodeId>& to);
    // Symmetric: no traffic between different sets; a node in no set is alone.
    void partition(const std::vector<std::vector<NodeId>>& sets);
    void isolate(NodeId node);  // both ways, every link
    // Removes every cut (the test's and the held ones) and every node delay; the
    // per-link settings stay.
    void heal();

    // Cuts held by a timed fault, counted so that overlapping faults compose: a
    // link is cut while any hold covers it. release() after heal() does nothing.
    using HoldId = std::uint64_t;
    HoldId hold(const std::vector<DirectedLink>& cuts);
    void release(HoldId id);

    bool is_cut(NodeId from, NodeId to, std::uint8_t link) const;
    // True if every link from -> to is cut.
    bool fully_cut(NodeId from, NodeId to) const;

    // The fate of one datagram: how many copies arrive (0..2) and when.
    std::size_t route(NodeId from, NodeId to, std::uint8_t link, agent::Prng& prng,
                      Delivery (&out)[2]) const;

    // Every directed link between two sets (both ways when symmetric).
    std::vector<DirectedLink> links_between(const std::vector<NodeId>& from,
                                            const std::vector<NodeId>& to) const;

private:
    std::size_t index(NodeId from, NodeId to, std::uint8_t link) const;
    Duration delay(const LinkSettings& s, NodeId from, NodeId to, agent::Prng& prng) const;

    std::size_t nodes_;
    std::size_t links_;
    std::vector<LinkSettings> settings_;
    std::vector<std::uint8_t> manual_cut_;
    std::vector<std::uint16_t> held_;
    std::vector<Duration> node_delay_;
    std::map<HoldId, std::vector<DirectedLink>> holds_;
    HoldId next_hold_ = 1;
};

}  // namespace hacluster::sim
