#include "ctl/control_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <utility>

namespace hacluster::ctl {

namespace {

using Clock = std::chrono::steady_clock;

// Closes the descriptor on every return path.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

Unreachable unreachable(UnreachableKind kind, std::string message) {
    return Unreachable{kind, std::move(message)};
}

std::string at(std::string_view socket_path) { return " at " + std::string(socket_path); }

Unreachable connect_error(int err, std::string_view path) {
    switch (err) {
    case ENOENT:
        return unreachable(UnreachableKind::socket_missing,
                           "no control socket" + at(path) +
                               " (is haclusterd running? is --socket right?)");
    case ECONNREFUSED:
        return unreachable(UnreachableKind::connection_refused,
                           "connection refused" + at(path) +
                               " (a socket file without a listener: haclusterd is not running)");
    case EACCES:
    case EPERM:
        return unreachable(UnreachableKind::permission_denied,
                           "permission denied" + at(path) +
                               " (run as root or as a member of group haclient)");
    case EAGAIN:
    case EINPROGRESS:
    case ETIMEDOUT:
        return unreachable(UnreachableKind::timeout,
                           "haclusterd" + at(path) + " did not accept the connection in time");
    default:
        return unreachable(UnreachableKind::socket_error,
                           "cannot connect to " + std::string(path) + ": " + std::strerror(err));
    }
}

std::string seconds_text(std::chrono::milliseconds timeout) {
    if (timeout.count() % 1000 == 0) return std::to_string(timeout.count() / 1000) + " s";
    return std::to_string(timeout.count()) + " ms";
}

Unreachable timed_out(const ClientOptions& options) {
    return unreachable(UnreachableKind::timeout, "no answer from haclusterd" + at(options.socket_path) +
                                                     " within " + seconds_text(options.timeout));
}

// Milliseconds left until the deadline for poll(), at least 0.
int remaining_ms(Clock::time_point deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

// Waits for `events` on fd until the deadline: true when ready, nullopt on timeout,
// false with errno set on a poll error.
std::optional<bool> wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, remaining_ms(deadline));
        if (n > 0) return true;
        if (n == 0) return std::nullopt;
        if (errno != EINTR) return false;
    }
}

// The connect itself: blocking, bounded by SO_SNDTIMEO (a unix-socket connect only
// waits when the listener's backlog is full; Linux then honours the send timeout).
std::optional<Unreachable> connect_socket(int fd, const ClientOptions& options) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string& path = options.socket_path;
    if (path.empty()) {
        return unreachable(UnreachableKind::socket_error, "the socket path is empty");
    }
    if (path.size() >= sizeof addr.sun_path) {
        return unreachable(UnreachableKind::socket_error,
                           "socket path " + path + " is longer than " +
                               std::to_string(sizeof addr.sun_path - 1) + " bytes");
    }
    std::memcpy(addr.sun_path, path.data(), path.size());
    if (options.timeout.count() <= 0) {
        return unreachable(UnreachableKind::socket_error, "the timeout must be positive");
    }
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(options.timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((options.timeout.count() % 1000) * 1000);
    if (::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
        return connect_error(errno, path);
    }
    for (;;) {
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) break;
        if (errno == EINTR) continue;
        return connect_error(errno, path);
    }
    if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
        return connect_error(errno, path);
    }
    return std::nullopt;
}

std::optional<Unreachable> send_all(int fd, std::string_view bytes, const ClientOptions& options,
                                    Clock::time_point deadline) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            const auto ready = wait_for(fd, POLLOUT, deadline);
            if (!ready) return timed_out(options);
            if (!*ready) return connect_error(errno, options.socket_path);
            continue;
        }
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
            return unreachable(UnreachableKind::closed, "haclusterd" + at(options.socket_path) +
                                                            " closed the connection before the "
                                                            "request was sent");
        }
        return unreachable(UnreachableKind::socket_error,
                           "cannot send to " + options.socket_path + ": " + std::strerror(errno));
    }
    return std::nullopt;
}

// Reads until the first '\n' and returns the line without it.
std::variant<std::string, Unreachable> read_line(int fd, const ClientOptions& options,
                                                 Clock::time_point deadline) {
    std::string received;
    char chunk[16384];
    for (;;) {
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n > 0) {
            const std::size_t old_size = received.size();
            received.append(chunk, static_cast<std::size_t>(n));
            const auto newline = received.find('\n', old_size);
            if (newline != std::string::npos && newline <= options.max_answer_bytes) {
                received.resize(newline);
                return received;
            }
            if (received.size() > options.max_answer_bytes) {
                return unreachable(UnreachableKind::too_large,
                                   "the answer from haclusterd" + at(options.socket_path) +
                                       " is longer than " + std::to_string(options.max_answer_bytes) +
                                       " bytes");
            }
            continue;
        }
        if (n == 0) {
            return unreachable(UnreachableKind::closed,
                               "haclusterd" + at(options.socket_path) + " closed the connection " +
                                   (received.empty() ? std::string("without answering")
                                                     : "in the middle of its answer (" +
                                                           std::to_string(received.size()) +
                                                           " bytes, no end of line)"));
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            const auto ready = wait_for(fd, POLLIN, deadline);
            if (!ready) return timed_out(options);
            if (!*ready) return connect_error(errno, options.socket_path);
            continue;
        }
        if (errno == ECONNRESET) {
            return unreachable(UnreachableKind::closed, "haclusterd" + at(options.socket_path) +
                                                            " reset the connection without answering");
        }
        return unreachable(UnreachableKind::socket_error,
                           "cannot read from " + options.socket_path + ": " + std::strerror(errno));
    }
}

Unreachable garbled(std::string_view socket_path, const std::string& why) {
    return unreachable(UnreachableKind::garbled,
                       "garbled answer from haclusterd" + at(socket_path) + ": " + why);
}

Reply exchange(const ClientOptions& options, const Json& request) {
    // Invalid UTF-8 (a name typed in another encoding) is sent replaced, so the
    // daemon names the value it got instead of the client failing obscurely.
    std::string line = request.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (line.size() > max_request_bytes) {
        return Refused{"the request is " + std::to_string(line.size()) +
                       " bytes; the protocol allows at most " + std::to_string(max_request_bytes)};
    }
    line += '\n';
    const auto deadline = Clock::now() + options.timeout;
    const Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) {
        return unreachable(UnreachableKind::socket_error,
                           std::string("cannot create a unix socket: ") + std::strerror(errno));
    }
    if (auto error = connect_socket(fd.get(), options)) return *error;
    if (auto error = send_all(fd.get(), line, options, deadline)) return *error;
    auto answer = read_line(fd.get(), options, deadline);
    if (auto* error = std::get_if<Unreachable>(&answer)) return std::move(*error);
    return decode_answer(std::get<std::string>(answer), options.socket_path);
}

}  // namespace

Json make_request(std::string_view command) {
    Json request = Json::object();
    request["version"] = protocol_version;
    request["command"] = std::string(command);
    return request;
}

Reply decode_answer(std::string_view line, std::string_view socket_path) noexcept {
    try {
        Json answer;
        try {
            answer = Json::parse(line);
        } catch (const Json::parse_error& e) {
            return garbled(socket_path, "not JSON (at byte " + std::to_string(e.byte) + ")");
        }
        if (!answer.is_object()) return garbled(socket_path, "not a JSON object");
        const auto ok = answer.find("ok");
        if (ok == answer.end() || !ok->is_boolean()) {
            return garbled(socket_path, "no boolean \"ok\"");
        }
        if (ok->get<bool>()) {
            const auto data = answer.find("data");
            if (data == answer.end() || !data->is_object()) {
                return garbled(socket_path, "\"ok\": true without a \"data\" object");
            }
            return Accepted{std::move(*data)};
        }
        const auto error = answer.find("error");
        if (error == answer.end() || !error->is_string()) {
            return garbled(socket_path, "\"ok\": false without an \"error\" string");
        }
        return Refused{error->get<std::string>()};
    } catch (const std::exception& e) {
        // Only allocation failures can get here; still an answer we cannot use.
        return garbled(socket_path, e.what());
    }
}

Reply send_request(const ClientOptions& options, const Json& request) noexcept {
    try {
        return exchange(options, request);
    } catch (const std::exception& e) {
        return Unreachable{UnreachableKind::socket_error,
                           "talking to " + options.socket_path + ": " + e.what()};
    }
}

}  // namespace hacluster::ctl
