#include "daemon/supervisor_protocol.h"

#include <charconv>
#include <cstdint>

namespace hacluster::daemon {

namespace {

// Splits on single spaces; words must be non-empty.
std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    while (!line.empty()) {
        const std::size_t space = line.find(' ');
        out.push_back(line.substr(0, space));
        if (space == std::string_view::npos) break;
        line.remove_prefix(space + 1);
        if (line.empty()) out.emplace_back();  // a trailing space: an empty word
    }
    return out;
}

template <typename T>
std::optional<T> number(std::string_view text) {
    T value{};
    if (text.empty()) return std::nullopt;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

std::string encode_guard(const agent::out::Guard& guard) {
    std::string line = "guard " + std::to_string(guard.group) + " " + std::to_string(guard.term) + " ";
    line += guard.stop_at ? std::to_string(guard.stop_at->time_since_epoch().count()) : std::string("-");
    line += " ";
    line += guard.escalate_at ? std::to_string(guard.escalate_at->time_since_epoch().count()) : std::string("-");
    return line + "\n";
}

std::optional<agent::out::Guard> parse_guard(std::string_view line) {
    const auto w = words(line);
    // Four words from a supervisor of the release before escalate_at (a handover
    // offer across an upgrade), five since.
    if ((w.size() != 4 && w.size() != 5) || w[0] != "guard") return std::nullopt;
    const auto group = number<agent::GroupId>(w[1]);
    const auto term = number<agent::Term>(w[2]);
    if (!group || !term) return std::nullopt;
    agent::out::Guard guard{*group, *term, std::nullopt, std::nullopt};
    const auto instant = [](std::string_view word, std::optional<agent::Instant>& into) {
        if (word == "-") return true;
        const auto ns = number<std::int64_t>(word);
        if (!ns || *ns < 0) return false;
        into = agent::Instant(agent::Duration(*ns));
        return true;
    };
    if (!instant(w[3], guard.stop_at)) return std::nullopt;
    if (w.size() == 5 && !instant(w[4], guard.escalate_at)) return std::nullopt;
    return guard;
}

std::string encode_script(const ScriptGroup& script) {
    return std::string(script.running ? "script " : "script-end ") + std::to_string(script.pgid) + "\n";
}

std::optional<ScriptGroup> parse_script(std::string_view line) {
    const auto w = words(line);
    if (w.size() != 2 || (w[0] != "script" && w[0] != "script-end")) return std::nullopt;
    const auto pgid = number<int>(w[1]);
    if (!pgid || *pgid <= 1) return std::nullopt;  // never a kill(-1) or kill(0)
    return ScriptGroup{*pgid, w[0] == "script"};
}

std::string encode_report(const agent::in::SupervisorStop& report) {
    return std::string(report.phase == agent::in::SupervisorPhase::begun ? "begun " : "done ") +
           std::to_string(report.group) + " " + std::to_string(report.term) + "\n";
}

std::optional<agent::in::SupervisorStop> parse_report(std::string_view line) {
    const auto w = words(line);
    if (w.size() != 3 || (w[0] != "begun" && w[0] != "done")) return std::nullopt;
    const auto group = number<agent::GroupId>(w[1]);
    const auto term = number<agent::Term>(w[2]);
    if (!group || !term) return std::nullopt;
    return agent::in::SupervisorStop{
        *group, *term, w[0] == "begun" ? agent::in::SupervisorPhase::begun : agent::in::SupervisorPhase::done};
}

std::vector<std::string> LineSplitter::append(std::string_view bytes) {
    std::vector<std::string> lines;
    while (!bytes.empty()) {
        const std::size_t newline = bytes.find('\n');
        const std::string_view piece = bytes.substr(0, newline);
        if (!discarding_) {
            partial_.append(piece);
            if (partial_.size() > max_line) {
                partial_.clear();
                discarding_ = true;
            }
        }
        if (newline == std::string_view::npos) break;
        if (!discarding_) lines.push_back(std::move(partial_));
        partial_.clear();
        discarding_ = false;
        bytes.remove_prefix(newline + 1);
    }
    return lines;
}

}  // namespace hacluster::daemon
