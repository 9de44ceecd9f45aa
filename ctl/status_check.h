#pragma once
// `haclusterctl status` as a check (ctl/README.md "status as a check"): the
// Nagios plugin convention, as crm_mon -s uses it. OK (exit 0): quorum, every
// group runs, nothing degraded. WARNING (1): still serving but degraded — a node
// offline, in standby, leaving or unhealthy, a link down, a group starting,
// stopping, probing or in maintenance, a resource with failures or failed.
// CRITICAL (2): no quorum here, or a group failed, blocked or running
// nowhere. UNKNOWN (3) is decided by the caller: the daemon unreachable, starting
// or its answer garbled, or a usage error.
#include <string>
#include <vector>

#include "ctl/exit_code.h"
#include "ctl/status_table.h"

namespace hacluster::ctl {

enum class CheckLevel : int { ok = 0, warning = 1, critical = 2, unknown = 3 };

struct CheckResult {
    CheckLevel level = CheckLevel::ok;
    std::vector<std::string> critical;  // what makes it critical, in status order
    std::vector<std::string> warnings;
    // For the OK line: "3/3 nodes online, quorum won (3/3 votes), 2/2 groups running".
    std::string summary;
};

[[nodiscard]] CheckResult check_status(const ClusterStatus& status);

// One line, the plugin format: `HACLUSTER CRITICAL: quorum lost (1/3 votes, need 2);
// group web runs nowhere | WARNING: node n2 OFFLINE` or `HACLUSTER OK: ...`.
[[nodiscard]] std::string check_line(const CheckResult& result);

[[nodiscard]] const char* to_string(CheckLevel level);  // OK, WARNING, CRITICAL, UNKNOWN

}  // namespace hacluster::ctl
