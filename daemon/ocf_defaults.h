#pragma once
// What a config's OCF resources take from their agents' meta-data on this node
// (resources/ocf_metadata.h): each agent's meta-data is read once; an agent that
// is not installed, or whose meta-data cannot be read, is an error at the
// resource's agent; a required parameter missing from params is an error at its
// params; the start, stop and monitor actions' timeouts and the monitor's interval
// become the resource's when the config leaves them out (config values win).
//
// Runs the agents, so it is not part of parse_config() (which stays pure for the
// fuzz target and the tests): haclusterd and `haclusterctl config check` call it
// after loading.
#include <vector>

#include "daemon/config_loader.h"
#include "resources/script_class.h"

namespace hacluster::daemon {

[[nodiscard]] std::vector<LoadError> apply_ocf_metadata(DaemonConfig& config, const resources::ScriptDirs& dirs);

}  // namespace hacluster::daemon
