#pragma once
// One UDP socket per link, bound to this node's address on that link; sends to
// each peer's address on the same link. Datagrams larger than the protocol's
// maximum are dropped here; everything else goes to the core undecoded (it
// authenticates). Sends never block: a full socket buffer drops the datagram and
// the next heartbeat repairs it.
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "resources/uv_handle.h"

namespace hacluster::daemon {

struct UdpEndpoint {
    sockaddr_storage address{};
    std::string text;  // "198.18.0.2:5405", for logs
};

// Parses "198.18.0.2" or "fd00::2" plus a port; nullopt when not an IP address.
std::optional<UdpEndpoint> make_endpoint(const std::string& ip, std::uint16_t port);

class UdpTransport {
public:
    using OnDatagram = std::function<void(std::uint8_t link, std::span<const std::uint8_t> bytes)>;

    struct Counters {
        std::uint64_t received = 0;
        std::uint64_t oversize = 0;
        std::uint64_t send_errors = 0;
    };

    UdpTransport(uv_loop_t* loop, OnDatagram on_datagram);
    ~UdpTransport();
    UdpTransport(const UdpTransport&) = delete;
    UdpTransport& operator=(const UdpTransport&) = delete;

    // Binds link number links().size() to `local`; an error text (with the address
    // and the OS reason) on failure.
    std::optional<std::string> add_link(const UdpEndpoint& local);
    void send(std::uint8_t link, const UdpEndpoint& to, std::span<const std::uint8_t> bytes);
    const Counters& counters() const { return counters_; }
    // The port actually bound (useful with port 0 in tests).
    std::uint16_t bound_port(std::uint8_t link) const;

private:
    struct Link {
        resources::UvHandle<uv_udp_t> socket;
        UdpTransport* owner = nullptr;
        std::uint8_t index = 0;
    };
    static void on_alloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf) noexcept;
    static void on_recv(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf,
                        const sockaddr* from, unsigned flags) noexcept;

    uv_loop_t* loop_;
    OnDatagram on_datagram_;
    std::vector<std::unique_ptr<Link>> links_;
    Counters counters_;
    std::vector<char> buffer_;
};

}  // namespace hacluster::daemon
