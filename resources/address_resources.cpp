#include "resources/address_resources.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <variant>

namespace hacluster::resources {

namespace {

// A stuck netlink answer must not hold the escalation up: the lease margin is
// tens of milliseconds.
constexpr int receive_timeout_us = 50'000;

std::optional<HeldAddress> parse_address(const std::string& text) {
    HeldAddress a;
    a.text = text;
    const std::string host = text.substr(0, text.find('/'));
    if (::inet_pton(AF_INET, host.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET;
        return a;
    }
    if (::inet_pton(AF_INET6, host.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET6;
        return a;
    }
    return std::nullopt;
}

const char* address_param(const std::string& agent) {
    if (agent == "vip") return "address";
    if (agent == "ocf:heartbeat:IPaddr2" || agent == "ocf:heartbeat:IPaddr") return "ip";
    if (agent == "ocf:heartbeat:IPv6addr") return "ipv6addr";
    if (agent == "ocf:heartbeat:IPsrcaddr") return "ipaddress";
    return nullptr;
}

struct Socket {
    mnl_socket* nl = nullptr;
    ~Socket() {
        if (nl != nullptr) mnl_socket_close(nl);
    }
};

struct Found {
    int ifindex = 0;
    int family = 0;
    std::uint8_t prefix = 0;
    std::array<std::uint8_t, 16> bytes{};
};

std::string os_error(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Every address of the system (RTM_GETADDR dump).
std::variant<std::vector<Found>, std::string> dump(Socket& s, std::uint32_t seq) {
    char buf[MNL_SOCKET_BUFFER_SIZE];
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETADDR;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = seq;
    auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
    ifa->ifa_family = AF_UNSPEC;
    if (mnl_socket_sendto(s.nl, nlh, nlh->nlmsg_len) < 0) return os_error("netlink send");
    std::vector<Found> found;
    const auto on_message = [](const nlmsghdr* msg, void* data) -> int {
        auto* out = static_cast<std::vector<Found>*>(data);
        const auto* m = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(msg));
        Found f;
        f.ifindex = static_cast<int>(m->ifa_index);
        f.family = m->ifa_family;
        f.prefix = m->ifa_prefixlen;
        bool have = false;
        // mnl_attr_for_each spelled out: the macro's void* does not convert in C++.
        const char* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(msg));
        for (auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(msg, sizeof(ifaddrmsg)));
             mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const char*>(attr)));
             attr = mnl_attr_next(attr)) {
            if (mnl_attr_get_type(attr) != IFA_LOCAL && mnl_attr_get_type(attr) != IFA_ADDRESS) continue;
            const std::size_t len = mnl_attr_get_payload_len(attr);
            if (len > f.bytes.size()) continue;
            // IFA_LOCAL wins for IPv4 (IFA_ADDRESS is the peer on point-to-point links).
            if (have && mnl_attr_get_type(attr) == IFA_ADDRESS) continue;
            std::memset(f.bytes.data(), 0, f.bytes.size());
            std::memcpy(f.bytes.data(), mnl_attr_get_payload(attr), len);
            have = true;
        }
        if (have) out->push_back(f);
        return MNL_CB_OK;
    };
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(s.nl, buf, sizeof buf);
        if (n < 0) return os_error("netlink receive");
        const int r = mnl_cb_run(buf, static_cast<std::size_t>(n), seq, mnl_socket_get_portid(s.nl), on_message, &found);
        if (r == MNL_CB_ERROR) return os_error("netlink dump");
        if (r == MNL_CB_STOP) break;
    }
    return found;
}

std::optional<std::string> remove(Socket& s, const Found& f, std::uint32_t seq) {
    char buf[MNL_SOCKET_BUFFER_SIZE];
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_DELADDR;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = seq;
    auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
    ifa->ifa_family = static_cast<std::uint8_t>(f.family);
    ifa->ifa_prefixlen = f.prefix;
    ifa->ifa_index = static_cast<std::uint32_t>(f.ifindex);
    const std::size_t len = f.family == AF_INET ? 4 : 16;
    mnl_attr_put(nlh, IFA_LOCAL, len, f.bytes.data());
    if (f.family == AF_INET6) mnl_attr_put(nlh, IFA_ADDRESS, len, f.bytes.data());
    if (mnl_socket_sendto(s.nl, nlh, nlh->nlmsg_len) < 0) return os_error("netlink send");
    const ssize_t n = mnl_socket_recvfrom(s.nl, buf, sizeof buf);
    if (n < 0) return os_error("netlink receive");
    // EADDRNOTAVAIL: gone meanwhile, which is what we want.
    if (mnl_cb_run(buf, static_cast<std::size_t>(n), seq, mnl_socket_get_portid(s.nl), nullptr, nullptr) < 0 &&
        errno != EADDRNOTAVAIL) {
        return os_error("RTM_DELADDR");
    }
    return std::nullopt;
}

bool same(const Found& f, const HeldAddress& a) {
    return f.family == a.family && std::memcmp(f.bytes.data(), a.bytes.data(), a.family == AF_INET ? 4 : 16) == 0;
}

}  // namespace

std::vector<HeldAddress> known_addresses(const ResourceConfig& resource) {
    const char* param = address_param(resource.agent);
    if (param == nullptr) return {};
    const auto it = resource.params.find(param);
    if (it == resource.params.end()) return {};
    auto parsed = parse_address(it->second);
    if (!parsed) return {};
    return {*parsed};
}

std::vector<std::string> remove_addresses(const std::vector<HeldAddress>& addresses) {
    std::vector<std::string> errors;
    if (addresses.empty()) return errors;
    Socket s;
    s.nl = mnl_socket_open(NETLINK_ROUTE);
    if (s.nl == nullptr || mnl_socket_bind(s.nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        return {os_error("netlink socket")};
    }
    const timeval timeout{0, receive_timeout_us};
    ::setsockopt(mnl_socket_get_fd(s.nl), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::uint32_t seq = static_cast<std::uint32_t>(::time(nullptr));
    auto before = dump(s, ++seq);
    if (auto* error = std::get_if<std::string>(&before)) return {*error};
    for (const Found& f : std::get<std::vector<Found>>(before)) {
        for (const HeldAddress& a : addresses) {
            if (!same(f, a)) continue;
            if (auto error = remove(s, f, ++seq)) errors.push_back(a.text + ": " + *error);
        }
    }
    auto after = dump(s, ++seq);
    if (auto* error = std::get_if<std::string>(&after)) {
        errors.push_back("cannot check the removal: " + *error);
        return errors;
    }
    for (const HeldAddress& a : addresses) {
        for (const Found& f : std::get<std::vector<Found>>(after)) {
            if (same(f, a)) {
                errors.push_back(a.text + ": still on interface index " + std::to_string(f.ifindex));
                break;
            }
        }
    }
    return errors;
}

}  // namespace hacluster::resources
