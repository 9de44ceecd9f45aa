#include "agent/config.h"

#include "agent/message_text.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

namespace hacluster::agent {

namespace {

// Limits that only the config needs. Names end up in logs, metrics labels and
// script environments, so they are kept short and free of shell/JSON metacharacters.
constexpr std::uint32_t max_votes_per_node = 255;
// 10%: beyond this the grant hold L * (1 + rho) / (1 - rho) is more than 1.2 L and
// races towards infinity at 100%, so a lease would no longer bound anything useful.
constexpr std::uint32_t max_drift_ppm = 100'000;
// Every failover waits out the stop budget (it is part of the lease), so a larger
// value turns "fast failover" into minutes of outage.
constexpr Duration max_stop_timeout = std::chrono::seconds(60);
// A fence that takes longer is not fencing anything: the lease has long run out.
constexpr Duration max_fence_timeout = std::chrono::minutes(5);
constexpr std::size_t max_fence_devices = 8;
// A day: a longer wait is an operator's decision (switchover), not a delay.
constexpr Duration max_failback_delay = std::chrono::hours(24);

std::string index_path(std::string_view base, std::size_t i) {
    std::string path(base);
    path += '[';
    path += std::to_string(i);
    path += ']';
    return path;
}

std::string field_path(std::string_view base, std::size_t i, std::string_view field) {
    std::string path = index_path(base, i);
    path += '.';
    path += field;
    return path;
}

using agent::check_name;

std::string quote(std::string_view text) { return quoted(text); }

std::string ms(Duration d) { return std::to_string(to_ms(d)); }

std::string count_of(std::size_t n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

class Validator {
public:
    explicit Validator(const ClusterConfig& config) : config_(config) {}

    std::vector<ConfigError> run() {
        check_cluster();
        check_nodes();
        check_timing();
        check_groups();
        check_fencing();
        if (errors_.empty()) check_relations();
        return std::move(errors_);
    }

private:
    void add(std::string path, std::string message) {
        errors_.push_back({std::move(path), std::move(message)});
    }

    void check_cluster() {
        if (auto problem = check_name(config_.cluster)) add("cluster", *problem);
    }

    void check_nodes() {
        const auto& nodes = config_.nodes;
        if (nodes.empty()) {
            add("nodes", "at least 1 node is required, got 0");
        } else if (nodes.size() > max_nodes) {
            add("nodes", "at most " + std::to_string(max_nodes) + " nodes are allowed, got " +
                             std::to_string(nodes.size()));
        }

        // The link count every node must match: the first node whose count is itself
        // acceptable, so one bad node does not make all the good ones look wrong.
        std::optional<std::size_t> reference;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            const std::size_t n = nodes[i].addresses.size();
            if (n >= 1 && n <= max_links) {
                reference = i;
                break;
            }
        }

        std::map<std::string_view, std::size_t> first_name;
        std::map<std::string_view, std::string> first_address;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            const NodeConfig& node = nodes[i];

            const std::string name_path = field_path("nodes", i, "name");
            if (auto problem = check_name(node.name)) {
                add(name_path, *problem);
            } else if (auto [it, fresh] = first_name.emplace(node.name, i); !fresh) {
                add(name_path, quote(node.name) + " is already used by " +
                                   field_path("nodes", it->second, "name"));
            }

            const std::string addresses_path = field_path("nodes", i, "addresses");
            const std::size_t links = node.addresses.size();
            if (links == 0) {
                add(addresses_path, "at least 1 address (one per link) is required, got 0");
            } else if (links > max_links) {
                add(addresses_path, "at most " + std::to_string(max_links) +
                                        " addresses (one per link) are allowed, got " +
                                        std::to_string(links));
            } else if (reference && links != nodes[*reference].addresses.size()) {
                // Address i of every node is on link i: a peer without an address on
                // some link could not be reached there, and the orders would disagree.
                add(addresses_path,
                    "has " + count_of(links, "address", "addresses") + " but nodes[" +
                        std::to_string(*reference) + "] has " +
                        count_of(nodes[*reference].addresses.size(), "address", "addresses") +
                        "; every node needs one address per link, in the same link order");
            }

            for (std::size_t a = 0; a < links; ++a) {
                const std::string& address = node.addresses[a];
                const std::string address_path = index_path(addresses_path, a);
                if (address.empty()) {
                    add(address_path, "must not be empty");
                } else if (auto [it, fresh] = first_address.emplace(address, address_path); !fresh) {
                    add(address_path, quote(address) + " is already used by " + it->second);
                }
            }

            if (node.votes > max_votes_per_node) {
                add(field_path("nodes", i, "votes"), "must be 0.." + std::to_string(max_votes_per_node) +
                                                         ", got " + std::to_string(node.votes));
            }
        }

        if (!nodes.empty() && config_.total_votes() == 0) {
            add("nodes", "the total of all nodes' votes must be at least 1, got 0: without votes "
                         "no quorum can ever form");
        }
    }

    void check_timing() {
        const TimingConfig& t = config_.timing;
        const bool interval_ok = t.interval > Duration::zero();
        const bool margin_ok = t.lease_margin > Duration::zero();

        if (!interval_ok) add("heartbeat.interval_ms", "must be greater than 0, got " + ms(t.interval));

        if (interval_ok) {
            // timeout >= 2 * interval, written so that it cannot overflow: for
            // integers t >= 2i exactly when t / 2 >= i (i > 0).
            if (t.timeout.count() / 2 < t.interval.count()) {
                const std::int64_t interval_ms = to_ms(t.interval);
                add("heartbeat.timeout_ms",
                    "must be at least 2 × heartbeat.interval_ms (2 × " + std::to_string(interval_ms) +
                        " = " + std::to_string(2 * interval_ms) + "), got " + ms(t.timeout) +
                        ", so that one lost heartbeat does not declare a node dead");
            }
        } else if (t.timeout <= Duration::zero()) {
            add("heartbeat.timeout_ms", "must be greater than 0, got " + ms(t.timeout));
        }

        if (t.tick <= Duration::zero()) {
            add("heartbeat.tick_ms", "must be greater than 0, got " + ms(t.tick));
        } else {
            if (interval_ok && t.tick > t.interval) {
                add("heartbeat.tick_ms", "must be at most heartbeat.interval_ms (" + ms(t.interval) +
                                             "), got " + ms(t.tick) +
                                             ": heartbeats are sent from ticks, so a slower tick "
                                             "stretches the interval");
            }
            if (margin_ok && t.tick > t.lease_margin) {
                add("heartbeat.tick_ms", "must be at most lease.margin_ms (" + ms(t.lease_margin) +
                                             "), got " + ms(t.tick) +
                                             ": the core notices a lease ending up to one tick "
                                             "late, and the margin must cover that");
            }
        }

        if (t.max_clock_drift_ppm > max_drift_ppm) {
            add("lease.max_clock_drift_ppm",
                "must be at most " + std::to_string(max_drift_ppm) + " (10%), got " +
                    std::to_string(t.max_clock_drift_ppm) +
                    ": a granter waits lease × (1 + drift) / (1 − drift), which grows without "
                    "bound as the drift nears 100%, so a larger bound makes leases meaningless");
        }

        if (!margin_ok) {
            add("lease.margin_ms", "must be greater than 0, got " + ms(t.lease_margin));
        } else if (t.lease_margin < min_lease_margin) {
            add("lease.margin_ms", "must be at least " + ms(min_lease_margin) + ", got " + ms(t.lease_margin) +
                                       ": the supervisor notices a frozen daemon up to 1 ms after the "
                                       "daemon's own stop would have begun, plus its scheduling delay");
        }
    }

    void check_groups() {
        const auto& groups = config_.groups;
        if (groups.size() > max_groups) {
            add("groups", "at most " + std::to_string(max_groups) + " groups are allowed, got " +
                              std::to_string(groups.size()));
        }

        std::map<std::string_view, std::size_t> first_name;
        for (std::size_t g = 0; g < groups.size(); ++g) {
            const GroupConfig& group = groups[g];

            const std::string name_path = field_path("groups", g, "name");
            if (auto problem = check_name(group.name)) {
                add(name_path, *problem);
            } else if (auto [it, fresh] = first_name.emplace(group.name, g); !fresh) {
                add(name_path, quote(group.name) + " is already used by " +
                                   field_path("groups", it->second, "name"));
            }

            const std::string nodes_path = field_path("groups", g, "nodes");
            if (group.nodes.empty()) add(nodes_path, "at least 1 eligible node is required, got 0");
            std::map<std::string_view, std::size_t> first_member;
            for (std::size_t n = 0; n < group.nodes.size(); ++n) {
                const std::string& member = group.nodes[n];
                const std::string member_path = index_path(nodes_path, n);
                if (config_.node_index(member) == no_node) {
                    add(member_path, quote(member) + " is not the name of any node in nodes");
                } else if (auto [it, fresh] = first_member.emplace(member, n); !fresh) {
                    add(member_path, quote(member) + " is listed twice, also at " +
                                         index_path(nodes_path, it->second));
                }
            }

            if (group.start_timeout <= Duration::zero()) {
                add(field_path("groups", g, "start_timeout_ms"),
                    "must be greater than 0, got " + ms(group.start_timeout));
            }
            const std::string stop_path = field_path("groups", g, "stop_timeout_ms");
            if (group.stop_timeout <= Duration::zero()) {
                add(stop_path, "must be greater than 0, got " + ms(group.stop_timeout));
            } else if (group.stop_timeout > max_stop_timeout) {
                add(stop_path, "must be at most " + ms(max_stop_timeout) + " (60 s), got " +
                                   ms(group.stop_timeout) +
                                   ": the stop budget is part of the lease and adds to every failover");
            }

            const std::string delay_path = field_path("groups", g, "failback_delay_ms");
            if (group.failback_delay < Duration::zero() || group.failback_delay > max_failback_delay) {
                add(delay_path, "must be between 0 and " + ms(max_failback_delay) + " (24 h), got " +
                                    ms(group.failback_delay));
            } else if (group.failback_delay > Duration::zero() && group.failback == Failback::never) {
                add(delay_path, "applies only with failback \"auto\"; failback is \"never\", so "
                                "the group never moves back");
            }
        }
    }

    // design §3.4: with, away_from and after name other groups, and the with and
    // after relations form no cycle (a group is placed after those it depends on).
    void check_relations() {
        const auto& groups = config_.groups;
        const std::size_t count = groups.size();
        std::vector<std::vector<std::pair<std::size_t, std::string>>> edges(count);
        for (std::size_t g = 0; g < count; ++g) {
            const GroupConfig& group = groups[g];
            const auto check_list = [&](const std::vector<std::string>& list, std::string_view key) {
                const std::string list_path = field_path("groups", g, key);
                std::map<std::string_view, std::size_t> first;
                for (std::size_t i = 0; i < list.size(); ++i) {
                    const std::string path = index_path(list_path, i);
                    const std::size_t other = config_.group_index(list[i]);
                    if (other == count) {
                        add(path, quote(list[i]) + " is not the name of any group in groups");
                    } else if (other == g) {
                        add(path, "a group cannot refer to itself");
                    } else if (auto [it, fresh] = first.emplace(list[i], i); !fresh) {
                        add(path, quote(list[i]) + " is listed twice, also at " +
                                      index_path(list_path, it->second));
                    } else if (key != "away_from") {
                        edges[g].emplace_back(other, path);
                    }
                }
            };
            check_list(group.with, "with");
            check_list(group.away_from, "away_from");
            check_list(group.after, "after");
            for (std::size_t i = 0; i < group.with.size(); ++i) {
                const std::size_t other = config_.group_index(group.with[i]);
                if (other >= count || other == g) continue;
                const auto& mine = group.nodes;
                const bool shared = std::any_of(mine.begin(), mine.end(), [&](const std::string& n) {
                    const auto& theirs = groups[other].nodes;
                    return std::find(theirs.begin(), theirs.end(), n) != theirs.end();
                });
                if (!shared) {
                    add(index_path(field_path("groups", g, "with"), i),
                        quote(group.name) + " shares no node with " + quote(group.with[i]) +
                            ", so it could never run");
                }
            }
        }
        if (!errors_.empty()) return;
        check_away_from_contradictions();
        check_cycles(edges);
    }

    // Groups joined by with (either way, transitively) always share a node, so
    // away_from between two of them could never be satisfied.
    void check_away_from_contradictions() {
        const auto& groups = config_.groups;
        std::vector<std::size_t> root(groups.size());
        for (std::size_t g = 0; g < groups.size(); ++g) root[g] = g;
        const auto find = [&](std::size_t g) {
            while (root[g] != g) g = root[g] = root[root[g]];
            return g;
        };
        for (std::size_t g = 0; g < groups.size(); ++g) {
            for (const std::string& name : groups[g].with) {
                root[find(g)] = find(config_.group_index(name));
            }
        }
        for (std::size_t g = 0; g < groups.size(); ++g) {
            for (std::size_t i = 0; i < groups[g].away_from.size(); ++i) {
                const std::string& name = groups[g].away_from[i];
                if (find(g) == find(config_.group_index(name))) {
                    add(index_path(field_path("groups", g, "away_from"), i),
                        quote(groups[g].name) + " must run on the same node as " + quote(name) +
                            " (through with), so it cannot stay away from it");
                }
            }
        }
    }

    // Depth-first search; the error names the edge that closes a cycle.
    void check_cycles(const std::vector<std::vector<std::pair<std::size_t, std::string>>>& edges) {
        enum class Mark : std::uint8_t { none, active, done };
        std::vector<Mark> mark(edges.size(), Mark::none);
        std::vector<std::size_t> stack;
        const auto& groups = config_.groups;
        // Bounded: each group is entered once, each edge followed once.
        const auto visit = [&](const auto& self, std::size_t g) -> bool {
            mark[g] = Mark::active;
            stack.push_back(g);
            for (const auto& [next, path] : edges[g]) {
                if (mark[next] == Mark::active) {
                    std::string cycle;
                    bool in = false;
                    for (std::size_t s : stack) {
                        in = in || s == next;
                        if (in) cycle += groups[s].name + " -> ";
                    }
                    add(path, "cycle through with/after: " + cycle + groups[next].name);
                    return false;
                }
                if (mark[next] == Mark::none && !self(self, next)) return false;
            }
            stack.pop_back();
            mark[g] = Mark::done;
            return true;
        };
        for (std::size_t g = 0; g < edges.size(); ++g) {
            if (mark[g] == Mark::none && !visit(visit, g)) return;
        }
    }

    void check_fencing() {
        const FencingConfig& f = config_.fencing;
        if (f.devices.size() > max_fence_devices) {
            add("fencing.devices", "at most " + std::to_string(max_fence_devices) +
                                       " devices are allowed, got " + std::to_string(f.devices.size()));
        }
        if (f.timeout <= Duration::zero()) {
            add("fencing.timeout_ms", "must be greater than 0, got " + ms(f.timeout));
        } else if (f.timeout > max_fence_timeout) {
            add("fencing.timeout_ms", "must be at most " + ms(max_fence_timeout) + " (5 min), got " +
                                          ms(f.timeout));
        }
        std::map<std::string_view, std::size_t> first_name;
        for (std::size_t d = 0; d < f.devices.size(); ++d) {
            const FenceDevice& device = f.devices[d];
            const std::string name_path = field_path("fencing.devices", d, "name");
            if (auto problem = check_name(device.name)) {
                add(name_path, *problem);
            } else if (auto [it, fresh] = first_name.emplace(device.name, d); !fresh) {
                add(name_path, quote(device.name) + " is already used by " +
                                   field_path("fencing.devices", it->second, "name"));
            }
            if (device.agent.empty()) add(field_path("fencing.devices", d, "agent"), "must not be empty");
            const std::string nodes_path = field_path("fencing.devices", d, "nodes");
            for (std::size_t n = 0; n < device.nodes.size(); ++n) {
                if (config_.node_index(device.nodes[n]) == no_node) {
                    add(index_path(nodes_path, n),
                        quote(device.nodes[n]) + " is not the name of any node in nodes");
                }
            }
            for (const auto& [node, plug] : device.host_map) {
                const std::string path = field_path("fencing.devices", d, "host_map") + "." + node;
                if (config_.node_index(node) == no_node) {
                    add(path, quote(node) + " is not the name of any node in nodes");
                } else if (plug.empty()) {
                    add(path, "must not be empty");
                }
            }
        }
    }

    const ClusterConfig& config_;
    std::vector<ConfigError> errors_;
};

constexpr std::uint64_t fnv_offset_basis = 0xcbf29ce484222325ULL;
constexpr std::uint64_t fnv_prime = 0x100000001b3ULL;

std::uint64_t fnv1a(std::string_view bytes) {
    std::uint64_t hash = fnv_offset_basis;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= fnv_prime;
    }
    return hash;
}

// Canonical text: one "key=value" line per field in a fixed order. Strings carry
// their length, so no choice of names or addresses can make two different configs
// render the same (e.g. addresses {"ab", "c"} and {"a", "bc"}). Lists carry their
// count for the same reason. Enums are written by name, so reordering an enum
// declaration does not change the hash.
class CanonicalWriter {
public:
    void text(std::string_view key, std::string_view value) {
        out_ += key;
        out_ += '=';
        out_ += std::to_string(value.size());
        out_ += ':';
        out_ += value;
        out_ += '\n';
    }
    void number(std::string_view key, std::int64_t value) {
        out_ += key;
        out_ += '=';
        out_ += std::to_string(value);
        out_ += '\n';
    }
    void duration(std::string_view key, Duration value) { number(key, value.count()); }
    const std::string& str() const { return out_; }

private:
    std::string out_;
};

std::string_view to_string(Failback f) {
    switch (f) {
        case Failback::never: return "never";
        case Failback::automatic: return "automatic";
    }
    return "unknown";
}

std::string_view to_string(WaitForAll w) {
    switch (w) {
        case WaitForAll::no: return "no";
        case WaitForAll::yes: return "yes";
    }
    return "unknown";
}

}  // namespace

std::uint32_t ClusterConfig::total_votes() const {
    // Saturates instead of wrapping: before validation votes can be anything, and a
    // wrapped sum could look like a small, plausible total.
    std::uint64_t total = 0;
    for (const NodeConfig& node : nodes) total += node.votes;
    return static_cast<std::uint32_t>(
        std::min<std::uint64_t>(total, std::numeric_limits<std::uint32_t>::max()));
}

NodeId ClusterConfig::node_index(const std::string& name) const {
    // NodeId cannot address more than no_node entries; validation caps nodes far below.
    const std::size_t limit = std::min<std::size_t>(nodes.size(), no_node);
    for (std::size_t i = 0; i < limit; ++i) {
        if (nodes[i].name == name) return static_cast<NodeId>(i);
    }
    return no_node;
}

std::size_t ClusterConfig::group_index(const std::string& name) const {
    for (std::size_t i = 0; i < groups.size(); ++i) {
        if (groups[i].name == name) return i;
    }
    return groups.size();
}

std::vector<ConfigError> validate(const ClusterConfig& config) { return Validator(config).run(); }

std::uint64_t config_hash(const ClusterConfig& config) {
    CanonicalWriter w;
    // Bump the version whenever the rendering changes: nodes running different
    // renderings would see different hashes and refuse each other's heartbeats.
    w.text("format", "hacluster-config-v1");
    w.text("cluster", config.cluster);

    w.number("nodes", static_cast<std::int64_t>(config.nodes.size()));
    for (const NodeConfig& node : config.nodes) {
        w.text("node.name", node.name);
        w.number("node.addresses", static_cast<std::int64_t>(node.addresses.size()));
        for (const std::string& address : node.addresses) w.text("node.address", address);
        w.number("node.votes", node.votes);
    }

    const TimingConfig& t = config.timing;
    w.duration("timing.interval_ns", t.interval);
    w.duration("timing.timeout_ns", t.timeout);
    w.number("timing.max_clock_drift_ppm", t.max_clock_drift_ppm);
    w.duration("timing.lease_margin_ns", t.lease_margin);
    w.duration("timing.tick_ns", t.tick);

    w.text("quorum.wait_for_all", to_string(config.quorum.wait_for_all));

    w.number("groups", static_cast<std::int64_t>(config.groups.size()));
    for (const GroupConfig& group : config.groups) {
        w.text("group.name", group.name);
        w.number("group.nodes", static_cast<std::int64_t>(group.nodes.size()));
        for (const std::string& member : group.nodes) w.text("group.node", member);
        w.text("group.failback", to_string(group.failback));
        // Written only when set, so configs without them keep their hash.
        if (group.failback_delay != Duration::zero()) {
            w.duration("group.failback_delay_ns", group.failback_delay);
        }
        const auto names = [&w](std::string_view key, const std::vector<std::string>& list) {
            if (list.empty()) return;
            w.number(key, static_cast<std::int64_t>(list.size()));
            for (const std::string& name : list) w.text(std::string(key) + ".name", name);
        };
        names("group.with", group.with);
        names("group.away_from", group.away_from);
        names("group.after", group.after);
        w.duration("group.start_timeout_ns", group.start_timeout);
        w.duration("group.stop_timeout_ns", group.stop_timeout);
        // Only when set: configs without promotable resources keep their hash.
        if (group.promotable) w.text("group.promotable", "true");
    }
    // Only what the cores must agree on (who may be fenced), and only when fencing
    // is configured, so that configs without it keep their hash.
    if (!config.fencing.devices.empty()) {
        w.number("fencing.devices", static_cast<std::int64_t>(config.fencing.devices.size()));
        for (const FenceDevice& device : config.fencing.devices) {
            w.text("fencing.device.name", device.name);
            w.number("fencing.device.nodes", static_cast<std::int64_t>(device.nodes.size()));
            for (const std::string& node : device.nodes) w.text("fencing.device.node", node);
        }
    }
    return fnv1a(w.str());
}

std::uint64_t cluster_id(const std::string& cluster_name) { return fnv1a(cluster_name); }

bool FencingConfig::covers(const std::string& node) const {
    return std::any_of(devices.begin(), devices.end(), [&](const FenceDevice& d) {
        return d.nodes.empty() || std::find(d.nodes.begin(), d.nodes.end(), node) != d.nodes.end();
    });
}

const char* to_string(FenceAction action) {
    switch (action) {
        case FenceAction::off: return "off";
        case FenceAction::reboot: return "reboot";
    }
    return "unknown";
}

const char* to_string(SelfFence action) {
    switch (action) {
        case SelfFence::reboot: return "reboot";
        case SelfFence::command: return "command";
        case SelfFence::off: return "off";
    }
    return "unknown";
}

}  // namespace hacluster::agent
