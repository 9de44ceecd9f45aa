#pragma once
// The two pipes between haclusterd and its supervisor (docs/design.md §8), one
// text line per message so that a trace of them reads like the log:
//
//   daemon -> supervisor   "guard GROUP TERM STOP_AT_NS"   stop_at on CLOCK_MONOTONIC
//                          "guard GROUP TERM -"            nothing to guard any more
//                          "script PGID" | "script-end PGID"  the daemon's scripts
//   supervisor -> daemon   "begun GROUP TERM" | "done GROUP TERM"
//
// Parsers reject anything else (nullopt); neither side ever trusts the other's
// bytes further than these numbers.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/io.h"

namespace hacluster::daemon {

std::string encode_guard(const agent::out::Guard& guard);
std::optional<agent::out::Guard> parse_guard(std::string_view line);
// A script's process group, running or ended.
struct ScriptGroup {
    int pgid = 0;
    bool running = false;
};
std::string encode_script(const ScriptGroup& script);
std::optional<ScriptGroup> parse_script(std::string_view line);

std::string encode_report(const agent::in::SupervisorStop& report);
std::optional<agent::in::SupervisorStop> parse_report(std::string_view line);

// Cuts a byte stream into lines. A line longer than the limit is dropped whole
// (up to its newline): the protocol has no long lines, so it can only be garbage.
class LineSplitter {
public:
    static constexpr std::size_t max_line = 256;
    std::vector<std::string> append(std::string_view bytes);

private:
    std::string partial_;
    bool discarding_ = false;
};

}  // namespace hacluster::daemon
