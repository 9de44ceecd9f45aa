#include "ctl/switchover_wait.h"

#include <cstdio>
#include <thread>
#include <variant>

#include "ctl/status_table.h"
#include "ctl/text_table.h"

namespace hacluster::ctl {

namespace {
constexpr std::string_view prefix = "haclusterctl: ";

std::string seconds(std::chrono::steady_clock::duration d) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f s", std::chrono::duration<double>(d).count());
    return text;
}
}  // namespace

PrimaryLookup look_up_primary(const ClientOptions& options, const std::string& group) {
    PrimaryLookup result;
    Reply reply = send_request(options, make_request("status"));
    if (const auto* unreachable = std::get_if<Unreachable>(&reply)) {
        result.error = unreachable->message;
        result.unreachable = true;
        return result;
    }
    if (const auto* refused = std::get_if<Refused>(&reply)) {
        result.error = refused->error;
        return result;
    }
    auto decoded = decode_status(std::get<Accepted>(reply).data);
    if (auto* why = std::get_if<std::string>(&decoded)) {
        result.error = "garbled answer from haclusterd at " + options.socket_path + ": " + *why;
        result.unreachable = true;
        return result;
    }
    for (const GroupStatus& g : std::get<ClusterStatus>(decoded).groups) {
        if (g.name != group) continue;
        result.primary = g.primary;
        result.state = g.state;
        return result;
    }
    result.error = "unknown group '" + group + "'";
    return result;
}

ExitCode wait_for_switchover(const ClientOptions& options, const SwitchoverWait& wait,
                             std::chrono::steady_clock::time_point requested, std::ostream& out, std::ostream& err) {
    const auto deadline = requested + wait.timeout;
    PrimaryLookup last;
    for (;;) {
        last = look_up_primary(options, wait.group);
        if (last.error) {
            err << prefix << "switchover --wait: " << terminal_safe(*last.error) << "\n";
            return last.unreachable ? ExitCode::unreachable : ExitCode::failed;
        }
        const bool there = last.state == "running" && last.primary &&
                           (wait.target ? *last.primary == *wait.target : *last.primary != wait.from.value_or(""));
        if (there) break;
        if (last.state == "failed" || last.state == "blocked") {
            err << prefix << "switchover of " << terminal_safe(wait.group) << " failed after "
                << seconds(std::chrono::steady_clock::now() - requested) << ": the group is "
                << terminal_safe(last.state) << " (haclusterctl status; haclusterctl cleanup "
                << terminal_safe(wait.group) << ")\n";
            return ExitCode::failed;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            err << prefix << "switchover of " << terminal_safe(wait.group) << " not done after "
                << seconds(wait.timeout) << ": the group is " << terminal_safe(last.state) << " on "
                << (last.primary ? terminal_safe(*last.primary) : std::string("no node")) << "\n";
            return ExitCode::failed;
        }
        std::this_thread::sleep_for(wait.poll);
    }
    const auto took = std::chrono::steady_clock::now() - requested;
    if (wait.json) {
        out << Json{{"group", wait.group},
                    {"from", wait.from ? Json(*wait.from) : Json(nullptr)},
                    {"to", *last.primary},
                    {"duration_ms", std::chrono::duration_cast<std::chrono::milliseconds>(took).count()}}
                   .dump(2, ' ', false, Json::error_handler_t::replace)
            << "\n";
    } else {
        out << terminal_safe(wait.group) << " runs on " << terminal_safe(*last.primary) << ": the switchover took "
            << seconds(took) << "\n";
    }
    return ExitCode::ok;
}

}  // namespace hacluster::ctl
