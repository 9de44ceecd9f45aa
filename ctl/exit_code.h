#pragma once
// haclusterctl's exit codes (ctl/PROTOCOL.md "haclusterctl exit codes").
namespace hacluster::ctl {

enum class ExitCode : int {
    ok = 0,
    failed = 1,       // the daemon refused the request or the command failed
    usage = 2,        // unknown command or option, missing argument
    unreachable = 3,  // socket missing, connection refused, timeout, garbled answer
    // `status` only (ctl/status_check.h, the Nagios convention): 0 OK, then
    status_warning = 1,   // degraded but serving
    status_critical = 2,  // no quorum, or a group failed, blocked or running nowhere
    status_unknown = 3,   // unreachable, starting, garbled, or a usage error
};

constexpr int to_int(ExitCode code) { return static_cast<int>(code); }

}  // namespace hacluster::ctl
