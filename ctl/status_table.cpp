#include "ctl/status_table.h"

#include <algorithm>
#include <utility>

#include "ctl/data_reader.h"
#include "ctl/text_table.h"

namespace hacluster::ctl {

namespace {

// The states that need an operator's eye, spelled so they stand out without colour.
std::string shown_state(const std::string& state, std::string_view alarming) {
    if (state != alarming) return terminal_safe(state);
    std::string upper = state;
    for (char& ch : upper) {
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    }
    return upper;
}

std::string or_dash(const std::optional<std::string>& value) {
    return value ? terminal_safe(*value) : std::string("-");
}

// "2150 ms", "42 s", "17 min", "30 h": enough precision to tell a blip from an outage.
// A negative age (the daemon's wall clock stepped back) shows as 0.
std::string ago(std::int64_t signed_ms) {
    const std::uint64_t ms = signed_ms < 0 ? 0 : static_cast<std::uint64_t>(signed_ms);
    if (ms < 10'000) return std::to_string(ms) + " ms";
    if (ms < 120'000) return std::to_string(ms / 1000) + " s";
    if (ms < 7'200'000) return std::to_string(ms / 60'000) + " min";
    return std::to_string(ms / 3'600'000) + " h";
}

std::string links_cell(const NodeStatus& node) {
    if (node.links.empty()) return "-";
    std::string cell;
    for (const LinkStatus& link : node.links) {
        if (!cell.empty()) cell += ", ";
        cell += terminal_safe(link.address) + " " + shown_state(link.state, "down");
        if (link.state == "down") {
            cell += link.last_heard_ms ? " (last heard " + ago(*link.last_heard_ms) + " ago)"
                                       : std::string(" (never heard)");
        }
    }
    return cell;
}

std::string resources_cell(const GroupStatus& group) {
    if (group.resources.empty()) return "-";
    std::string cell;
    for (const ResourceStatus& resource : group.resources) {
        if (!cell.empty()) cell += ", ";
        cell += terminal_safe(resource.name) + " " + shown_state(resource.state, "failed");
        if (resource.fail_count > 0) cell += " (fails: " + std::to_string(resource.fail_count) + ")";
    }
    return cell;
}

void read_nodes(DataReader& r, const Json& data, ClusterStatus& status) {
    const Json* nodes = r.array(data, "nodes", "");
    if (nodes == nullptr) return;
    for (std::size_t i = 0; i < nodes->size() && !r.failed(); ++i) {
        const Json& n = (*nodes)[i];
        const std::string path = DataReader::index("nodes", i);
        if (!r.is_object(n, path)) return;
        NodeStatus node;
        node.name = r.string(n, "name", path);
        node.state = r.string(n, "state", path);
        if (n.contains("standby_ttl_s") && n["standby_ttl_s"].is_number_integer()) {
            node.standby_ttl_s = n["standby_ttl_s"].get<std::int64_t>();
        }
        node.health = r.nullable_string(n, "health", path);
        if (const Json* links = r.array(n, "links", path)) {
            for (std::size_t k = 0; k < links->size() && !r.failed(); ++k) {
                const Json& l = (*links)[k];
                const std::string link_path = DataReader::index(DataReader::child(path, "links"), k);
                if (!r.is_object(l, link_path)) return;
                LinkStatus link;
                link.address = r.string(l, "address", link_path);
                link.state = r.string(l, "state", link_path);
                link.last_heard_ms = r.nullable_integer(l, "last_heard_ms", link_path);
                node.links.push_back(std::move(link));
            }
        }
        status.nodes.push_back(std::move(node));
    }
}

void read_groups(DataReader& r, const Json& data, ClusterStatus& status) {
    const Json* groups = r.array(data, "groups", "");
    if (groups == nullptr) return;
    for (std::size_t i = 0; i < groups->size() && !r.failed(); ++i) {
        const Json& g = (*groups)[i];
        const std::string path = DataReader::index("groups", i);
        if (!r.is_object(g, path)) return;
        GroupStatus group;
        group.name = r.string(g, "name", path);
        group.state = r.string(g, "state", path);
        group.primary = r.nullable_string(g, "primary", path);
        group.term = r.unsigned_integer(g, "term", path);
        // Optional: daemons before maintenance existed do not send them.
        if (g.contains("maintenance_ttl_s") && g["maintenance_ttl_s"].is_number_integer()) {
            group.maintenance_ttl_s = g["maintenance_ttl_s"].get<std::int64_t>();
        }
        if (const Json* pin = r.nullable_object(g, "pin", path)) {
            const std::string pin_path = DataReader::child(path, "pin");
            group.pin = PinStatus{r.string(*pin, "node", pin_path),
                                  r.unsigned_integer(*pin, "ttl_remaining_s", pin_path)};
        }
        if (const Json* resources = r.array(g, "resources", path)) {
            for (std::size_t k = 0; k < resources->size() && !r.failed(); ++k) {
                const Json& res = (*resources)[k];
                const std::string res_path = DataReader::index(DataReader::child(path, "resources"), k);
                if (!r.is_object(res, res_path)) return;
                ResourceStatus resource;
                resource.name = r.string(res, "name", res_path);
                resource.state = r.string(res, "state", res_path);
                resource.fail_count = r.unsigned_integer(res, "fail_count", res_path);
                group.resources.push_back(std::move(resource));
            }
        }
        status.groups.push_back(std::move(group));
    }
}

void read_health(DataReader& r, const Json& data, ClusterStatus& status) {
    const Json* health = r.nullable_object(data, "health", "");
    if (health == nullptr) return;
    LocalHealth local;
    local.state = r.string(*health, "state", "health");
    local.reason = r.nullable_string(*health, "reason", "health");
    if (const Json* checks = r.array(*health, "checks", "health")) {
        for (std::size_t i = 0; i < checks->size() && !r.failed(); ++i) {
            const Json& c = (*checks)[i];
            const std::string path = DataReader::index("health.checks", i);
            if (!r.is_object(c, path)) return;
            HealthCheckRow row;
            row.name = r.string(c, "name", path);
            row.type = r.string(c, "type", path);
            row.state = r.string(c, "state", path);
            row.consecutive = r.unsigned_integer(c, "consecutive", path);
            row.message = r.string(c, "message", path);
            local.checks.push_back(std::move(row));
        }
    }
    status.health = std::move(local);
}

}  // namespace

std::variant<ClusterStatus, std::string> decode_status(const Json& data) {
    DataReader r;
    ClusterStatus status;
    status.cluster = r.string(data, "cluster", "");
    status.node = r.string(data, "node", "");
    status.term = r.unsigned_integer(data, "term", "");
    status.coordinator = r.nullable_string(data, "coordinator", "");
    if (data.contains("maintenance") && data["maintenance"].is_object() &&
        data["maintenance"].value("cluster", false)) {
        const Json& ttl = data["maintenance"]["ttl_s"];
        status.cluster_maintenance_ttl_s = ttl.is_number_integer() ? ttl.get<std::int64_t>() : -1;
    }
    if (const Json* quorum = r.object(data, "quorum", "")) {
        status.quorum.state = r.string(*quorum, "state", "quorum");
        status.quorum.votes = r.unsigned_integer(*quorum, "votes", "quorum");
        status.quorum.needed = r.unsigned_integer(*quorum, "needed", "quorum");
        status.quorum.total = r.nullable_unsigned(*quorum, "total", "quorum");
    }
    read_nodes(r, data, status);
    read_groups(r, data, status);
    read_health(r, data, status);
    if (const Json* failover = r.nullable_object(data, "last_failover", "")) {
        FailoverRecord record;
        record.group = r.string(*failover, "group", "last_failover");
        record.from = r.nullable_string(*failover, "from", "last_failover");
        record.to = r.string(*failover, "to", "last_failover");
        record.at = r.string(*failover, "at", "last_failover");
        record.duration_ms = r.integer(*failover, "duration_ms", "last_failover");
        status.last_failover = std::move(record);
    }
    if (r.failed()) return r.error();
    return status;
}

std::string status_header(const ClusterStatus& status) {
    const QuorumStatus& q = status.quorum;
    const std::string votes =
        std::to_string(q.votes) + (q.total ? "/" + std::to_string(*q.total) : std::string());
    return "cluster " + terminal_safe(status.cluster) + " · node " + terminal_safe(status.node) +
           " · quorum " + shown_state(q.state, "lost") + " (" + votes + " votes, need " +
           std::to_string(q.needed) + ") · coordinator " +
           (status.coordinator ? terminal_safe(*status.coordinator) : std::string("none")) +
           " · term " + std::to_string(status.term) + "\n" +
           (status.cluster_maintenance_ttl_s
                ? "MAINTENANCE: the cluster manages no group" +
                      (*status.cluster_maintenance_ttl_s >= 0
                           ? " (ends in " + std::to_string(*status.cluster_maintenance_ttl_s) + " s)"
                           : std::string()) +
                      "\n"
                : std::string());
}

namespace {
// A standby with a TTL shows how long it has left.
std::string node_state_cell(const NodeStatus& node) {
    std::string state = shown_state(node.state, "offline");
    if (node.standby_ttl_s) state += " (" + std::to_string(*node.standby_ttl_s) + " s left)";
    return state;
}
}  // namespace

std::string nodes_table(const ClusterStatus& status) {
    const bool health = std::any_of(status.nodes.begin(), status.nodes.end(),
                                    [](const NodeStatus& n) { return n.health.has_value(); });
    if (!health) {
        TextTable table({"NODE", "STATE", "LINKS"});
        for (const NodeStatus& node : status.nodes) {
            table.add_row({terminal_safe(node.name), node_state_cell(node), links_cell(node)});
        }
        return table.render();
    }
    TextTable table({"NODE", "STATE", "HEALTH", "LINKS"});
    for (const NodeStatus& node : status.nodes) {
        table.add_row({terminal_safe(node.name), node_state_cell(node),
                       node.health ? shown_state(*node.health, "unhealthy") : std::string("-"), links_cell(node)});
    }
    return table.render();
}

namespace {
std::string primary_cell(const GroupStatus& group) {
    std::string cell = or_dash(group.primary);
    if (!group.pin) return cell;
    const std::string left = std::to_string(group.pin->ttl_remaining_s) + " s";
    if (group.primary == group.pin->node) return cell + " (pinned " + left + ")";
    return cell + " (pinned to " + terminal_safe(group.pin->node) + ", " + left + ")";
}
}  // namespace
std::string health_section(const ClusterStatus& status) {
    if (!status.health || status.health->checks.empty()) return "";
    const LocalHealth& h = *status.health;
    std::string out = "health of " + terminal_safe(status.node) + ": " + shown_state(h.state, "unhealthy") +
                      (h.reason ? " (" + terminal_safe(*h.reason) + ")" : std::string()) + "\n";
    TextTable table({"CHECK", "TYPE", "STATE", "COUNT", "MESSAGE"});
    for (const HealthCheckRow& c : h.checks) {
        table.add_row({terminal_safe(c.name), terminal_safe(c.type), shown_state(c.state, "failing"),
                       std::to_string(c.consecutive), terminal_safe(c.message)});
    }
    return out + table.render();
}

std::string groups_table(const ClusterStatus& status) {
    TextTable table({"GROUP", "STATE", "PRIMARY", "TERM", "RESOURCES"});
    for (const GroupStatus& group : status.groups) {
        std::string state = shown_state(group.state, group.state == "failed" ? "failed"
                                                     : group.state == "blocked" ? "blocked"
                                                                                : "maintenance");
        if (group.maintenance_ttl_s) state += " (" + std::to_string(*group.maintenance_ttl_s) + " s left)";
        table.add_row({terminal_safe(group.name), state, primary_cell(group),
                       std::to_string(group.term), resources_cell(group)});
    }
    return table.render();
}

std::string last_failover_line(const ClusterStatus& status) {
    if (!status.last_failover) return "last failover: none\n";
    const FailoverRecord& f = *status.last_failover;
    return "last failover: " + terminal_safe(f.group) + (f.from ? " " + terminal_safe(*f.from) : "") +
           " → " + terminal_safe(f.to) + " in " + std::to_string(f.duration_ms) + " ms at " +
           terminal_safe(f.at) + "\n";
}

std::string status_report(const ClusterStatus& status) {
    const std::string health = health_section(status);
    return status_header(status) + "\n" + nodes_table(status) + "\n" + (health.empty() ? "" : health + "\n") +
           groups_table(status) + "\n" + last_failover_line(status);
}

}  // namespace hacluster::ctl
