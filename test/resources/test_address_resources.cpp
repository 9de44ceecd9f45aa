// The escalation's address removal (resources/address_resources.h): which params
// name an address, and netlink removal in a network namespace of the test's own.
#include <catch2/catch.hpp>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <map>
#include <vector>
#include <sys/socket.h>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "resources/address_resources.h"

using namespace hacluster::resources;

namespace {

ResourceConfig resource(std::string agent, std::map<std::string, std::string> params) {
    ResourceConfig r;
    r.name = "r";
    r.agent = std::move(agent);
    r.params = std::move(params);
    return r;
}

// The addresses on d0 as `ip -o addr` prints them ("" on error).
std::string addresses_on_d0() {
    std::string out;
    FILE* p = ::popen("ip -o addr show dev d0 2>/dev/null | awk '{print $4}'", "r");
    if (p == nullptr) return out;
    std::array<char, 256> buf{};
    while (std::fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
    ::pclose(p);
    return out;
}

}  // namespace

TEST_CASE("address resources: the params that name an address", "[address]") {
    const auto one = [](const ResourceConfig& r) -> std::string {
        const auto a = known_addresses(r);
        if (a.size() != 1) return "none";
        return a[0].text;
    };
    CHECK(one(resource("vip", {{"address", "198.18.0.100/24"}, {"interface", "eth0"}})) == "198.18.0.100/24");
    CHECK(one(resource("ocf:heartbeat:IPaddr2", {{"ip", "198.18.0.101"}, {"nic", "eth0"}})) == "198.18.0.101");
    CHECK(one(resource("ocf:heartbeat:IPaddr", {{"ip", "198.18.0.102"}})) == "198.18.0.102");
    CHECK(one(resource("ocf:heartbeat:IPv6addr", {{"ipv6addr", "fd00::7"}})) == "fd00::7");
    CHECK(one(resource("ocf:heartbeat:IPsrcaddr", {{"ipaddress", "198.18.0.103"}})) == "198.18.0.103");
    CHECK(known_addresses(resource("vip", {{"address", "198.18.0.100/24"}}))[0].family == AF_INET);
    CHECK(known_addresses(resource("ocf:heartbeat:IPv6addr", {{"ipv6addr", "fd00::7"}}))[0].family == AF_INET6);
    // Not an address agent, a missing param, not an address: nothing.
    CHECK(one(resource("ocf:heartbeat:Dummy", {{"ip", "198.18.0.1"}})) == "none");
    CHECK(one(resource("/usr/local/bin/vip", {{"address", "198.18.0.1/24"}})) == "none");
    CHECK(one(resource("ocf:heartbeat:IPaddr2", {{"nic", "eth0"}})) == "none");
    CHECK(one(resource("vip", {{"address", "not-an-address"}})) == "none");
}

TEST_CASE("address resources: removal through netlink, wherever the address is", "[address][netns]") {
    if (::geteuid() != 0) {
        WARN("skipped: needs root for a network namespace");
        return;
    }
    // A child in a network namespace of its own: nothing of the host's is touched.
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        if (::unshare(CLONE_NEWNET) != 0) ::_exit(77);
        if (std::system("ip link add d0 type veth peer name d1 && ip link set d0 up && ip link set d1 up && "
                        "ip addr add 198.18.5.1/24 dev d0 && ip addr add 198.18.5.2/32 dev d0 && "
                        "ip addr add fd00::5/64 dev d0 nodad") != 0) {
            ::_exit(10);
        }
        // The prefix length given (or none) does not matter: the address goes.
        const std::vector<HeldAddress> held = {
            known_addresses(resource("vip", {{"address", "198.18.5.1/16"}}))[0],
            known_addresses(resource("ocf:heartbeat:IPv6addr", {{"ipv6addr", "fd00::5"}}))[0],
            known_addresses(resource("ocf:heartbeat:IPaddr2", {{"ip", "198.18.5.9"}}))[0],  // absent: fine
        };
        if (!remove_addresses(held).empty()) ::_exit(11);
        const std::string left = addresses_on_d0();
        if (left.find("198.18.5.1/") != std::string::npos || left.find("fd00::5/") != std::string::npos) ::_exit(12);
        if (left.find("198.18.5.2/32") == std::string::npos) ::_exit(13);  // another address stays
        ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        WARN("skipped: unshare(CLONE_NEWNET) refused");
        return;
    }
    // 10: setup, 11: removal reported errors, 12: still there, 13: removed too much.
    CHECK(WEXITSTATUS(status) == 0);
}
