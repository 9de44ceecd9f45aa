#include "ctl/status_check.h"

#include "ctl/text_table.h"

namespace hacluster::ctl {

const char* to_string(CheckLevel level) {
    switch (level) {
        case CheckLevel::ok: return "OK";
        case CheckLevel::warning: return "WARNING";
        case CheckLevel::critical: return "CRITICAL";
        case CheckLevel::unknown: return "UNKNOWN";
    }
    return "UNKNOWN";
}

CheckResult check_status(const ClusterStatus& status) {
    CheckResult r;
    const QuorumStatus& q = status.quorum;
    const std::string votes = std::to_string(q.votes) + (q.total ? "/" + std::to_string(*q.total) : std::string());
    if (q.state != "won") {
        r.critical.push_back("quorum " + terminal_safe(q.state) + " (" + votes + " votes, need " +
                             std::to_string(q.needed) + ")");
    }
    if (status.cluster_maintenance_ttl_s) r.warnings.push_back("the cluster is in maintenance");

    std::size_t online = 0;
    for (const NodeStatus& n : status.nodes) {
        const std::string name = terminal_safe(n.name);
        if (n.state == "online") {
            ++online;
        } else if (n.state == "offline") {
            r.warnings.push_back("node " + name + " OFFLINE");
            continue;  // its links are down with it: said once
        } else {
            r.warnings.push_back("node " + name + (n.state == "standby" ? " in standby" : " " + terminal_safe(n.state)));
        }
        if (n.health == "unhealthy") r.warnings.push_back("node " + name + " UNHEALTHY");
        for (const LinkStatus& l : n.links) {
            if (l.state == "down") r.warnings.push_back("link " + terminal_safe(l.address) + " of " + name + " DOWN");
        }
    }

    std::size_t running = 0;
    for (const GroupStatus& g : status.groups) {
        const std::string name = "group " + terminal_safe(g.name);
        if (g.state == "running") {
            ++running;
        } else if (g.state == "failed") {
            r.critical.push_back(name + " FAILED (a stop failed: haclusterctl cleanup " + terminal_safe(g.name) + ")");
        } else if (g.state == "blocked") {
            r.critical.push_back(name + " BLOCKED (haclusterctl cleanup " + terminal_safe(g.name) + ")");
        } else if (g.state == "stopped") {
            r.critical.push_back(name + " runs nowhere");
        } else {
            // starting, stopping, probing, maintenance: in passing or by choice.
            r.warnings.push_back(name + " " + terminal_safe(g.state));
        }
        for (const ResourceStatus& res : g.resources) {
            const std::string rname = "resource " + terminal_safe(res.name);
            if (res.state == "failed" && g.state != "failed") r.warnings.push_back(rname + " FAILED");
            if (res.fail_count > 0) {
                r.warnings.push_back(rname + " failed " + std::to_string(res.fail_count) +
                                     (res.fail_count == 1 ? " time" : " times") + " (haclusterctl cleanup " +
                                     terminal_safe(g.name) + ")");
            }
        }
    }
    r.summary = std::to_string(online) + "/" + std::to_string(status.nodes.size()) + " nodes online, quorum " +
                terminal_safe(q.state) + " (" + votes + " votes), " + std::to_string(running) + "/" +
                std::to_string(status.groups.size()) + " groups running";
    r.level = !r.critical.empty() ? CheckLevel::critical : !r.warnings.empty() ? CheckLevel::warning : CheckLevel::ok;
    return r;
}

std::string check_line(const CheckResult& result) {
    const auto join = [](const std::vector<std::string>& items) {
        std::string s;
        for (const std::string& item : items) s += (s.empty() ? "" : "; ") + item;
        return s;
    };
    std::string line = std::string("HACLUSTER ") + to_string(result.level) + ": ";
    if (result.level == CheckLevel::ok) return line + result.summary;
    if (!result.critical.empty()) {
        line += join(result.critical);
        if (!result.warnings.empty()) line += " | WARNING: " + join(result.warnings);
        return line;
    }
    return line + join(result.warnings);
}

}  // namespace hacluster::ctl
