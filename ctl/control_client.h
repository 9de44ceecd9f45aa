#pragma once
// haclusterctl's side of the control protocol (ctl/PROTOCOL.md): one request line
// to the daemon's unix socket, one answer line back. A CLI makes one exchange and
// exits, so this is plain blocking-with-deadline POSIX, no event loop.
//
// The answer is untrusted input (STYLE.md "Errors"): anything that is not a
// well-formed answer object becomes an Unreachable value, never an exception.
#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

namespace hacluster::ctl {

// ordered_json keeps the daemon's key order, so --json prints what was received.
using Json = nlohmann::ordered_json;

inline constexpr std::string_view default_socket_path = "/run/hacluster/ctl.sock";
inline constexpr int protocol_version = 1;
// PROTOCOL.md: a request line is at most 64 KiB; the daemon would refuse more.
inline constexpr std::size_t max_request_bytes = std::size_t{64} << 10;

struct ClientOptions {
    std::string socket_path{default_socket_path};
    // A local daemon answers in microseconds; 5 s means it is stuck, not slow.
    std::chrono::milliseconds timeout{5000};
    // A full status of 64 nodes and many groups is tens of KiB; 1 MiB bounds a
    // runaway answer without ever cutting a real one.
    std::size_t max_answer_bytes = std::size_t{1} << 20;
};

// The daemon did the request: `data` as received (an object).
struct Accepted {
    Json data;
};

// The daemon (or, for an oversized request, the client) refused: its error text.
struct Refused {
    std::string error;
};

// Why no answer came. Each kind gets its own operator hint in the message.
enum class UnreachableKind {
    socket_missing,     // ENOENT: no socket at the path (daemon not running, wrong --socket)
    connection_refused, // ECONNREFUSED: a socket file but nobody listening (stale socket)
    permission_denied,  // EACCES/EPERM: not root and not in group haclient
    timeout,            // no full answer within the timeout
    closed,             // the daemon closed the connection before a full answer line
    too_large,          // the answer exceeded max_answer_bytes
    garbled,            // the answer line is not a protocol answer (not JSON, no "ok", ...)
    socket_error,       // any other OS error (path too long, not a socket, ...)
};

struct Unreachable {
    UnreachableKind kind;
    std::string message;  // names the socket path and the reason
};

using Reply = std::variant<Accepted, Refused, Unreachable>;

// {"version": 1, "command": command}; callers add the command's fields.
[[nodiscard]] Json make_request(std::string_view command);

// Connects, sends the request as one line, reads one answer line, decodes it.
[[nodiscard]] Reply send_request(const ClientOptions& options, const Json& request) noexcept;

// Decodes one answer line (without its '\n'); socket_path only goes into messages.
// Separate from the socket so tests can feed it any text.
[[nodiscard]] Reply decode_answer(std::string_view line, std::string_view socket_path) noexcept;

}  // namespace hacluster::ctl
