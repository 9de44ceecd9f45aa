#include "daemon/ops_commands.h"

#include <variant>

#include "daemon/config_dump.h"

namespace hacluster::daemon {

nlohmann::ordered_json config_show(const DaemonConfig& running, const std::filesystem::path& file) {
    const nlohmann::ordered_json effective = effective_config(running);
    std::string state;
    auto loaded = load_config(file);
    if (const auto* errors = std::get_if<std::vector<LoadError>>(&loaded)) {
        const LoadError& first = errors->front();
        state = "unusable: " + (first.path.empty() ? "" : first.path + ": ") + first.message;
    } else {
        // OCF meta-data defaults are not read again here (that runs the agents):
        // the hash and the node's own settings decide.
        const DaemonConfig& fresh = std::get<DaemonConfig>(loaded);
        const nlohmann::ordered_json on_disk = effective_config(fresh);
        bool same = config_hash_text(fresh) == config_hash_text(running);
        for (const char* key : {"heartbeat", "auth_key_file", "self_fence", "hooks", "health_checks"}) {
            same = same && on_disk[key] == effective[key];
        }
        state = same ? "same" : "changed";
    }
    return {{"file", file.string()}, {"hash", config_hash_text(running)}, {"file_state", state}, {"config", effective}};
}

void add_ops_commands(DaemonShell& shell, std::filesystem::path config_file) {
    shell.add_command("reload", [&shell, config_file](const ControlRequest&, ControlServer::Respond respond) {
        using Outcome = DaemonShell::ReloadResult::Outcome;
        const DaemonShell::ReloadResult result = shell.reload(config_file);
        const bool ok = result.outcome == Outcome::unchanged || result.outcome == Outcome::applied;
        if (ok) {
            respond({{"ok", true},
                     {"data",
                      {{"message", "reload: " + result.message},
                       {"outcome", result.outcome == Outcome::applied ? "applied" : "unchanged"}}}});
        } else {
            respond({{"ok", false}, {"error", "reload: " + result.message}});
        }
    });
    shell.add_command("config_show", [&shell, config_file](const ControlRequest&, ControlServer::Respond respond) {
        respond({{"ok", true}, {"data", config_show(shell.config(), config_file)}});
    });
}

}  // namespace hacluster::daemon
