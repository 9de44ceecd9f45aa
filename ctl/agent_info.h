#pragma once
// `haclusterctl agent info NAME`: what a resource agent is and does on this node,
// without a daemon. OCF agents: their path, version and description, their
// parameters and actions from `meta-data`; the other classes (lsb, systemd, the
// bundled agents and script paths): what the class runs for each action.
#include <ostream>
#include <string>

#include "ctl/config_check.h"
#include "ctl/exit_code.h"
#include "resources/script_class.h"

namespace hacluster::ctl {

// ExitCode::ok with the description on out; ExitCode::failed with a message naming
// what was looked for (and where) on err when the agent is unknown, malformed or
// not installed.
[[nodiscard]] ExitCode agent_info(const std::string& name, const resources::ScriptDirs& dirs, OutputFormat format,
                                  std::ostream& out, std::ostream& err);

}  // namespace hacluster::ctl
