#pragma once
// The `events` answer (ctl/PROTOCOL.md) as one line per transition, oldest first:
// `2026-11-22T18:40:00.123Z started web on n1 term=4 reason=start_ok`. Kinds stay
// the core's identifiers so the lines can be grepped like the daemon's log.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ctl/control_client.h"

namespace hacluster::ctl {

struct EventRecord {
    std::string at;
    std::string kind;
    std::optional<std::string> node;
    std::optional<std::string> group;  // null for node-level events
    std::optional<std::uint64_t> term;
    std::optional<std::string> reason;
};

// The events, or "PATH: what is wrong" for the first bad field.
[[nodiscard]] std::variant<std::vector<EventRecord>, std::string> decode_events(const Json& data);

// Group events: `AT KIND GROUP on NODE term=T reason=R`; node-level events:
// `AT KIND NODE reason=R`. Absent fields (and an empty reason) are left out.
[[nodiscard]] std::string event_line(const EventRecord& event);
[[nodiscard]] std::string event_lines(const std::vector<EventRecord>& events);

}  // namespace hacluster::ctl
