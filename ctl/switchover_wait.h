#pragma once
// `haclusterctl switchover GROUP [--to NODE] --wait`: after the daemon accepted the
// switchover, polls `status` until the group runs on the target (without --to: on a
// node other than the one it ran on) and prints how long the switchover took,
// counted from the request. A group that fails, is blocked or does not get there
// within the timeout is an error (exit 1); a daemon that stops answering, exit 3.
#include <chrono>
#include <optional>
#include <ostream>
#include <string>

#include "ctl/control_client.h"
#include "ctl/exit_code.h"

namespace hacluster::ctl {

struct SwitchoverWait {
    std::string group;
    std::optional<std::string> target;  // --to
    std::optional<std::string> from;    // the primary before the request; none: it ran nowhere
    std::chrono::milliseconds timeout{60'000};
    std::chrono::milliseconds poll{100};
    bool json = false;
};

// The group's primary as `status` says now: nullopt when it runs nowhere; an
// error text when the daemon cannot be asked or does not know the group.
struct PrimaryLookup {
    std::optional<std::string> primary;
    std::string state;
    std::optional<std::string> error;
    bool unreachable = false;
};
[[nodiscard]] PrimaryLookup look_up_primary(const ClientOptions& options, const std::string& group);

[[nodiscard]] ExitCode wait_for_switchover(const ClientOptions& options, const SwitchoverWait& wait,
                                           std::chrono::steady_clock::time_point requested, std::ostream& out,
                                           std::ostream& err);

}  // namespace hacluster::ctl
