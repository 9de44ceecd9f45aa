#pragma once
// `haclusterctl config check FILE`: the daemon's own loader (daemon/config_loader.h)
// judges the file, so the check can never disagree with what haclusterd accepts.
#include <filesystem>
#include <ostream>

#include "ctl/exit_code.h"

namespace hacluster::ctl {

enum class OutputFormat { text, json };

// Valid: "config OK: FILE" and the timing explanation (or, as JSON, the derived
// timing per group) on out, ExitCode::ok. Invalid: "FILE: PATH: MESSAGE" per
// problem on err, ExitCode::failed.
[[nodiscard]] ExitCode check_config(const std::filesystem::path& file, OutputFormat format,
                                    std::ostream& out, std::ostream& err);

}  // namespace hacluster::ctl
