#pragma once
// The effective configuration as JSON (`haclusterctl config show`): the file's own
// keys with every default filled in (the resource layer's, the OCF agents'
// meta-data once applied, the derived stop budgets), in the file's layout, so the
// output can be read as a config file and loads to the same config hash.
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/config_loader.h"

namespace hacluster::daemon {

[[nodiscard]] nlohmann::ordered_json effective_config(const DaemonConfig& config);

// The config hash every heartbeat carries (agent::config_hash), as 16 hex digits.
[[nodiscard]] std::string config_hash_text(const DaemonConfig& config);

}  // namespace hacluster::daemon
