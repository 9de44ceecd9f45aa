#include <catch2/catch.hpp>

#include <functional>
#include <initializer_list>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agent/config.h"

using namespace std::chrono_literals;
using hacluster::agent::ClusterConfig;
using hacluster::agent::config_hash;
using hacluster::agent::ConfigError;
using hacluster::agent::Failback;
using hacluster::agent::GroupConfig;
using hacluster::agent::NodeConfig;
using hacluster::agent::validate;
using hacluster::agent::WaitForAll;

namespace {

// A valid three-node cluster with two links and two groups; each test breaks one thing.
ClusterConfig valid_config() {
    ClusterConfig c;
    c.cluster = "prod-db_1.eu";
    c.nodes = {
        {"n1", {"198.18.0.1", "198.19.0.1"}, 1},
        {"n2", {"198.18.0.2", "198.19.0.2"}, 1},
        {"n3", {"198.18.0.3", "198.19.0.3"}, 1},
    };
    GroupConfig web;
    web.name = "web";
    web.nodes = {"n1", "n2"};
    GroupConfig db;
    db.name = "db";
    db.nodes = {"n2", "n3", "n1"};
    db.failback = Failback::automatic;
    c.groups = {web, db};
    return c;
}

NodeConfig make_node(std::size_t i) {
    const std::string n = std::to_string(i);
    return {"n" + n, {"198.18.1." + n}, 1};
}

ClusterConfig cluster_of(std::size_t node_count) {
    ClusterConfig c;
    c.cluster = "c";
    for (std::size_t i = 0; i < node_count; ++i) c.nodes.push_back(make_node(i));
    return c;
}

std::string describe(const std::vector<ConfigError>& errors) {
    std::string s;
    for (const auto& e : errors) s += "  " + e.path + ": " + e.message + "\n";
    return s;
}

// Exactly one error, at path, whose message mentions every fragment.
void require_single_error(const ClusterConfig& config, const std::string& path,
                          std::initializer_list<std::string> fragments) {
    const auto errors = validate(config);
    INFO("errors:\n" << describe(errors));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].path == path);
    for (const auto& fragment : fragments) {
        INFO("fragment: " << fragment);
        CHECK(errors[0].message.find(fragment) != std::string::npos);
    }
}

void require_valid(const ClusterConfig& config) {
    const auto errors = validate(config);
    INFO("errors:\n" << describe(errors));
    REQUIRE(errors.empty());
}

std::vector<std::string> paths_of(const std::vector<ConfigError>& errors) {
    std::vector<std::string> paths;
    for (const auto& e : errors) paths.push_back(e.path);
    return paths;
}

}  // namespace

TEST_CASE("a valid config has no errors", "[config]") {
    require_valid(valid_config());

    SECTION("the defaults of every field are valid") {
        ClusterConfig c;
        c.cluster = "c";
        c.nodes = {{"a", {"x"}, 1}};
        c.groups = {GroupConfig{.name = "g", .nodes = {"a"}}};
        require_valid(c);
    }
    SECTION("no groups at all") {
        auto c = valid_config();
        c.groups.clear();
        require_valid(c);
    }
    SECTION("a single node") { require_valid(cluster_of(1)); }
    SECTION("the upper limits themselves are allowed") {
        auto c = cluster_of(hacluster::agent::max_nodes);
        c.cluster = std::string(64, 'c');
        c.nodes[0].name = std::string(64, 'n');
        c.nodes[1].votes = 255;
        c.nodes[2].votes = 0;  // a node without a vote is fine as long as others have one
        for (std::size_t g = 0; g < hacluster::agent::max_groups; ++g) {
            c.groups.push_back(GroupConfig{.name = "g" + std::to_string(g),
                                           .nodes = {"n1"},
                                           .stop_timeout = 60s});
        }
        c.timing.interval = 100ms;
        c.timing.timeout = 200ms;  // exactly 2 × interval
        c.timing.tick = 20ms;
        c.timing.lease_margin = 20ms;  // exactly one tick
        c.timing.max_clock_drift_ppm = 100'000;
        require_valid(c);
    }
    SECTION("four links") {
        auto c = cluster_of(2);
        c.nodes[0].addresses = {"a0", "a1", "a2", "a3"};
        c.nodes[1].addresses = {"b0", "b1", "b2", "b3"};
        require_valid(c);
    }
}

TEST_CASE("cluster name rules", "[config]") {
    auto c = valid_config();
    SECTION("empty") {
        c.cluster = "";
        require_single_error(c, "cluster", {"empty"});
    }
    SECTION("too long") {
        c.cluster = std::string(65, 'x');
        require_single_error(c, "cluster", {"64", "65"});
    }
    SECTION("a character outside [A-Za-z0-9_.-]") {
        c.cluster = "my cluster";
        require_single_error(c, "cluster", {"' '", "position 2"});
    }
    SECTION("a control character is shown escaped") {
        c.cluster = std::string("ab\ncd");
        require_single_error(c, "cluster", {"\\x0A", "position 2"});
    }
}

TEST_CASE("node count rules", "[config]") {
    SECTION("no nodes") {
        auto c = valid_config();
        c.nodes.clear();
        c.groups.clear();
        require_single_error(c, "nodes", {"1", "0"});
    }
    SECTION("more than max_nodes") {
        auto c = cluster_of(hacluster::agent::max_nodes + 1);
        require_single_error(c, "nodes", {"64", "65"});
    }
}

TEST_CASE("node name rules", "[config]") {
    auto c = valid_config();
    c.groups.clear();  // group members refer to the names under test
    SECTION("empty") {
        c.nodes[1].name = "";
        require_single_error(c, "nodes[1].name", {"empty"});
    }
    SECTION("too long") {
        c.nodes[1].name = std::string(65, 'n');
        require_single_error(c, "nodes[1].name", {"64", "65"});
    }
    SECTION("bad character") {
        c.nodes[2].name = "n/3";
        require_single_error(c, "nodes[2].name", {"'/'", "position 1"});
    }
    SECTION("duplicate") {
        c.nodes[2].name = "n1";
        require_single_error(c, "nodes[2].name", {"\"n1\"", "nodes[0].name"});
    }
}

TEST_CASE("node address rules", "[config]") {
    auto c = valid_config();
    SECTION("a node without addresses") {
        c.nodes[1].addresses.clear();
        require_single_error(c, "nodes[1].addresses", {"1", "0"});
    }
    SECTION("more links than max_links on every node") {
        c = cluster_of(1);
        c.nodes[0].addresses = {"a", "b", "c", "d", "e"};
        require_single_error(c, "nodes[0].addresses", {"4", "5"});
    }
    SECTION("a node with a different number of links") {
        c.nodes[2].addresses = {"198.18.0.3"};
        require_single_error(c, "nodes[2].addresses", {"1", "2", "nodes[0]"});
    }
    SECTION("the reference link count is the first acceptable one") {
        c.nodes[0].addresses.clear();
        require_single_error(c, "nodes[0].addresses", {"0"});
    }
    SECTION("an empty address") {
        c.nodes[1].addresses[0] = "";
        require_single_error(c, "nodes[1].addresses[0]", {"empty"});
    }
    SECTION("the same address on two nodes") {
        c.nodes[2].addresses[1] = "198.19.0.1";
        require_single_error(c, "nodes[2].addresses[1]", {"198.19.0.1", "nodes[0].addresses[1]"});
    }
    SECTION("the same address on two links of one node") {
        c.nodes[1].addresses[1] = "198.18.0.2";
        require_single_error(c, "nodes[1].addresses[1]", {"198.18.0.2", "nodes[1].addresses[0]"});
    }
}

TEST_CASE("vote rules", "[config]") {
    auto c = valid_config();
    SECTION("more than 255 votes") {
        c.nodes[2].votes = 256;
        require_single_error(c, "nodes[2].votes", {"255", "256"});
    }
    SECTION("no votes at all") {
        for (auto& node : c.nodes) node.votes = 0;
        require_single_error(c, "nodes", {"votes", "at least 1", "got 0"});
    }
}

TEST_CASE("heartbeat rules", "[config]") {
    auto c = valid_config();
    auto& t = c.timing;
    t.interval = 100ms;
    t.timeout = 500ms;
    t.tick = 10ms;
    t.lease_margin = 20ms;
    require_valid(c);

    SECTION("interval must be positive") {
        t.interval = 0ms;
        require_single_error(c, "heartbeat.interval_ms", {"0"});
    }
    SECTION("negative interval") {
        t.interval = -5ms;
        require_single_error(c, "heartbeat.interval_ms", {"-5"});
    }
    SECTION("timeout must allow one lost heartbeat") {
        t.timeout = 150ms;
        require_single_error(c, "heartbeat.timeout_ms", {});
        CHECK(validate(c)[0].message.starts_with(
            "must be at least 2 × heartbeat.interval_ms (2 × 100 = 200), got 150"));
    }
    SECTION("timeout equal to the interval") {
        t.timeout = 100ms;
        require_single_error(c, "heartbeat.timeout_ms", {"200", "got 100"});
    }
    SECTION("timeout below the interval") {
        t.timeout = 50ms;
        require_single_error(c, "heartbeat.timeout_ms", {"200", "got 50"});
    }
    SECTION("one nanosecond short of 2 × interval") {
        t.timeout = 200ms - 1ns;
        require_single_error(c, "heartbeat.timeout_ms", {"200"});
    }
    SECTION("huge values do not overflow") {
        t.interval = hacluster::agent::Duration::max();
        t.timeout = hacluster::agent::Duration::max();
        t.tick = 10ms;
        require_single_error(c, "heartbeat.timeout_ms", {});
    }
    SECTION("tick must be positive") {
        t.tick = 0ms;
        require_single_error(c, "heartbeat.tick_ms", {"0"});
    }
    SECTION("tick at most the interval") {
        t.tick = 150ms;
        t.lease_margin = 200ms;
        require_single_error(c, "heartbeat.tick_ms", {"heartbeat.interval_ms", "100", "150"});
    }
    SECTION("tick at most the lease margin") {
        t.tick = 30ms;
        require_single_error(c, "heartbeat.tick_ms", {"lease.margin_ms", "20", "30"});
    }
    SECTION("a tick larger than both gives both errors") {
        t.tick = 150ms;
        const auto errors = validate(c);
        INFO(describe(errors));
        REQUIRE(paths_of(errors) == std::vector<std::string>{"heartbeat.tick_ms", "heartbeat.tick_ms"});
    }
}

TEST_CASE("lease rules", "[config]") {
    auto c = valid_config();
    SECTION("drift above 10%") {
        c.timing.max_clock_drift_ppm = 100'001;
        require_single_error(c, "lease.max_clock_drift_ppm", {"100000", "100001", "meaningless"});
    }
    SECTION("margin must be positive") {
        c.timing.lease_margin = 0ms;
        require_single_error(c, "lease.margin_ms", {"0"});
    }
    SECTION("margin must cover the supervisor's slack") {
        c.timing.tick = 1ms;
        c.timing.lease_margin = 1ms;
        require_single_error(c, "lease.margin_ms", {"at least 2", "got 1", "supervisor"});
    }
}

TEST_CASE("group rules", "[config]") {
    auto c = valid_config();
    SECTION("more than max_groups") {
        c.groups.clear();
        for (std::size_t g = 0; g <= hacluster::agent::max_groups; ++g) {
            c.groups.push_back(GroupConfig{.name = "g" + std::to_string(g), .nodes = {"n1"}});
        }
        require_single_error(c, "groups", {"64", "65"});
    }
    SECTION("empty name") {
        c.groups[0].name = "";
        require_single_error(c, "groups[0].name", {"empty"});
    }
    SECTION("bad name") {
        c.groups[1].name = "d$b";
        require_single_error(c, "groups[1].name", {"'$'", "position 1"});
    }
    SECTION("duplicate name") {
        c.groups[1].name = "web";
        require_single_error(c, "groups[1].name", {"\"web\"", "groups[0].name"});
    }
    SECTION("no eligible nodes") {
        c.groups[0].nodes.clear();
        require_single_error(c, "groups[0].nodes", {"1", "0"});
    }
    SECTION("an unknown node") {
        c.groups[1].nodes[2] = "n9";
        require_single_error(c, "groups[1].nodes[2]", {"\"n9\""});
    }
    SECTION("a node listed twice") {
        c.groups[1].nodes[2] = "n2";
        require_single_error(c, "groups[1].nodes[2]", {"\"n2\"", "groups[1].nodes[0]"});
    }
    SECTION("start timeout must be positive") {
        c.groups[0].start_timeout = 0ms;
        require_single_error(c, "groups[0].start_timeout_ms", {"0"});
    }
    SECTION("stop timeout must be positive") {
        c.groups[0].stop_timeout = -1ms;
        require_single_error(c, "groups[0].stop_timeout_ms", {"-1"});
    }
    SECTION("stop timeout at most 60 s") {
        c.groups[1].stop_timeout = 61s;
        require_single_error(c, "groups[1].stop_timeout_ms", {"60000", "61000"});
    }
}

TEST_CASE("failback_delay rules", "[config]") {
    auto c = valid_config();
    c.groups[1].failback_delay = 30s;  // db fails back automatically
    require_valid(c);
    SECTION("only with failback auto") {
        c.groups[0].failback_delay = 30s;
        require_single_error(c, "groups[0].failback_delay_ms", {"\"auto\"", "never"});
    }
    SECTION("at most a day") {
        c.groups[1].failback_delay = 25h;
        require_single_error(c, "groups[1].failback_delay_ms", {"86400000", "90000000"});
    }
}

namespace {
// Three groups web, db, batch on n1..n3 for the relation rules.
ClusterConfig related_config() {
    auto c = valid_config();
    c.groups[0].nodes = {"n1", "n2", "n3"};
    GroupConfig batch;
    batch.name = "batch";
    batch.nodes = {"n3", "n2"};
    c.groups.push_back(batch);
    c.groups[0].with = {"db"};
    c.groups[0].after = {"db"};
    c.groups[2].away_from = {"db"};
    return c;
}
}  // namespace

TEST_CASE("with, away_from and after rules", "[config]") {
    auto c = related_config();
    require_valid(c);
    SECTION("an unknown group") {
        c.groups[0].after = {"db", "cache"};
        require_single_error(c, "groups[0].after[1]", {"\"cache\"", "not the name of any group"});
    }
    SECTION("itself") {
        c.groups[2].away_from = {"batch"};
        require_single_error(c, "groups[2].away_from[0]", {"itself"});
    }
    SECTION("listed twice") {
        c.groups[0].with = {"db", "db"};
        require_single_error(c, "groups[0].with[1]", {"twice", "groups[0].with[0]"});
    }
    SECTION("a cycle names the edge that closes it") {
        c.groups[1].after = {"web"};
        require_single_error(c, "groups[1].after[0]", {"cycle", "web -> db -> web"});
    }
    SECTION("a cycle through with and after over three groups") {
        c.groups[1].with = {"batch"};
        c.groups[2].away_from.clear();
        c.groups[2].after = {"web"};
        require_single_error(c, "groups[2].after[0]", {"web -> db -> batch -> web"});
    }
    SECTION("with and away_from the same group") {
        c.groups[0].away_from = {"db"};
        require_single_error(c, "groups[0].away_from[0]", {"same node", "\"db\""});
    }
    SECTION("away_from a group joined through a chain of with") {
        c.groups[2].away_from = {"web"};
        c.groups[2].with = {"db"};
        c.groups[2].nodes = {"n3", "n2", "n1"};
        const auto errors = validate(c);
        INFO(describe(errors));
        CHECK(paths_of(errors) == std::vector<std::string>{"groups[2].away_from[0]"});
    }
    SECTION("with a group sharing no node") {
        c.groups[2].away_from.clear();
        c.groups[2].with = {"web"};
        c.groups[0].nodes = {"n1"};
        c.groups[1].nodes = {"n1"};
        c.groups[2].nodes = {"n3", "n2"};
        require_single_error(c, "groups[2].with[0]", {"shares no node"});
    }
}

TEST_CASE("every problem is reported, in file order", "[config]") {
    auto c = valid_config();
    c.cluster = "";
    c.nodes[1].votes = 300;
    c.nodes[2].addresses[0] = "198.18.0.1";
    c.timing.interval = 100ms;
    c.timing.timeout = 150ms;
    c.timing.max_clock_drift_ppm = 1'000'000;
    c.groups[0].nodes[1] = "n9";
    c.groups[1].stop_timeout = 0ms;

    const auto errors = validate(c);
    INFO(describe(errors));
    CHECK(paths_of(errors) == std::vector<std::string>{
                                  "cluster",
                                  "nodes[1].votes",
                                  "nodes[2].addresses[0]",
                                  "heartbeat.timeout_ms",
                                  "lease.max_clock_drift_ppm",
                                  "groups[0].nodes[1]",
                                  "groups[1].stop_timeout_ms",
                              });
    for (const auto& e : errors) CHECK_FALSE(e.message.empty());
}

TEST_CASE("quorum math", "[config]") {
    SECTION("one vote each: plain majority") {
        const std::vector<std::pair<std::size_t, std::uint32_t>> expected = {
            {1, 1}, {2, 2}, {3, 2}, {4, 3}, {5, 3}, {6, 4}};
        for (const auto& [nodes, majority] : expected) {
            const auto c = cluster_of(nodes);
            INFO("nodes: " << nodes);
            CHECK(c.total_votes() == nodes);
            CHECK(c.majority() == majority);
        }
    }
    SECTION("weighted votes") {
        auto c = cluster_of(3);
        c.nodes[0].votes = 3;
        CHECK(c.total_votes() == 5);
        CHECK(c.majority() == 3);
    }
    SECTION("a node without a vote does not count") {
        auto c = cluster_of(3);
        c.nodes[2].votes = 0;
        CHECK(c.total_votes() == 2);
        CHECK(c.majority() == 2);
    }
    SECTION("an unvalidated sum saturates instead of wrapping") {
        auto c = cluster_of(2);
        c.nodes[0].votes = 0xFFFF'FFFF;
        c.nodes[1].votes = 2;
        CHECK(c.total_votes() == 0xFFFF'FFFF);
    }
}

TEST_CASE("config_hash", "[config]") {
    const auto base = valid_config();
    const auto base_hash = config_hash(base);

    SECTION("equal configs hash equal") {
        CHECK(config_hash(valid_config()) == base_hash);
        CHECK(config_hash(ClusterConfig{}) == config_hash(ClusterConfig{}));
    }

    SECTION("pinned value: the rendering is part of the protocol") {
        // Nodes running different builds must agree on the hash of the same config.
        // If this changes on purpose, bump the format line in config_hash().
        CHECK(config_hash(base) == 0x66d7cbb4ab6662faULL);
    }

    SECTION("any one change changes the hash") {
        using Mutation = std::pair<const char*, std::function<void(ClusterConfig&)>>;
        const std::vector<Mutation> mutations = {
            {"cluster name", [](ClusterConfig& c) { c.cluster += "x"; }},
            {"node name", [](ClusterConfig& c) { c.nodes[1].name = "n9"; }},
            {"address", [](ClusterConfig& c) { c.nodes[2].addresses[1] = "198.19.0.9"; }},
            {"address order", [](ClusterConfig& c) {
                 std::swap(c.nodes[0].addresses[0], c.nodes[0].addresses[1]);
             }},
            {"extra link", [](ClusterConfig& c) {
                 for (auto& n : c.nodes) n.addresses.push_back(n.name + ".link3");
             }},
            {"node order", [](ClusterConfig& c) { std::swap(c.nodes[0], c.nodes[1]); }},
            {"extra node", [](ClusterConfig& c) { c.nodes.push_back({"n4", {"a", "b"}, 1}); }},
            {"votes", [](ClusterConfig& c) { c.nodes[0].votes = 2; }},
            {"votes moved", [](ClusterConfig& c) {
                 c.nodes[0].votes = 0;
                 c.nodes[1].votes = 2;
             }},
            {"interval", [](ClusterConfig& c) { c.timing.interval += 1ms; }},
            {"interval by 1 ns", [](ClusterConfig& c) { c.timing.interval += 1ns; }},
            {"timeout", [](ClusterConfig& c) { c.timing.timeout += 1ms; }},
            {"drift", [](ClusterConfig& c) { c.timing.max_clock_drift_ppm += 1; }},
            {"margin", [](ClusterConfig& c) { c.timing.lease_margin += 1ms; }},
            {"tick", [](ClusterConfig& c) { c.timing.tick += 1ms; }},
            {"wait_for_all", [](ClusterConfig& c) { c.quorum.wait_for_all = WaitForAll::yes; }},
            {"group name", [](ClusterConfig& c) { c.groups[0].name = "www"; }},
            {"group nodes", [](ClusterConfig& c) { c.groups[0].nodes.push_back("n3"); }},
            {"group priority order", [](ClusterConfig& c) {
                 std::swap(c.groups[0].nodes[0], c.groups[0].nodes[1]);
             }},
            {"failback", [](ClusterConfig& c) { c.groups[0].failback = Failback::automatic; }},
            {"start timeout", [](ClusterConfig& c) { c.groups[1].start_timeout += 1ms; }},
            {"stop timeout", [](ClusterConfig& c) { c.groups[1].stop_timeout += 1ms; }},
            {"failback delay", [](ClusterConfig& c) { c.groups[1].failback_delay = 1ms; }},
            {"with", [](ClusterConfig& c) { c.groups[0].with = {"db"}; }},
            {"away_from", [](ClusterConfig& c) { c.groups[0].away_from = {"db"}; }},
            {"after", [](ClusterConfig& c) { c.groups[0].after = {"db"}; }},
            {"group order", [](ClusterConfig& c) { std::swap(c.groups[0], c.groups[1]); }},
            {"promotable", [](ClusterConfig& c) { c.groups[1].promotable = true; }},
            {"group removed", [](ClusterConfig& c) { c.groups.pop_back(); }},
            // Length prefixes keep different splits of the same characters apart.
            {"address split", [](ClusterConfig& c) {
                 c.nodes[0].addresses = {"198.18.0.1198.19", ".0.1"};
             }},
            {"name moved into address", [](ClusterConfig& c) {
                 c.nodes[0].name = "n";
                 c.nodes[0].addresses[0] = "1198.18.0.1";
             }},
        };

        std::set<std::uint64_t> seen = {base_hash};
        for (const auto& [what, mutate] : mutations) {
            auto c = base;
            mutate(c);
            INFO("mutation: " << what);
            const auto h = config_hash(c);
            CHECK(h != base_hash);
            CHECK(seen.insert(h).second);  // no two mutations collide either
        }
    }
}

TEST_CASE("cluster_id is FNV-1a 64 of the name", "[config]") {
    CHECK(hacluster::agent::cluster_id("") == 0xcbf29ce484222325ULL);
    CHECK(hacluster::agent::cluster_id("a") == 0xaf63dc4c8601ec8cULL);
    CHECK(hacluster::agent::cluster_id("foobar") == 0x85944171f73967e8ULL);
    CHECK(hacluster::agent::cluster_id("prod") != hacluster::agent::cluster_id("test"));
}

TEST_CASE("node_index and group_index", "[config]") {
    const auto c = valid_config();
    CHECK(c.node_index("n1") == 0);
    CHECK(c.node_index("n3") == 2);
    CHECK(c.node_index("n4") == hacluster::agent::no_node);
    CHECK(c.node_index("") == hacluster::agent::no_node);
    CHECK(c.group_index("web") == 0);
    CHECK(c.group_index("db") == 1);
    CHECK(c.group_index("mail") == c.groups.size());
    CHECK(ClusterConfig{}.node_index("n1") == hacluster::agent::no_node);
    CHECK(ClusterConfig{}.group_index("web") == 0);
}
