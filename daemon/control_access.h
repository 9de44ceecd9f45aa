#pragma once
// Who may do what on the control socket (README "Control socket access"): the
// socket is 0660 root:haclient, so root and the members of haclient connect at
// all; of those, only root (or the daemon's own user, for a daemon run unprivileged
// in tests) may change anything. Members may read: status, nodes, groups, events,
// metrics, config_show. The daemon checks the peer's uid (SO_PEERCRED) per request.
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace hacluster::daemon {

// The group that may read through the control socket.
inline constexpr const char* control_group = "haclient";

// Commands that change nothing.
inline constexpr std::string_view read_only_commands[] = {"status", "nodes", "groups", "events", "metrics",
                                                          "config_show"};

[[nodiscard]] bool is_read_only(std::string_view command);

// nullopt when the peer may run the command, else the refusal:
// "switchover: permission denied: changes need root (uid 1001 may only read: status, ...)".
// peer_uid nullopt: the kernel did not say who it is (treated as unprivileged).
[[nodiscard]] std::optional<std::string> refuse(std::string_view command, std::optional<uid_t> peer_uid,
                                                uid_t daemon_uid);

// Gives the socket at path mode 0660 and the haclient group when it exists; its
// directory is created (0750, haclient) when missing. Returns what to log: a note
// when haclient does not exist or cannot reach the socket, else nullopt. Errors
// (chmod, chown, mkdir) come back as the second member.
struct SocketAccess {
    std::optional<std::string> note;
    std::optional<std::string> error;
};
[[nodiscard]] std::optional<std::string> make_socket_dir(const std::string& socket_path);
[[nodiscard]] SocketAccess set_socket_access(const std::string& socket_path);

}  // namespace hacluster::daemon
