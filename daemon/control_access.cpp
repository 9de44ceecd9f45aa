#include "daemon/control_access.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace hacluster::daemon {

namespace {

std::optional<gid_t> group_id(const char* name) {
    struct group buf {};
    struct group* found = nullptr;
    char storage[4096];
    if (::getgrnam_r(name, &buf, storage, sizeof storage, &found) != 0 || found == nullptr) return std::nullopt;
    return found->gr_gid;
}

std::string os_error(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

bool is_read_only(std::string_view command) {
    for (std::string_view c : read_only_commands) {
        if (c == command) return true;
    }
    return false;
}

std::optional<std::string> refuse(std::string_view command, std::optional<uid_t> peer_uid, uid_t daemon_uid) {
    if (is_read_only(command)) return std::nullopt;
    if (peer_uid && (*peer_uid == 0 || *peer_uid == daemon_uid)) return std::nullopt;
    std::string list;
    for (std::string_view c : read_only_commands) list += (list.empty() ? "" : ", ") + std::string(c);
    const std::string who = peer_uid ? "uid " + std::to_string(*peer_uid) : std::string("an unknown peer");
    return std::string(command) + ": permission denied: changes need root (" + who + " may only read: " + list +
           ")";
}

std::optional<std::string> make_socket_dir(const std::string& socket_path) {
    const std::filesystem::path dir = std::filesystem::path(socket_path).parent_path();
    if (dir.empty()) return std::nullopt;
    std::error_code ec;
    if (std::filesystem::exists(dir, ec)) return std::nullopt;
    // Only the last component is made, like systemd's RuntimeDirectory=: a wrong
    // path should fail, not grow a tree.
    if (::mkdir(dir.c_str(), 0750) != 0) return os_error("cannot create the control socket's directory " + dir.string());
    if (const auto gid = group_id(control_group)) {
        if (::chown(dir.c_str(), static_cast<uid_t>(-1), *gid) != 0) {
            return os_error("cannot give " + dir.string() + " to group " + control_group);
        }
    }
    return std::nullopt;
}

SocketAccess set_socket_access(const std::string& socket_path) {
    SocketAccess result;
    if (::chmod(socket_path.c_str(), 0660) != 0) {
        result.error = os_error("control socket " + socket_path + ": cannot chmod 0660");
        return result;
    }
    const auto gid = group_id(control_group);
    if (!gid) {
        result.note = std::string("no group ") + control_group + ": only root may use the control socket " +
                      socket_path;
        return result;
    }
    if (::chown(socket_path.c_str(), static_cast<uid_t>(-1), *gid) != 0) {
        result.error = os_error("control socket " + socket_path + ": cannot give it to group " + control_group);
        return result;
    }
    // Members must also get through the directory.
    const std::filesystem::path dir = std::filesystem::path(socket_path).parent_path();
    struct stat st {};
    if (!dir.empty() && ::stat(dir.c_str(), &st) == 0) {
        const bool group_passes = st.st_gid == *gid && (st.st_mode & S_IXGRP) != 0;
        const bool others_pass = (st.st_mode & S_IXOTH) != 0;
        if (!group_passes && !others_pass) {
            result.note = std::string("members of ") + control_group + " cannot reach the control socket: " +
                          dir.string() + " is not searchable by that group";
        }
    }
    return result;
}

}  // namespace hacluster::daemon
