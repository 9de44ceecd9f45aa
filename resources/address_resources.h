#pragma once
// The addresses a resource holds on this node, and their removal through
// netlink, for the escalation of a stop that cannot be confirmed before the lease
// ends (docs/design.md §4.8). Removal forks nothing and is bounded in time (a
// receive timeout on the netlink socket), so it works from the daemon's loop and
// from the supervisor of a frozen daemon alike.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "resources/resource_config.h"

namespace hacluster::resources {

struct HeldAddress {
    int family = 0;                     // AF_INET or AF_INET6
    std::array<std::uint8_t, 16> bytes{};  // network order; the first 4 for IPv4
    std::string text;                   // as configured, for messages
};

// The address params of the agents known to hold exactly an address: the native
// `vip` (address, with or without /prefix), ocf:heartbeat:IPaddr2 and IPaddr
// (ip), ocf:heartbeat:IPv6addr (ipv6addr), ocf:heartbeat:IPsrcaddr (ipaddress).
// Empty for any other agent, or when the param is missing or not an address.
std::vector<HeldAddress> known_addresses(const ResourceConfig& resource);

// Removes each address from whatever interface holds it (every prefix length),
// then checks that none is left. One message per address that could not be
// removed or is still there; empty when all are gone.
std::vector<std::string> remove_addresses(const std::vector<HeldAddress>& addresses);

}  // namespace hacluster::resources
