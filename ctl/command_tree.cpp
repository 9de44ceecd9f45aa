#include "ctl/command_tree.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <functional>
#include <optional>
#include <utility>
#include <variant>

#include "agent/wire.h"
#include "ctl/agent_info.h"
#include "ctl/config_check.h"
#include "ctl/control_client.h"
#include "ctl/data_reader.h"
#include "ctl/event_lines.h"
#include "ctl/keygen.h"
#include "ctl/status_check.h"
#include "ctl/switchover_wait.h"
#include "ctl/status_table.h"
#include "ctl/text_table.h"

namespace hacluster::ctl {

namespace {

constexpr std::string_view prefix = "haclusterctl: ";

// Options every command takes, before or after the command name.
struct GlobalOptions {
    std::string socket_path;
    bool json = false;
};

std::string socket_from_environment() {
    const char* env = std::getenv("HACLUSTER_SOCKET");
    return env != nullptr && *env != '\0' ? std::string(env) : std::string(default_socket_path);
}

void add_global_options(CLI::App& app, GlobalOptions& globals) {
    app.add_option("--socket", globals.socket_path,
                   "haclusterd's control socket (default: $HACLUSTER_SOCKET, else " +
                       std::string(default_socket_path) + ")");
    app.add_flag("--json", globals.json, "print the result as JSON (the daemon's data object) on stdout");
}

// What an accepted answer shows, or (garbled) which part of its data is unusable.
struct Rendered {
    std::string text;
    std::optional<std::string> garbled;
};
using Render = std::function<Rendered(const Json& data)>;

Rendered text(std::string s) { return Rendered{std::move(s), std::nullopt}; }
Rendered garbled(std::string why) { return Rendered{{}, std::move(why)}; }

Render status_renderer(std::string (*render)(const ClusterStatus&)) {
    return [render](const Json& data) {
        auto decoded = decode_status(data);
        if (auto* why = std::get_if<std::string>(&decoded)) return garbled(std::move(*why));
        return text(render(std::get<ClusterStatus>(decoded)));
    };
}

Rendered render_events(const Json& data) {
    auto decoded = decode_events(data);
    if (auto* why = std::get_if<std::string>(&decoded)) return garbled(std::move(*why));
    return text(event_lines(std::get<std::vector<EventRecord>>(decoded)));
}

Rendered render_message(const Json& data) {
    DataReader r;
    std::string message = r.string(data, "message", "");
    if (r.failed()) return garbled(r.error());
    return text(terminal_safe(message) + "\n");
}

ExitCode ask_daemon(const GlobalOptions& globals, const Json& request, const Render& render,
                    std::ostream& out, std::ostream& err) {
    ClientOptions options;
    options.socket_path = globals.socket_path;
    Reply reply = send_request(options, request);
    if (const auto* unreachable = std::get_if<Unreachable>(&reply)) {
        err << prefix << terminal_safe(unreachable->message) << "\n";
        return ExitCode::unreachable;
    }
    if (const auto* refused = std::get_if<Refused>(&reply)) {
        err << prefix << terminal_safe(refused->error) << "\n";
        return ExitCode::failed;
    }
    const Json& data = std::get<Accepted>(reply).data;
    if (globals.json) {
        out << data.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
        return ExitCode::ok;
    }
    const Rendered rendered = render(data);
    if (rendered.garbled) {
        err << prefix << "garbled answer from haclusterd at " << terminal_safe(globals.socket_path) << ": "
            << terminal_safe(*rendered.garbled) << "\n";
        return ExitCode::unreachable;
    }
    out << rendered.text;
    return ExitCode::ok;
}

Rendered render_config_show(const Json& data) {
    std::string why;
    auto shown = config_show_text(data, why);
    if (!shown) return garbled(std::move(why));
    return text(std::move(*shown));
}

// switchover --wait: who runs the group now, the request, then the wait.
ExitCode switchover_and_wait(const GlobalOptions& globals, const Json& request, SwitchoverWait wait,
                             std::ostream& out, std::ostream& err) {
    ClientOptions options;
    options.socket_path = globals.socket_path;
    const PrimaryLookup before = look_up_primary(options, wait.group);
    if (before.error) {
        err << prefix << "switchover: " << terminal_safe(*before.error) << "\n";
        return before.unreachable ? ExitCode::unreachable : ExitCode::failed;
    }
    wait.from = before.primary;
    const auto requested = std::chrono::steady_clock::now();
    Reply reply = send_request(options, request);
    if (const auto* unreachable = std::get_if<Unreachable>(&reply)) {
        err << prefix << terminal_safe(unreachable->message) << "\n";
        return ExitCode::unreachable;
    }
    if (const auto* refused = std::get_if<Refused>(&reply)) {
        err << prefix << terminal_safe(refused->error) << "\n";
        return ExitCode::failed;
    }
    if (!globals.json) {
        const Rendered accepted = render_message(std::get<Accepted>(reply).data);
        if (!accepted.garbled) out << accepted.text;
    }
    return wait_for_switchover(options, wait, requested, out, err);
}

// `status`: the tables (or --json, or --short's one line) and the check's exit
// code (ctl/status_check.h); whatever keeps the check from judging is UNKNOWN.
ExitCode status_command(const GlobalOptions& globals, bool short_form, std::ostream& out, std::ostream& err) {
    ClientOptions options;
    options.socket_path = globals.socket_path;
    const auto unknown = [&](const std::string& why) {
        if (short_form) out << "HACLUSTER UNKNOWN: " << terminal_safe(why) << "\n";
        err << prefix << terminal_safe(why) << "\n";
        return ExitCode::status_unknown;
    };
    Reply reply = send_request(options, make_request("status"));
    if (const auto* unreachable = std::get_if<Unreachable>(&reply)) return unknown(unreachable->message);
    if (const auto* refused = std::get_if<Refused>(&reply)) return unknown(refused->error);
    const Json& data = std::get<Accepted>(reply).data;
    auto decoded = decode_status(data);
    if (auto* why = std::get_if<std::string>(&decoded)) {
        return unknown("garbled answer from haclusterd at " + globals.socket_path + ": " + *why);
    }
    const ClusterStatus& status = std::get<ClusterStatus>(decoded);
    const CheckResult check = check_status(status);
    if (globals.json) {
        out << data.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    } else if (short_form) {
        out << check_line(check) << "\n";
    } else {
        out << status_report(status) << "\n" << check_line(check) << "\n";
    }
    return static_cast<ExitCode>(static_cast<int>(check.level));
}

ExitCode keygen(const std::string& file, const GlobalOptions& globals, std::ostream& out, std::ostream& err) {
    if (auto error = write_new_key(file)) {
        err << prefix << terminal_safe(*error) << "\n";
        return ExitCode::failed;
    }
    if (globals.json) {
        out << Json{{"file", file}, {"bytes", key_bytes}, {"mode", "0600"}}.dump(
                   2, ' ', false, Json::error_handler_t::replace)
            << "\n";
    } else {
        out << "wrote " << key_bytes << "-byte key to " << terminal_safe(file)
            << " (mode 0600); copy it to every node\n";
    }
    return ExitCode::ok;
}

// CLI11 output (help) and errors, mapped onto our streams and exit codes.
ExitCode parse_failure(const CLI::App& app, const CLI::ParseError& e, std::ostream& out, std::ostream& err) {
    if (e.get_name() == "CallForVersion") {
        out << e.what() << "\n";
        return ExitCode::ok;
    }
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
        // --help on any command: CLI11 shows the help of the command it was given to.
        out << app.help();
        return ExitCode::ok;
    }
    // `status` is a check: a usage error there is UNKNOWN (3), not CRITICAL (2).
    const auto parsed = app.get_subcommands();
    const ExitCode usage = !parsed.empty() && parsed.front()->get_name() == "status" ? ExitCode::status_unknown
                                                                                       : ExitCode::usage;
    // A mistyped command name reaches CLI11 as an extra positional; say what it is.
    const CLI::App* innermost = &app;
    while (!innermost->get_subcommands().empty()) innermost = innermost->get_subcommands().front();
    const auto remaining = innermost->remaining();
    const bool wants_command = innermost->get_require_subcommand_min() > 0 && innermost->get_subcommands().empty();
    if (wants_command && !remaining.empty() && !remaining.front().empty() && remaining.front()[0] != '-') {
        err << prefix << "unknown command '" << terminal_safe(remaining.front()) << "'";
    } else {
        err << prefix << e.what();
    }
    err << "\n" << prefix << "run 'haclusterctl --help' for the commands and options\n";
    return usage;
}

ExitCode run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    CLI::App app{"haclusterctl: query and steer the local haclusterd (ctl/PROTOCOL.md)", "haclusterctl"};
    app.require_subcommand(1);
    GlobalOptions globals;
    globals.socket_path = socket_from_environment();
    add_global_options(app, globals);
    app.set_version_flag("--version", std::string("haclusterctl ") + HACLUSTER_VERSION,
                         "print the version and exit");

    // Every leaf command also takes the global options, so both
    // `haclusterctl --json status` and `haclusterctl status --json` work.
    auto leaf = [&globals](CLI::App& parent, std::string name, std::string description) {
        CLI::App* sub = parent.add_subcommand(std::move(name), std::move(description));
        add_global_options(*sub, globals);
        return sub;
    };

    CLI::App* status =
        leaf(app, "status", "nodes, quorum, groups and the last failover; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN");
    bool status_short = false;
    status->add_flag("--short", status_short, "one line, as a Nagios check prints it");
    CLI::App* nodes = leaf(app, "nodes", "the nodes and their links");
    CLI::App* groups = leaf(app, "groups", "the resource groups, their primaries and resources");

    std::string group_name;
    std::string to_node;
    CLI::App* switchover = leaf(app, "switchover", "move a group to another node");
    switchover->add_option("GROUP", group_name, "the group to move")->required();
    CLI::Option* to_option =
        switchover->add_option("--to", to_node, "the node to move it to (default: the best other node)");
    // The same flag as standby / maintenance --ttl: whole seconds, at least 1.
    std::uint32_t ttl_s = 0;
    CLI::Option* ttl_option =
        switchover
            ->add_option("--ttl", ttl_s,
                         "keep the group there for SECONDS (1..2592000), then normal placement "
                         "applies again (default: a one-off move)")
            ->type_name("SECONDS")
            ->check(CLI::Range(std::uint32_t{1}, agent::wire::max_ttl_s));

    bool wait_flag = false;
    int wait_timeout_s = 60;
    switchover->add_flag("--wait", wait_flag,
                         "return once the group runs on the target (or failed) and print how long it took");
    CLI::Option* wait_timeout_option =
        switchover->add_option("--timeout", wait_timeout_s, "with --wait: give up after SECONDS (1..3600; default 60)")
            ->type_name("SECONDS")
            ->check(CLI::Range(1, 3600));

    std::string node_name;
    CLI::App* standby = leaf(app, "standby", "make a node run no groups (they move away)");
    standby->add_option("NODE", node_name, "the node")->required();
    CLI::Option* standby_ttl =
        standby->add_option("--ttl", ttl_s, "seconds after which the node is online again by itself")
            ->type_name("SECONDS")
            ->check(CLI::Range(std::uint32_t{1}, agent::wire::max_ttl_s));
    CLI::App* online = leaf(app, "online", "make a node eligible for groups again");
    online->add_option("NODE", node_name, "the node")->required();

    std::string maintenance_state;
    std::string maintenance_group;
    CLI::App* maintenance =
        leaf(app, "maintenance", "stop managing groups (nothing is started, stopped or monitored) or resume");
    maintenance->add_option("STATE", maintenance_state, "on or off")->required()->check(CLI::IsMember({"on", "off"}));
    CLI::Option* maintenance_group_option =
        maintenance->add_option("--group", maintenance_group, "only this group (default: the whole cluster)");
    CLI::Option* maintenance_ttl =
        maintenance->add_option("--ttl", ttl_s, "seconds after which maintenance ends by itself (with on)")
            ->type_name("SECONDS")
            ->check(CLI::Range(std::uint32_t{1}, agent::wire::max_ttl_s));

    std::string cleanup_group;
    std::string cleanup_node;
    CLI::App* cleanup = leaf(app, "cleanup", "forget a group's failures and fail counts; unblock it");
    cleanup->add_option("GROUP", cleanup_group, "the group")->required();
    CLI::Option* cleanup_node_option =
        cleanup->add_option("--node", cleanup_node, "only on this node (default: every node)");

    int limit = 0;
    CLI::App* events = leaf(app, "events", "recent transitions, oldest first");
    CLI::Option* limit_option =
        events->add_option("--limit", limit, "how many (1..1000; default: the daemon's, 50)")
            ->check(CLI::Range(1, 1000));

    CLI::App* reload = leaf(app, "reload", "re-read the daemon's config file: applies it or says why not");

    std::string file;
    CLI::App* keygen_cmd = leaf(app, "keygen", "write a new random cluster key file (mode 0600)");
    keygen_cmd->add_option("FILE", file, "where to write it; an existing file is never replaced")->required();

    CLI::App* config = app.add_subcommand("config", "work with a config file");
    config->require_subcommand(1);
    add_global_options(*config, globals);
    CLI::App* check = leaf(*config, "check", "validate a config file with the daemon's loader and explain its timing");
    check->add_option("FILE", file, "the config file, e.g. /etc/hacluster/cluster.json")->required();
    CLI::App* show = leaf(*config, "show",
                          "the effective config with every default and its hash: the daemon's running one, or FILE's");
    CLI::Option* show_file = show->add_option("FILE", file, "a config file to show instead (no daemon needed)");

    std::string agent_name;
    CLI::App* agent = app.add_subcommand("agent", "resource agents on this node");
    agent->require_subcommand(1);
    add_global_options(*agent, globals);
    CLI::App* agent_info_cmd = leaf(*agent, "info", "what an agent is, its parameters and actions (no daemon needed)");
    agent_info_cmd
        ->add_option("NAME", agent_name,
                     "ocf:PROVIDER:TYPE, lsb:NAME, systemd:UNIT, vip or a script's absolute path")
        ->required();

    try {
        std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 wants them backwards
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        return parse_failure(app, e, out, err);
    }

    if (status->parsed()) return status_command(globals, status_short, out, err);
    if (nodes->parsed()) return ask_daemon(globals, make_request("nodes"), status_renderer(nodes_table), out, err);
    if (groups->parsed()) {
        return ask_daemon(globals, make_request("groups"), status_renderer(groups_table), out, err);
    }
    if (switchover->parsed()) {
        Json request = make_request("switchover");
        request["group"] = group_name;
        if (to_option->count() > 0) request["to"] = to_node;
        if (ttl_option->count() > 0) request["ttl_s"] = ttl_s;
        if (!wait_flag) {
            if (wait_timeout_option->count() > 0) {
                err << prefix << "switchover: --timeout applies to --wait only\n";
                return ExitCode::usage;
            }
            return ask_daemon(globals, request, render_message, out, err);
        }
        SwitchoverWait wait;
        wait.group = group_name;
        if (to_option->count() > 0) wait.target = to_node;
        wait.timeout = std::chrono::seconds(wait_timeout_s);
        wait.json = globals.json;
        return switchover_and_wait(globals, request, std::move(wait), out, err);
    }
    if (reload->parsed()) return ask_daemon(globals, make_request("reload"), render_message, out, err);
    if (show->parsed()) {
        const OutputFormat format = globals.json ? OutputFormat::json : OutputFormat::text;
        if (show_file->count() > 0) return show_config_file(file, format, out, err);
        return ask_daemon(globals, make_request("config_show"), render_config_show, out, err);
    }
    if (standby->parsed() || online->parsed()) {
        Json request = make_request(standby->parsed() ? "standby" : "online");
        request["node"] = node_name;
        if (standby->parsed() && standby_ttl->count() > 0) request["ttl_s"] = ttl_s;
        return ask_daemon(globals, request, render_message, out, err);
    }
    if (maintenance->parsed()) {
        if (maintenance_ttl->count() > 0 && maintenance_state == "off") {
            err << prefix << "maintenance: --ttl applies to \"on\" only\n";
            return ExitCode::usage;
        }
        Json request = make_request("maintenance");
        request["state"] = maintenance_state;
        if (maintenance_group_option->count() > 0) request["group"] = maintenance_group;
        if (maintenance_ttl->count() > 0) request["ttl_s"] = ttl_s;
        return ask_daemon(globals, request, render_message, out, err);
    }
    if (cleanup->parsed()) {
        Json request = make_request("cleanup");
        request["group"] = cleanup_group;
        if (cleanup_node_option->count() > 0) request["node"] = cleanup_node;
        return ask_daemon(globals, request, render_message, out, err);
    }
    if (events->parsed()) {
        Json request = make_request("events");
        if (limit_option->count() > 0) request["limit"] = limit;
        return ask_daemon(globals, request, render_events, out, err);
    }
    if (keygen_cmd->parsed()) return keygen(file, globals, out, err);
    if (check->parsed()) {
        return check_config(file, globals.json ? OutputFormat::json : OutputFormat::text, out, err);
    }
    if (agent_info_cmd->parsed()) {
        return agent_info(agent_name, resources::ScriptDirs::standard(),
                          globals.json ? OutputFormat::json : OutputFormat::text, out, err);
    }
    err << prefix << "no command given\n";  // require_subcommand makes this unreachable
    return ExitCode::usage;
}

}  // namespace

ExitCode run_haclusterctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) noexcept {
    try {
        return run(args, out, err);
    } catch (const std::exception& e) {
        try {
            err << prefix << e.what() << "\n";
        } catch (...) {
        }
        return ExitCode::failed;
    }
}

}  // namespace hacluster::ctl
