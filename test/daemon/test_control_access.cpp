// Who may do what on the control socket (daemon/control_access.h); the real
// socket with real users is daemon.control_access (control_access_test.sh).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "daemon/control_access.h"
#include "test_support.h"

using hacluster::daemon::is_read_only;
using hacluster::daemon::make_socket_dir;
using hacluster::daemon::refuse;

TEST_CASE("reading is for everyone who can connect, changes for root and the daemon's user", "[control]") {
    for (const char* command : {"status", "nodes", "groups", "events", "metrics", "config_show"}) {
        CHECK(is_read_only(command));
        CHECK_FALSE(refuse(command, 1001, 0));
        CHECK_FALSE(refuse(command, std::nullopt, 0));
    }
    for (const char* command : {"switchover", "standby", "online", "maintenance", "cleanup", "reload", "nonsense"}) {
        CHECK_FALSE(is_read_only(command));
        CHECK_FALSE(refuse(command, 0, 0));        // root
        CHECK_FALSE(refuse(command, 1001, 1001));  // a daemon run by that user (tests)
        const auto refused = refuse(command, 1001, 0);
        REQUIRE(refused);
        CHECK(*refused == std::string(command) +
                              ": permission denied: changes need root (uid 1001 may only read: status, nodes, "
                              "groups, events, metrics, config_show)");
        const auto unknown = refuse(command, std::nullopt, 0);
        REQUIRE(unknown);
        CHECK(unknown->find("an unknown peer may only read") != std::string::npos);
    }
}

TEST_CASE("the socket's directory is made 0750 when missing, only its last part", "[control]") {
    hacluster::test::TempDir tmp;
    const auto dir = tmp.path / "run";
    CHECK_FALSE(make_socket_dir((dir / "ctl.sock").string()));
    struct stat st {};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0750);
    CHECK_FALSE(make_socket_dir((dir / "ctl.sock").string()));  // exists: left alone
    const auto deep = make_socket_dir((tmp.path / "a" / "b" / "ctl.sock").string());
    REQUIRE(deep);
    CHECK(deep->find("cannot create the control socket's directory") != std::string::npos);
}
