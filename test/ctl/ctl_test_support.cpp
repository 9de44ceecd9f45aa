#include "ctl_test_support.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace hacluster::ctl::test {

namespace {

constexpr int wait_ms = 10'000;

bool wait_readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, wait_ms) > 0;
}

}  // namespace

std::string protocol_status_example() {
    std::ifstream in(HACLUSTER_CTL_PROTOCOL_MD);
    std::stringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    const auto section = doc.find("`status` (and `nodes`, `groups`):");
    const auto begin = doc.find("```json\n", section);
    const auto end = doc.find("\n```", begin + 1);
    if (section == std::string::npos || begin == std::string::npos || end == std::string::npos) {
        throw std::runtime_error("no status example in " HACLUSTER_CTL_PROTOCOL_MD);
    }
    return doc.substr(begin + 8, end - begin - 8);
}

TempDir::TempDir() {
    char pattern[] = "/tmp/hactl-test-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ignored);
    std::filesystem::remove_all(path_, ignored);
}

FakeDaemon::FakeDaemon(std::string reply_bytes, ServerBehaviour behaviour)
    : socket_path_(dir_.path() + "/ctl.sock"), reply_(std::move(reply_bytes)), behaviour_(behaviour) {
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_path_.c_str(), sizeof addr.sun_path - 1);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 4) != 0) {
        throw std::runtime_error(std::string("fake daemon: ") + std::strerror(errno));
    }
    thread_ = std::thread([this] { serve(); });
}

FakeDaemon::~FakeDaemon() {
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
}

std::string FakeDaemon::request() {
    if (thread_.joinable()) thread_.join();
    return request_;
}

void FakeDaemon::serve() {
    if (!wait_readable(listen_fd_)) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    std::string received;
    char chunk[4096];
    while (received.find('\n') == std::string::npos && received.size() < (1u << 20) && wait_readable(fd)) {
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        received.append(chunk, static_cast<std::size_t>(n));
    }
    request_ = received.substr(0, received.find('\n'));
    if (behaviour_ == ServerBehaviour::answer) {
        std::size_t sent = 0;
        while (sent < reply_.size()) {
            const ssize_t n = ::send(fd, reply_.data() + sent, reply_.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) break;  // the client may hang up early (answer too large)
            sent += static_cast<std::size_t>(n);
        }
    } else if (behaviour_ == ServerBehaviour::never_answer) {
        while (wait_readable(fd) && ::recv(fd, chunk, sizeof chunk, 0) > 0) {
        }
    }
    ::close(fd);
}

std::string accepted_line(const std::string& data_json) {
    // One line, whatever the layout of the text (the PROTOCOL.md example spans many).
    return "{\"ok\": true, \"data\": " + nlohmann::ordered_json::parse(data_json).dump() + "}\n";
}

}  // namespace hacluster::ctl::test
