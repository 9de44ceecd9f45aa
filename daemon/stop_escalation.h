#pragma once
// The escalation of a stop that could not be confirmed before the lease ends
// (docs/design.md §4.8), carried out the same way by the daemon (out::Escalate,
// out::SelfFence) and by its supervisor (a frozen or killed daemon's guard):
//
// 1. the caller SIGKILLs the group's scripts (GroupActions::kill_now);
// 2. remove_group_addresses(): every address the group's resources hold (a
//    native vip's address, the ip of IPaddr2 / IPaddr, IPv6addr's ipv6addr,
//    IPsrcaddr's ipaddress) is removed through netlink — no fork, bounded time;
//    when every resource of the group is such an address and each one is gone,
//    nothing of the group runs here any more (in::Covered::yes);
// 3. otherwise self_fence(): the configured action at once.
#include <string>
#include <string_view>
#include <vector>

#include "agent/io.h"
#include "daemon/config_loader.h"

namespace hacluster::daemon {

struct AddressRemoval {
    agent::in::Covered covered = agent::in::Covered::no;
    std::string message;  // what was removed, or what failed, for the log
};

AddressRemoval remove_group_addresses(const std::vector<ResourceConfig>& resources);

// Test safety net: with this variable set in its environment, a `reboot`
// self-fence is logged and not carried out (tests must never reboot the machine
// they run on; they configure `command`). Never set in production.
inline constexpr const char* no_reboot_variable = "HACLUSTER_NO_REBOOT";

struct SelfFenceRequest {
    agent::GroupId group = 0;
    agent::Term term = 0;
    std::string_view reason;
    std::string_view by;  // "daemon" or "supervisor", for the log and the command
};

// Carries out config.cluster.self_fence now: reboot (sysrq 'b', then reboot(2)),
// command (the operator's executable with GROUP TERM as arguments and
// HACLUSTER_* in its environment, started in its own session and not waited
// for), or off (an error in the log). Returns only if the machine is still up.
void self_fence(const DaemonConfig& config, agent::NodeId self, const SelfFenceRequest& request);

}  // namespace hacluster::daemon
