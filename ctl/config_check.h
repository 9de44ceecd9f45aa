#pragma once
// `haclusterctl config check FILE`: the daemon's own loader (daemon/config_loader.h)
// judges the file, so the check can never disagree with what haclusterd accepts.
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "ctl/control_client.h"

#include "ctl/exit_code.h"

namespace hacluster::ctl {

enum class OutputFormat { text, json };

// Valid: "config OK: FILE" and the timing explanation (or, as JSON, the derived
// timing per group) on out, ExitCode::ok. Invalid: "FILE: PATH: MESSAGE" per
// problem on err, ExitCode::failed.
[[nodiscard]] ExitCode check_config(const std::filesystem::path& file, OutputFormat format,
                                    std::ostream& out, std::ostream& err);

// `haclusterctl config show FILE` (no daemon): the file's effective config, every
// default filled in and this node's OCF meta-data applied (daemon/config_dump.h),
// and its config hash. Text: a "config FILE: hash H" line, then the JSON; --json:
// {"file", "hash", "config"}. A file the loader rejects: as check_config.
[[nodiscard]] ExitCode show_config_file(const std::filesystem::path& file, OutputFormat format,
                                        std::ostream& out, std::ostream& err);

// The daemon's `config_show` data as text: "running config: hash H; FILE: same" and
// the JSON. nullopt and `why` set when a field is missing or of the wrong type.
[[nodiscard]] std::optional<std::string> config_show_text(const Json& data, std::string& why);

}  // namespace hacluster::ctl
