#include "daemon/handover.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "daemon/supervisor_protocol.h"

namespace hacluster::daemon {

namespace {

// One attempt: the offer, a refusal ("alive", "busy"), or nothing.
std::variant<Handover, std::string> ask(const std::filesystem::path& path, std::uint64_t config_hash) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::string(std::strerror(errno));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string p = path.string();
    if (p.size() >= sizeof addr.sun_path) {
        ::close(fd);
        return std::string("socket path too long");
    }
    std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
    timeval timeout{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        const std::string error = std::strerror(errno);
        ::close(fd);
        return error;
    }
    Handover h;
    h.connection = fd;
    LineSplitter lines;
    bool same_config = false;
    for (int chunks = 0; chunks < 64; ++chunks) {
        char data[1024];
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        iovec iov{data, sizeof data};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        if (n <= 0) break;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && h.lock_fd < 0) {
                std::memcpy(&h.lock_fd, CMSG_DATA(c), sizeof(int));
            }
        }
        for (const std::string& line : lines.append({data, static_cast<std::size_t>(n)})) {
            if (line == "end") {
                if (h.lock_fd >= 0 && same_config) return h;
                if (h.lock_fd >= 0) ::close(h.lock_fd);
                ::close(fd);
                return std::string(same_config ? "the offer came without the lock"
                                               : "the previous daemon ran another config");
            }
            if (line.starts_with("config ")) {
                same_config = line == "config " + std::to_string(config_hash);
                continue;
            }
            if (line == "alive" || line == "busy") {
                if (h.lock_fd >= 0) ::close(h.lock_fd);
                ::close(fd);
                return line;
            }
            auto guard = parse_guard(line);
            if (!guard || !guard->stop_at) continue;
            h.groups.push_back(agent::ResumedGroup{guard->group, guard->term, *guard->stop_at});
        }
    }
    if (h.lock_fd >= 0) ::close(h.lock_fd);
    ::close(fd);
    return std::string("no complete offer");
}

}  // namespace

std::optional<Handover> request_handover(const std::filesystem::path& state_dir, std::uint64_t config_hash) {
    const std::filesystem::path path = state_dir / handover_socket_name;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    // Right after a kill the supervisor may not have seen its daemon's end yet.
    for (int attempt = 0; attempt < 10; ++attempt) {
        auto answer = ask(path, config_hash);
        if (auto* h = std::get_if<Handover>(&answer)) return std::move(*h);
        const std::string& why = std::get<std::string>(answer);
        if (why != "alive") {
            spdlog::info("no handover from a previous supervisor | reason={}", why);
            return std::nullopt;
        }
        ::usleep(20'000);
    }
    spdlog::info("no handover: the previous daemon still runs");
    return std::nullopt;
}

bool Handover::in_time(std::chrono::milliseconds room) const {
    const auto now = static_cast<std::int64_t>(uv_hrtime());
    for (const agent::ResumedGroup& g : groups) {
        if (g.stop_at.time_since_epoch().count() - now < std::chrono::nanoseconds(room).count()) return false;
    }
    return true;
}

void decline_handover(Handover& handover) {
    if (handover.lock_fd >= 0) ::close(handover.lock_fd);
    handover.lock_fd = -1;
    if (handover.connection >= 0) ::close(handover.connection);
    handover.connection = -1;
}

bool finish_handover(Handover& handover, std::chrono::milliseconds wait) {
    if (handover.connection < 0) return false;
    const int fd = handover.connection;
    handover.connection = -1;
    const char taken[] = "taken\n";
    if (::send(fd, taken, sizeof taken - 1, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof taken - 1)) {
        spdlog::warn("could not confirm the handover | error={}", std::strerror(errno));
    }
    char answer[16] = {};
    const ssize_t n = ::recv(fd, answer, sizeof answer - 1, 0);
    if (n >= 3 && std::string_view(answer, 3) == "ok\n") {
        ::close(fd);
        return true;
    }
    // Kept by the old supervisor (or no answer): it stops them; wait until it is
    // gone, which closes the connection.
    spdlog::warn("the previous supervisor kept the groups (a stop_at came first); waiting for its stops");
    timeval tv{static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char sink[64];
    while (::recv(fd, sink, sizeof sink, 0) > 0) {
    }
    ::close(fd);
    return false;
}

}  // namespace hacluster::daemon
