#pragma once
// Control commands served beside the shell's own (ctl/PROTOCOL.md): `reload`
// (applies the config file or says why not) and `config_show` (the running
// config with its defaults and hash, and whether the file on disk still matches).
#include <filesystem>

#include "daemon/daemon_shell.h"

namespace hacluster::daemon {

void add_ops_commands(DaemonShell& shell, std::filesystem::path config_file);

// config_show's data: {"file", "hash", "file_state", "config"}. file_state is
// "same", "changed" (reload or restart to apply) or "unusable: WHY".
[[nodiscard]] nlohmann::ordered_json config_show(const DaemonConfig& running, const std::filesystem::path& file);

}  // namespace hacluster::daemon
