#pragma once
// The `ocf` resource class (and the name rule of the `lsb` class): an agent named "ocf:PROVIDER:TYPE" runs
// $OCF_ROOT/resource.d/PROVIDER/TYPE unmodified, as the OCF resource agent API 1.1
// describes it (resources/CONTRACT.md, "ocf"): the action as argv[1]; OCF_ROOT,
// OCF_RA_VERSION_MAJOR/MINOR, OCF_RESOURCE_INSTANCE (the resource's name),
// OCF_RESOURCE_TYPE, OCF_RESOURCE_PROVIDER; every param as OCF_RESKEY_<name>; the
// action's timeout and the monitor interval in milliseconds as
// OCF_RESKEY_CRM_meta_timeout and OCF_RESKEY_CRM_meta_interval (the names
// Pacemaker gives them, which agents read). The HACLUSTER_* variables of the
// script class are set too.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>
#include <chrono>

#include "resources/process_runner.h"
#include "resources/resource_config.h"

namespace hacluster::resources {

inline constexpr const char* default_ocf_root = "/usr/lib/ocf";  // Debian's resource-agents

struct OcfAgent {
    std::string provider;  // e.g. "heartbeat"
    std::string type;      // e.g. "IPaddr2"
};

bool is_ocf_agent(std::string_view agent);
// "ocf:heartbeat:IPaddr2" -> {heartbeat, IPaddr2}; an error names what is wrong.
// Provider and type are [A-Za-z0-9_.-]+ (never "." or ".."): they become a path.
std::variant<OcfAgent, std::string> parse_ocf_agent(std::string_view agent);

struct LsbAgent {
    std::string name;  // the init script's file name
};
// "lsb:nginx" -> {nginx}: a file name in the init script directory, never a path
// (not empty, ".", ".." or with a '/'); the error names the agent.
std::variant<LsbAgent, std::string> parse_lsb_agent(std::string_view agent);

// OCF_RESKEY_ names must be shell identifiers: [A-Za-z_][A-Za-z0-9_]*.
std::optional<std::string> check_ocf_param(std::string_view name);

// The agent's executable under root.
std::filesystem::path ocf_agent_path(const std::filesystem::path& root, const OcfAgent& agent);

// The OCF variables for one action (timeout in ms; interval: the monitor interval
// for a monitor, 0 otherwise), or the first param whose name is not an identifier.
std::variant<std::vector<std::string>, std::string> ocf_environment(const ResourceConfig& resource,
                                                                     const OcfAgent& agent,
                                                                     const std::filesystem::path& root,
                                                                     std::chrono::nanoseconds timeout,
                                                                     std::chrono::nanoseconds interval);

}  // namespace hacluster::resources
