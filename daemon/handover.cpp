#include "daemon/handover.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/supervisor_protocol.h"

namespace hacluster::daemon {

namespace {

// One attempt: the offer, a refusal ("alive", "busy"), or nothing.
std::variant<Handover, std::string> ask(const std::filesystem::path& path) {
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
                if (h.lock_fd >= 0) return h;
                ::close(fd);
                return std::string("the offer came without the lock");
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

std::optional<Handover> request_handover(const std::filesystem::path& state_dir) {
    const std::filesystem::path path = state_dir / handover_socket_name;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    // Right after a kill the supervisor may not have seen its daemon's end yet.
    for (int attempt = 0; attempt < 10; ++attempt) {
        auto answer = ask(path);
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

void finish_handover(Handover& handover) {
    if (handover.connection < 0) return;
    const char taken[] = "taken\n";
    if (::send(handover.connection, taken, sizeof taken - 1, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof taken - 1)) {
        spdlog::warn("could not confirm the handover: the old supervisor keeps its guards | error={}",
                     std::strerror(errno));
    }
    ::close(handover.connection);
    handover.connection = -1;
}

}  // namespace hacluster::daemon
