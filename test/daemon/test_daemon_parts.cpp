// The daemon's adapters on a real libuv loop: UDP on loopback, the control socket,
// the key file and the stored votes.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "daemon/control_server.h"
#include "daemon/node_files.h"
#include "daemon/udp_transport.h"
#include "test/daemon/test_support.h"

using namespace hacluster;
using namespace hacluster::daemon;
using hacluster::test::TempDir;
using hacluster::test::run_until;

namespace {


agent::ClusterConfig two_groups() {
    agent::ClusterConfig c;
    c.cluster = "t";
    c.nodes = {{"n1", {"127.0.0.1"}, 1}, {"n2", {"127.0.0.2"}, 1}};
    c.groups = {{"web", {"n1", "n2"}}, {"db", {"n2", "n1"}}};
    return c;
}


}  // namespace

TEST_CASE("udp: datagrams between two links on loopback, oversize dropped", "[daemon]") {
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        std::vector<std::vector<std::uint8_t>> got;
        UdpTransport a(&loop, [](std::uint8_t, std::span<const std::uint8_t>) {});
        UdpTransport b(&loop, [&](std::uint8_t link, std::span<const std::uint8_t> bytes) {
            CHECK(link == 0);
            got.emplace_back(bytes.begin(), bytes.end());
        });
        REQUIRE_FALSE(a.add_link(*make_endpoint("127.0.0.1", 0)));
        REQUIRE_FALSE(b.add_link(*make_endpoint("127.0.0.1", 0)));
        const auto to_b = *make_endpoint("127.0.0.1", b.bound_port(0));
        const std::vector<std::uint8_t> small{1, 2, 3};
        const std::vector<std::uint8_t> huge(agent::wire::max_datagram + 1, 7);
        a.send(0, to_b, huge);
        a.send(0, to_b, small);
        REQUIRE(run_until(&loop, [&] { return got.size() == 1; }));
        CHECK(got[0] == small);
        CHECK(b.counters().oversize == 1);
        CHECK_FALSE(make_endpoint("not-an-ip", 1).has_value());
        CHECK(make_endpoint("fd00::1", 5405)->text == "[fd00::1]:5405");
        // A port already taken is a clear error naming the address.
        UdpTransport c(&loop, [](std::uint8_t, std::span<const std::uint8_t>) {});
        const auto error = c.add_link(*make_endpoint("127.0.0.1", b.bound_port(0)));
        REQUIRE(error.has_value());
        CHECK_THAT(*error, Catch::Contains("127.0.0.1:"));
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("control socket: one JSON line in, one out; garbage answered with an error",
          "[daemon]") {
    TempDir dir;
    const std::string path = (dir.path / "ctl.sock").string();
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        ControlServer server(&loop, [](const ControlRequest& request, ControlServer::Respond respond) {
            respond({{"ok", true}, {"data", {{"echo", request.name}}}});
        });
        REQUIRE_FALSE(server.listen(path));
        struct stat st {};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0660);

        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        const std::string requests = "{\"version\":1,\"command\":\"status\"}\nnot json\n";
        REQUIRE(::write(fd, requests.data(), requests.size()) == static_cast<ssize_t>(requests.size()));
        std::string answers;
        REQUIRE(run_until(&loop, [&] {
            char buf[4096];
            const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) answers.append(buf, static_cast<std::size_t>(n));
            return std::count(answers.begin(), answers.end(), '\n') == 2;
        }));
        ::close(fd);
        const auto first = nlohmann::json::parse(answers.substr(0, answers.find('\n')));
        CHECK(first["ok"] == true);
        CHECK(first["data"]["echo"] == "status");
        const auto second = nlohmann::json::parse(answers.substr(answers.find('\n') + 1));
        CHECK(second["ok"] == false);
        CHECK_THAT(second["error"].get<std::string>(), Catch::Contains("not valid JSON at byte 2"));
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("key file: size and mode are checked, with the file named", "[daemon]") {
    TempDir dir;
    const auto file = dir.path / "authkey";
    {
        std::ofstream out(file);
        out << std::string(32, 'k');
    }
    ::chmod(file.c_str(), 0644);
    auto loose = read_key_file(file);
    REQUIRE(std::holds_alternative<std::string>(loose));
    CHECK_THAT(std::get<std::string>(loose), Catch::Contains("chmod 0600"));
    ::chmod(file.c_str(), 0600);
    auto ok = read_key_file(file);
    REQUIRE(std::holds_alternative<std::vector<std::uint8_t>>(ok));
    CHECK(std::get<std::vector<std::uint8_t>>(ok).size() == 32);
    {
        std::ofstream out(file, std::ios::trunc);
        out << "short";
    }
    CHECK_THAT(std::get<std::string>(read_key_file(file)), Catch::Contains("5 bytes"));
    CHECK_THAT(std::get<std::string>(read_key_file(dir.path / "missing")),
               Catch::Contains("No such file"));
}

TEST_CASE("votes: stored by name, loaded back, a missing file is empty", "[daemon]") {
    TempDir dir;
    const auto config = two_groups();
    const auto file = dir.path / "votes.json";
    auto empty = load_votes(file, config);
    REQUIRE(std::holds_alternative<std::vector<agent::PersistedVote>>(empty));
    CHECK(std::get<std::vector<agent::PersistedVote>>(empty).empty());
    const std::vector<agent::PersistedVote> votes{{0, 7, 1}, {1, 3, 0}};
    REQUIRE_FALSE(store_votes(file, config, votes));
    auto back = load_votes(file, config);
    REQUIRE(std::holds_alternative<std::vector<agent::PersistedVote>>(back));
    CHECK(std::get<std::vector<agent::PersistedVote>>(back) == votes);
    {
        std::ofstream out(file, std::ios::trunc);
        out << "{broken";
    }
    CHECK(std::holds_alternative<std::string>(load_votes(file, config)));
}

TEST_CASE("identity: --node wins, unknown names are refused", "[daemon]") {
    const auto config = two_groups();
    CHECK(std::get<agent::NodeId>(find_self(config, std::string("n2"))) == 1);
    CHECK_THAT(std::get<std::string>(find_self(config, std::string("n9"))), Catch::Contains("n9"));
    // 127.0.0.1 is on the loopback interface: n1 is found by address.
    CHECK(std::get<agent::NodeId>(find_self(config, std::nullopt)) == 0);
}
