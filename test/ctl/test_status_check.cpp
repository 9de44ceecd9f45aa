// `status` as a check (ctl/status_check.h): what is OK, WARNING and CRITICAL.
#include <catch2/catch.hpp>

#include "ctl/status_check.h"

using namespace hacluster::ctl;

namespace {

// Three nodes online, quorum won, web running on n1: all well.
ClusterStatus healthy() {
    ClusterStatus s;
    s.cluster = "demo";
    s.node = "n1";
    s.quorum = QuorumStatus{"won", 3, 2, 3};
    for (const char* name : {"n1", "n2", "n3"}) {
        s.nodes.push_back(NodeStatus{name, "online", "healthy", {LinkStatus{"198.18.0.1", "up", 0}}, std::nullopt});
    }
    GroupStatus web;
    web.name = "web";
    web.state = "running";
    web.primary = "n1";
    web.resources = {ResourceStatus{"web-ip", "running", 0}};
    s.groups.push_back(web);
    return s;
}

}  // namespace

TEST_CASE("OK: quorum, every node online, every group running", "[check]") {
    const CheckResult r = check_status(healthy());
    CHECK(r.level == CheckLevel::ok);
    CHECK(check_line(r) == "HACLUSTER OK: 3/3 nodes online, quorum won (3/3 votes), 1/1 groups running");
}

TEST_CASE("WARNING: degraded but serving", "[check]") {
    SECTION("a node offline, said once, not per link") {
        ClusterStatus s = healthy();
        s.nodes[1].state = "offline";
        s.nodes[1].links[0].state = "down";
        const CheckResult r = check_status(s);
        CHECK(r.level == CheckLevel::warning);
        CHECK(check_line(r) == "HACLUSTER WARNING: node n2 OFFLINE");
    }
    SECTION("standby, unhealthy, a link down") {
        ClusterStatus s = healthy();
        s.nodes[1].state = "standby";
        s.nodes[2].health = "unhealthy";
        s.nodes[2].links.push_back(LinkStatus{"198.18.1.3", "down", 900});
        CHECK(check_line(check_status(s)) ==
              "HACLUSTER WARNING: node n2 in standby; node n3 UNHEALTHY; link 198.18.1.3 of n3 DOWN");
    }
    SECTION("a group moving, in maintenance; failures to clean up") {
        ClusterStatus s = healthy();
        s.groups[0].state = "starting";
        s.groups[0].resources[0].fail_count = 2;
        GroupStatus db;
        db.name = "db";
        db.state = "maintenance";
        s.groups.push_back(db);
        s.cluster_maintenance_ttl_s = -1;
        const CheckResult r = check_status(s);
        CHECK(r.level == CheckLevel::warning);
        CHECK(check_line(r) ==
              "HACLUSTER WARNING: the cluster is in maintenance; group web starting; resource web-ip failed 2 "
              "times (haclusterctl cleanup web); group db maintenance");
    }
}

TEST_CASE("CRITICAL: no quorum, a group failed, blocked or running nowhere", "[check]") {
    SECTION("quorum lost") {
        ClusterStatus s = healthy();
        s.quorum = QuorumStatus{"lost", 1, 2, 3};
        s.nodes[1].state = "offline";
        s.nodes[2].state = "offline";
        const CheckResult r = check_status(s);
        CHECK(r.level == CheckLevel::critical);
        CHECK(check_line(r) ==
              "HACLUSTER CRITICAL: quorum lost (1/3 votes, need 2) | WARNING: node n2 OFFLINE; node n3 OFFLINE");
    }
    SECTION("quorum still pending counts as none") {
        ClusterStatus s = healthy();
        s.quorum.state = "pending";
        CHECK(check_status(s).level == CheckLevel::critical);
    }
    SECTION("failed, blocked, stopped groups") {
        ClusterStatus s = healthy();
        s.groups[0].state = "failed";
        s.groups[0].resources[0].state = "failed";
        GroupStatus db;
        db.name = "db";
        db.state = "blocked";
        GroupStatus mail;
        mail.name = "mail";
        mail.state = "stopped";
        s.groups.push_back(db);
        s.groups.push_back(mail);
        CHECK(check_line(check_status(s)) ==
              "HACLUSTER CRITICAL: group web FAILED (a stop failed: haclusterctl cleanup web); group db BLOCKED "
              "(haclusterctl cleanup db); group mail runs nowhere");
    }
}

TEST_CASE("names from the daemon cannot forge the check line", "[check]") {
    ClusterStatus s = healthy();
    s.nodes[1].name = "n2\nHACLUSTER OK";
    s.nodes[1].state = "offline";
    CHECK(check_line(check_status(s)).find('\n') == std::string::npos);
}
