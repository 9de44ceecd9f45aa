#include "ctl/config_check.h"

#include <string>
#include <variant>
#include <vector>

#include "agent/timing.h"
#include "ctl/control_client.h"
#include "ctl/text_table.h"
#include "daemon/config_loader.h"
#include "daemon/ocf_defaults.h"
#include "daemon/stop_budgets.h"

namespace hacluster::ctl {

namespace {

double milliseconds(agent::Duration d) { return static_cast<double>(d.count()) / 1e6; }

Json timing_json(const std::filesystem::path& file, const agent::ClusterConfig& cluster) {
    Json groups = Json::array();
    for (const agent::GroupConfig& group : cluster.groups) {
        const agent::GroupTiming t = agent::group_timing(cluster, group);
        groups.push_back(Json{{"name", group.name},
                              {"lease_ms", milliseconds(t.lease)},
                              {"grant_hold_ms", milliseconds(t.grant_hold)},
                              {"safety_margin_ms", milliseconds(t.safety_margin)},
                              {"failover_bound_ms", milliseconds(t.failover_bound)}});
    }
    return Json{{"file", file.string()},
                {"valid", true},
                {"quorum", {{"needed", cluster.majority()}, {"total", cluster.total_votes()}}},
                {"groups", std::move(groups)}};
}

}  // namespace

ExitCode check_config(const std::filesystem::path& file, OutputFormat format, std::ostream& out,
                      std::ostream& err) {
    auto loaded = daemon::load_config(file);
    if (auto* config = std::get_if<daemon::DaemonConfig>(&loaded)) {
        // As haclusterd does: this node's OCF agents and their meta-data.
        if (auto errors = daemon::apply_ocf_metadata(*config, resources::ScriptDirs::standard()); !errors.empty()) {
            loaded = std::move(errors);
        }
    }
    if (const auto* errors = std::get_if<std::vector<daemon::LoadError>>(&loaded)) {
        for (const daemon::LoadError& e : *errors) {
            err << "haclusterctl: " << terminal_safe(file.string()) << ": "
                << (e.path.empty() ? std::string() : terminal_safe(e.path) + ": ") << terminal_safe(e.message)
                << "\n";
        }
        return ExitCode::failed;
    }
    const auto& config = std::get<daemon::DaemonConfig>(loaded);
    if (format == OutputFormat::json) {
        out << timing_json(file, config.cluster).dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    } else {
        out << "config OK: " << terminal_safe(file.string()) << "\n" << agent::explain_timing(config.cluster);
        // Line by line: agent paths come from the file and are shown terminal-safe.
        const std::string text = daemon::explain_stop_budgets(config);
        std::string_view budgets = text;
        for (std::size_t end; (end = budgets.find('\n')) != std::string_view::npos; budgets.remove_prefix(end + 1)) {
            out << terminal_safe(budgets.substr(0, end)) << "\n";
        }
    }
    return ExitCode::ok;
}

}  // namespace hacluster::ctl
