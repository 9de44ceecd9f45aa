#include "daemon/udp_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <memory>

#include "agent/wire.h"

namespace hacluster::daemon {

std::optional<UdpEndpoint> make_endpoint(const std::string& ip, std::uint16_t port) {
    UdpEndpoint e;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&e.address);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.address);
    if (uv_ip4_addr(ip.c_str(), port, v4) == 0) {
        e.text = ip + ":" + std::to_string(port);
        return e;
    }
    if (uv_ip6_addr(ip.c_str(), port, v6) == 0) {
        e.text = "[" + ip + "]:" + std::to_string(port);
        return e;
    }
    return std::nullopt;
}

UdpTransport::UdpTransport(uv_loop_t* loop, OnDatagram on_datagram)
    : loop_(loop), on_datagram_(std::move(on_datagram)), buffer_(65536) {}

UdpTransport::~UdpTransport() = default;

std::optional<std::string> UdpTransport::add_link(const UdpEndpoint& local) {
    auto link = std::make_unique<Link>();
    link->owner = this;
    link->index = static_cast<std::uint8_t>(links_.size());
    if (int rc = link->socket.init(link.get(), [&](uv_udp_t* h) { return uv_udp_init(loop_, h); });
        rc != 0) {
        return "cannot create a UDP socket: " + std::string(uv_strerror(rc));
    }
    if (int rc = uv_udp_bind(link->socket.get(), reinterpret_cast<const sockaddr*>(&local.address), 0);
        rc != 0) {
        return "cannot bind UDP " + local.text + ": " + uv_strerror(rc);
    }
    if (int rc = uv_udp_recv_start(link->socket.get(), &UdpTransport::on_alloc, &UdpTransport::on_recv);
        rc != 0) {
        return "cannot receive on UDP " + local.text + ": " + uv_strerror(rc);
    }
    links_.push_back(std::move(link));
    return std::nullopt;
}

std::uint16_t UdpTransport::bound_port(std::uint8_t link) const {
    sockaddr_storage addr{};
    int len = sizeof(addr);
    if (link >= links_.size() ||
        uv_udp_getsockname(links_[link]->socket.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        return 0;
    }
    if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
}

void UdpTransport::send(std::uint8_t link, const UdpEndpoint& to, std::span<const std::uint8_t> bytes) {
    if (link >= links_.size()) return;
    uv_buf_t buf = uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())),
                               static_cast<unsigned>(bytes.size()));
    const int rc = uv_udp_try_send(links_[link]->socket.get(), &buf, 1,
                                   reinterpret_cast<const sockaddr*>(&to.address));
    if (rc < 0) ++counters_.send_errors;
}

void UdpTransport::on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) noexcept {
    auto* link = static_cast<Link*>(handle->data);
    if (link == nullptr) {
        *buf = uv_buf_init(nullptr, 0);
        return;
    }
    std::vector<char>& b = link->owner->buffer_;
    *buf = uv_buf_init(b.data(), static_cast<unsigned>(b.size()));
}

void UdpTransport::on_recv(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf, const sockaddr*,
                           unsigned flags) noexcept {
    auto* link = static_cast<Link*>(handle->data);
    if (link == nullptr || nread <= 0) return;  // nothing, or an error the next read repeats
    UdpTransport& self = *link->owner;
    if ((flags & UV_UDP_PARTIAL) != 0 || static_cast<std::size_t>(nread) > agent::wire::max_datagram) {
        ++self.counters_.oversize;
        return;
    }
    ++self.counters_.received;
    self.on_datagram_(link->index, std::span<const std::uint8_t>(
                                       reinterpret_cast<const std::uint8_t*>(buf->base),
                                       static_cast<std::size_t>(nread)));
}

}  // namespace hacluster::daemon
