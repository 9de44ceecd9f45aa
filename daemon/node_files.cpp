#include "daemon/node_files.h"

#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <set>
#include <sstream>

namespace hacluster::daemon {

namespace {

std::string os_error(int err) { return std::strerror(err); }

}  // namespace

std::variant<std::vector<std::uint8_t>, std::string> read_key_file(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "auth key " + file.string() + ": " + os_error(errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return "auth key " + file.string() + ": " + os_error(err);
    }
    if ((st.st_mode & 077) != 0) {
        ::close(fd);
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return "auth key " + file.string() + ": mode " + mode +
               " lets group or others access it; run: chmod 0600 " + file.string();
    }
    if (st.st_size < 16 || st.st_size > 4096) {
        ::close(fd);
        return "auth key " + file.string() + ": " + std::to_string(st.st_size) +
               " bytes; a key has 16 to 4096 bytes (haclusterctl keygen writes 32)";
    }
    std::vector<std::uint8_t> key(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < key.size()) {
        const ssize_t n = ::read(fd, key.data() + got, key.size() - got);
        if (n <= 0) {
            const int err = n < 0 ? errno : EIO;
            ::close(fd);
            return "auth key " + file.string() + ": " + os_error(err);
        }
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return key;
}

std::variant<agent::NodeId, std::string> find_self(const agent::ClusterConfig& config,
                                                   const std::optional<std::string>& node_flag) {
    if (node_flag) {
        const agent::NodeId n = config.node_index(*node_flag);
        if (n == agent::no_node) return "--node " + *node_flag + ": no such node in the config";
        return n;
    }
    std::set<std::string> local;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) == 0) {
        for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
            if (i->ifa_addr == nullptr) continue;
            const int family = i->ifa_addr->sa_family;
            if (family != AF_INET && family != AF_INET6) continue;
            char host[NI_MAXHOST];
            const socklen_t len = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
            if (::getnameinfo(i->ifa_addr, len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) == 0) {
                std::string text = host;
                if (auto pct = text.find('%'); pct != std::string::npos) text.resize(pct);
                local.insert(text);
            }
        }
        ::freeifaddrs(list);
    }
    for (agent::NodeId n = 0; n < config.nodes.size(); ++n) {
        for (const std::string& address : config.nodes[n].addresses) {
            if (local.count(address) != 0) return n;
        }
    }
    char hostname[256] = {};
    ::gethostname(hostname, sizeof hostname - 1);
    const agent::NodeId by_name = config.node_index(hostname);
    if (by_name != agent::no_node) return by_name;
    return std::string("cannot tell which node this is: no configured node address is on a "
                       "local interface and no node is named like the host '") +
           hostname + "'; pass --node NAME";
}

std::variant<std::vector<agent::PersistedVote>, std::string> load_votes(
    const std::filesystem::path& file, const agent::ClusterConfig& config) {
    std::ifstream in(file);
    if (!in) {
        if (!std::filesystem::exists(file)) return std::vector<agent::PersistedVote>{};
        return "votes file " + file.string() + ": cannot read";
    }
    std::stringstream text;
    text << in.rdbuf();
    const nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("votes") || !doc["votes"].is_array()) {
        return "votes file " + file.string() + ": not the JSON this daemon writes";
    }
    std::vector<agent::PersistedVote> votes;
    for (const nlohmann::json& v : doc["votes"]) {
        if (!v.is_object() || !v.contains("group") || !v["group"].is_string() || !v.contains("term") ||
            !v["term"].is_number_unsigned() || !v.contains("holder") || !v["holder"].is_string()) {
            return "votes file " + file.string() + ": malformed entry " + v.dump();
        }
        const std::size_t g = config.group_index(v["group"].get<std::string>());
        if (g >= config.groups.size()) continue;  // a group no longer configured
        votes.push_back(agent::PersistedVote{static_cast<agent::GroupId>(g), v["term"].get<agent::Term>(),
                                             config.node_index(v["holder"].get<std::string>())});
    }
    return votes;
}

std::optional<std::string> store_votes(const std::filesystem::path& file,
                                       const agent::ClusterConfig& config,
                                       const std::vector<agent::PersistedVote>& votes) {
    nlohmann::json doc;
    doc["votes"] = nlohmann::json::array();
    for (const agent::PersistedVote& v : votes) {
        doc["votes"].push_back({{"group", config.groups.at(v.group).name},
                                {"term", v.term},
                                {"holder", v.holder == agent::no_node ? "" : config.nodes.at(v.holder).name}});
    }
    return write_file_durably(file, doc.dump() + "\n", "votes file");
}

std::optional<std::string> write_file_durably(const std::filesystem::path& file, const std::string& text,
                                              const std::string& what) {
    const std::filesystem::path tmp = file.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return what + " " + tmp.string() + ": " + os_error(errno);
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                         ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!written) return what + " " + tmp.string() + ": " + os_error(err);
    if (::rename(tmp.c_str(), file.c_str()) != 0) {
        return what + " " + file.string() + ": " + os_error(errno);
    }
    const int dir = ::open(file.parent_path().empty() ? "." : file.parent_path().c_str(),
                           O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return std::nullopt;
}

std::variant<int, std::string> lock_state_dir(const std::filesystem::path& dir, std::chrono::milliseconds wait) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return "state dir " + dir.string() + ": " + ec.message();
    const std::filesystem::path file = dir / "lock";
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return "state dir lock " + file.string() + ": " + os_error(errno);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    bool told = false;
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        if (err != EWOULDBLOCK && err != EINTR) {
            ::close(fd);
            return "state dir lock " + file.string() + ": " + os_error(err);
        }
        std::string holder(32, '\0');
        const ssize_t n = ::pread(fd, holder.data(), holder.size() - 1, 0);
        holder.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
        if (std::chrono::steady_clock::now() >= deadline) {
            ::close(fd);
            return "state dir " + dir.string() + " is in use by another haclusterd or its supervisor (pid " +
                   (holder.empty() ? std::string("unknown") : holder) + ")";
        }
        if (!told) {
            spdlog::warn("state dir {} is locked by pid {} (a previous haclusterd, or its supervisor still "
                         "stopping resources); waiting up to {} ms",
                         dir.string(), holder.empty() ? "unknown" : holder, wait.count());
            told = true;
        }
        ::usleep(10'000);
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        // The lock holds without the pid; the pid only makes the error message better.
    }
    return fd;
}

}  // namespace hacluster::daemon
