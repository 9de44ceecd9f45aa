#include "ctl/config_check.h"

#include <string>
#include <variant>
#include <vector>

#include "agent/timing.h"
#include "ctl/control_client.h"
#include "ctl/data_reader.h"
#include "ctl/text_table.h"
#include "daemon/config_dump.h"
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


// The file as haclusterd loads it (with this node's OCF agents and their
// meta-data), or nullopt after printing every problem on err.
std::optional<daemon::DaemonConfig> load_as_daemon(const std::filesystem::path& file, std::ostream& err) {
    auto loaded = daemon::load_config(file);
    if (auto* config = std::get_if<daemon::DaemonConfig>(&loaded)) {
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
        return std::nullopt;
    }
    return std::get<daemon::DaemonConfig>(std::move(loaded));
}

std::string pretty(const Json& j) { return j.dump(2, ' ', false, Json::error_handler_t::replace); }

}  // namespace

ExitCode show_config_file(const std::filesystem::path& file, OutputFormat format, std::ostream& out,
                          std::ostream& err) {
    const auto config = load_as_daemon(file, err);
    if (!config) return ExitCode::failed;
    const Json effective = Json::parse(daemon::effective_config(*config).dump());
    const std::string hash = daemon::config_hash_text(*config);
    if (format == OutputFormat::json) {
        out << pretty(Json{{"file", file.string()}, {"hash", hash}, {"config", effective}}) << "\n";
    } else {
        out << "config " << terminal_safe(file.string()) << ": hash " << hash << "\n" << pretty(effective) << "\n";
    }
    return ExitCode::ok;
}

std::optional<std::string> config_show_text(const Json& data, std::string& why) {
    DataReader r;
    const std::string hash = r.string(data, "hash", "");
    const std::string file = r.string(data, "file", "");
    const std::string state = r.string(data, "file_state", "");
    const Json* config = r.object(data, "config", "");
    if (r.failed()) {
        why = r.error();
        return std::nullopt;
    }
    std::string line = "running config: hash " + terminal_safe(hash) + "; " + terminal_safe(file) + ": ";
    if (state == "same") {
        line += "the same";
    } else if (state == "changed") {
        line += "CHANGED since the daemon started (haclusterctl reload applies what it can)";
    } else {
        line += terminal_safe(state);
    }
    return line + "\n" + pretty(*config) + "\n";
}

ExitCode check_config(const std::filesystem::path& file, OutputFormat format, std::ostream& out,
                      std::ostream& err) {
    const auto loaded = load_as_daemon(file, err);
    if (!loaded) return ExitCode::failed;
    const daemon::DaemonConfig& config = *loaded;
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
