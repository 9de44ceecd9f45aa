#pragma once
// One control request (ctl/PROTOCOL.md), decoded from the line a client sent.
// Untrusted input (STYLE.md "Errors"): decode_request never throws and never
// asserts; a rejected line comes back as the error text the client is answered
// with, naming the field or the value that was wrong. Pure: no I/O, so the fuzz
// target (test/fuzz/fuzz_control_request.cpp) runs it as the daemon does.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "agent/io.h"

namespace hacluster::daemon {

inline constexpr int control_protocol_version = 1;
// A request is a few hundred bytes; the bound keeps one client from making the
// daemon buffer (and parse) megabytes (ctl/PROTOCOL.md).
inline constexpr std::size_t max_request_bytes = 64 * 1024;
// events: how many transitions one answer may carry (the history keeps more).
inline constexpr std::uint64_t max_events_limit = 1000;

enum class ControlCommand : std::uint8_t {
    status, nodes, groups, events, switchover, standby, online, maintenance, cleanup,
    reload, config_show  // daemon/ops_commands.h
};

struct ControlRequest {
    ControlCommand command = ControlCommand::status;
    std::string name;                // the command as the client named it
    std::string group;               // switchover, cleanup; maintenance (empty: the cluster)
    std::string node;                // switchover target ("to"; empty: best other),
                                     // standby/online, cleanup (empty: every node)
    agent::Switch state = agent::Switch::on;  // maintenance
    std::optional<std::chrono::seconds> ttl;  // switchover, standby, maintenance on
    std::size_t limit = 50;          // events: the newest this many
};

// The request, or why the line is not one (e.g. "switchover: \"group\" is required",
// "request is not valid JSON at byte 17").
[[nodiscard]] std::variant<ControlRequest, std::string> decode_request(std::string_view line) noexcept;

const char* to_string(ControlCommand command);

}  // namespace hacluster::daemon
