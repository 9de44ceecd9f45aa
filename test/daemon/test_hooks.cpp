// Notify hooks with real processes on a real loop: the environment each run gets,
// per-hook order, timeouts, independence of hooks and the bounded queue; and the
// example hooks of scripts/hooks against stand-ins (a local HTTP receiver, a
// `logger` on PATH).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "daemon/hook_events.h"
#include "daemon/hook_runner.h"
#include "test/daemon/test_support.h"

using namespace hacluster;
using namespace hacluster::daemon;
using hacluster::test::run_until;
using hacluster::test::TempDir;
using K = agent::out::TransitionKind;

namespace {

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::size_t count_lines(const std::filesystem::path& p) {
    const std::string text = read_file(p);
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::filesystem::path write_script(const std::filesystem::path& path, const std::string& body) {
    std::ofstream(path) << "#!/bin/sh\n" << body;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    return path;
}

HookEvent event(K kind, std::uint64_t sequence, std::string group = "") {
    agent::out::Transition t;
    t.kind = kind;
    t.node = 1;
    t.term = 7;
    t.reason = "primary_unreachable";
    if (!group.empty()) t.group = 0;
    HookFacts facts{"demo", "n1", "n2", group, group.empty() ? "up" : "standby",
                    std::chrono::system_clock::time_point(std::chrono::milliseconds(1'795'390'501'042)), sequence};
    return make_hook_event(t, facts);
}

struct Loop {
    uv_loop_t loop{};
    Loop() { uv_loop_init(&loop); }
    ~Loop() {
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
    }
};

HookConfig hook(const std::filesystem::path& path, int timeout_ms = 5000) {
    HookConfig h;
    h.path = path.string();
    h.timeout = std::chrono::milliseconds(timeout_ms);
    return h;
}

}  // namespace

TEST_CASE("transitions become hook events under their contract names", "[hooks]") {
    CHECK(hook_event_name(K::node_down) == "node_down");
    CHECK(hook_event_name(K::quorum_won) == "quorum_gained");
    CHECK(hook_event_name(K::starting) == "promoting");
    CHECK(hook_event_name(K::started) == "promoted");
    CHECK(hook_event_name(K::stopping) == "demoting");
    CHECK(hook_event_name(K::stopped) == "demoted");
    CHECK(hook_event_name(K::start_failed) == "failed");
    CHECK(hook_event_name(K::stop_failed) == "failed");
    CHECK(hook_event_name(K::failed) == "failed");
    CHECK(hook_event_name(K::released) == "released");
    const std::vector<std::string> known = known_hook_events();
    for (const char* name : {"node_up", "node_down", "node_restarted", "link_up", "link_down", "quorum_gained",
                             "quorum_lost", "coordinator_elected", "coordinator_changed", "promoting", "promoted",
                             "demoting", "demoted", "failed", "assigned", "claiming", "released", "standby",
                             "online", "left", "unhealthy", "healthy"}) {
        INFO(name);
        CHECK(std::find(known.begin(), known.end(), name) != known.end());
    }
    CHECK(std::find(known.begin(), known.end(), "started") == known.end());
}

TEST_CASE("a hook gets the documented environment, events in the order they happened", "[hooks]") {
    TempDir dir;
    const auto out = dir.path / "out";
    const auto script = write_script(dir.path / "record", "env | grep -E '^(HACLUSTER_|PATH=)' | sort >> '" +
                                                              out.string() + "'\necho --- >> '" + out.string() +
                                                              "'\n");
    Loop l;
    HookRunner runner(&l.loop, {hook(script)});
    runner.notify(event(K::stop_failed, 1, "web"));
    runner.notify(event(K::node_down, 2));
    runner.notify(event(K::started, 3, "web"));
    REQUIRE(run_until(&l.loop, [&] { return runner.idle(); }));
    const std::string text = read_file(out);
    const std::string first =
        "HACLUSTER_CLUSTER=demo\n"
        "HACLUSTER_DETAIL=stop_failed\n"
        "HACLUSTER_EVENT=failed\n"
        "HACLUSTER_GROUP=web\n"
        "HACLUSTER_LOCAL_NODE=n1\n"
        "HACLUSTER_NODE=n2\n"
        "HACLUSTER_PREVIOUS_STATE=standby\n"
        "HACLUSTER_REASON=primary_unreachable\n"
        "HACLUSTER_SEQUENCE=1\n"
        "HACLUSTER_TERM=7\n"
        "HACLUSTER_TIME=2026-11-22T23:35:01.042Z\n"
        "HACLUSTER_TIME_MS=1795390501042\n"
        "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
        "---\n";
    REQUIRE(text.starts_with(first));
    const auto second = text.find("HACLUSTER_EVENT=node_down");
    const auto third = text.find("HACLUSTER_EVENT=promoted");
    REQUIRE(second != std::string::npos);
    REQUIRE(third != std::string::npos);
    CHECK(second < third);
    CHECK(text.find("HACLUSTER_GROUP=\n", first.size()) < third);  // node events: empty group
    CHECK(text.find("HACLUSTER_SEQUENCE=3") > second);
}

TEST_CASE("a hook's filter and its configured env apply", "[hooks]") {
    TempDir dir;
    const auto out = dir.path / "out";
    const auto script = write_script(dir.path / "record", "echo \"$HACLUSTER_EVENT $HACLUSTER_WEBHOOK_URL $PATH\" >> '" +
                                                              out.string() + "'\n");
    HookConfig h = hook(script);
    h.events = {"node_down", "promoted"};
    h.env = {{"HACLUSTER_WEBHOOK_URL", "http://127.0.0.1:1/x"}, {"PATH", "/bin"}};
    Loop l;
    HookRunner runner(&l.loop, {h});
    runner.notify(event(K::node_up, 1));
    runner.notify(event(K::node_down, 2));
    runner.notify(event(K::starting, 3, "web"));
    runner.notify(event(K::started, 4, "web"));
    REQUIRE(run_until(&l.loop, [&] { return runner.idle(); }));
    CHECK(read_file(out) == "node_down http://127.0.0.1:1/x /bin\npromoted http://127.0.0.1:1/x /bin\n");
}

TEST_CASE("a hook over its timeout is killed with its children and the next event runs", "[hooks]") {
    TempDir dir;
    const auto out = dir.path / "out";
    const auto pid = dir.path / "pid";
    // The first event leaves a grandchild sleeping: the whole group must go.
    const auto script = write_script(dir.path / "slow",
                                     "if [ \"$HACLUSTER_EVENT\" = node_down ]; then\n"
                                     "  sleep 60 & echo $! > '" + pid.string() + "'; wait\n"
                                     "fi\n"
                                     "echo \"$HACLUSTER_EVENT\" >> '" + out.string() + "'\n");
    Loop l;
    HookRunner runner(&l.loop, {hook(script, 100)}, HookRunnerOptions{1000, std::chrono::milliseconds(50)});
    runner.notify(event(K::node_down, 1));
    runner.notify(event(K::node_up, 2));
    REQUIRE(run_until(&l.loop, [&] { return runner.idle(); }));
    CHECK(read_file(out) == "node_up\n");
    const pid_t sleeper = std::stoi(read_file(pid));
    // Reaped by init once killed; give it the loop's bound to disappear.
    CHECK(run_until(&l.loop, [&] { return ::kill(sleeper, 0) != 0; }));
}

TEST_CASE("a hanging hook does not delay another hook", "[hooks]") {
    TempDir dir;
    const auto out = dir.path / "out";
    const auto hang = write_script(dir.path / "hang", "exec sleep 60\n");
    const auto quick = write_script(dir.path / "quick", "echo \"$HACLUSTER_SEQUENCE\" >> '" + out.string() + "'\n");
    Loop l;
    HookRunner runner(&l.loop, {hook(hang, 60000), hook(quick)});
    for (std::uint64_t s = 1; s <= 3; ++s) runner.notify(event(K::node_down, s));
    REQUIRE(run_until(&l.loop, [&] { return count_lines(out) == 3; }));
    CHECK(read_file(out) == "1\n2\n3\n");
    CHECK(runner.queued(0) == 2);  // the hanging one still holds the rest, in order
    CHECK(runner.queued(1) == 0);
}

TEST_CASE("a full queue drops its oldest events and counts them", "[hooks]") {
    TempDir dir;
    const auto out = dir.path / "out";
    const auto go = dir.path / "go";
    // The first run waits (bounded) until the test lets it go.
    const auto script = write_script(dir.path / "gated",
                                     "i=0; while [ ! -e '" + go.string() + "' ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done\n"
                                     "echo \"$HACLUSTER_SEQUENCE\" >> '" + out.string() + "'\n");
    Loop l;
    HookRunner runner(&l.loop, {hook(script)}, HookRunnerOptions{3, std::chrono::milliseconds(50)});
    runner.notify(event(K::node_down, 1));
    REQUIRE(run_until(&l.loop, [&] { return runner.queued(0) == 0; }));  // the first run holds the hook
    for (std::uint64_t s = 2; s <= 6; ++s) runner.notify(event(K::node_down, s));
    CHECK(runner.dropped(0) == 2);
    CHECK(runner.queued(0) == 3);
    std::ofstream(go) << "";
    REQUIRE(run_until(&l.loop, [&] { return runner.idle(); }));
    CHECK(read_file(out) == "1\n4\n5\n6\n");
}

namespace {

std::filesystem::path example_hook(const char* name) {
    return std::filesystem::path(HACLUSTER_HOOKS_DIR) / name;
}

// Runs one example hook for one event and waits for it.
void run_example(const char* name, const std::map<std::string, std::string>& env, const HookEvent& e) {
    Loop l;
    HookConfig h = hook(example_hook(name), 10000);
    h.env = env;
    HookRunner runner(&l.loop, {h});
    runner.notify(e);
    REQUIRE(run_until(&l.loop, [&] { return runner.idle(); }));
}

}  // namespace

TEST_CASE("the syslog example hook logs one line through logger", "[hooks][examples]") {
    TempDir dir;
    const auto out = dir.path / "logged";
    write_script(dir.path / "logger", "for a in \"$@\"; do printf '[%s]' \"$a\"; done >> '" + out.string() +
                                          "'\necho >> '" + out.string() + "'\n");
    run_example("syslog", {{"PATH", dir.path.string() + ":/usr/bin:/bin"}}, event(K::node_down, 5));
    CHECK(read_file(out) ==
          "[-t][hacluster][-p][daemon.warning][--][node_down on n2 | detail=node_down term=7 "
          "reason=primary_unreachable previous=up local=n1 cluster=demo sequence=5 "
          "time=2026-11-22T23:35:01.042Z]\n");
}

TEST_CASE("the mail example hook hands a mail to sendmail -t, or explains why not", "[hooks][examples]") {
    TempDir dir;
    const auto out = dir.path / "mail";
    const auto sendmail =
        write_script(dir.path / "sendmail", "echo \"args: $*\" > '" + out.string() + "'\ncat >> '" + out.string() + "'\n");
    run_example("mail", {{"HACLUSTER_MAIL_TO", "ops@example.com"}, {"HACLUSTER_SENDMAIL", sendmail.string()}},
                event(K::started, 9, "web"));
    const std::string mail = read_file(out);
    CHECK(mail.starts_with("args: -t\nTo: ops@example.com\nSubject: [hacluster demo] promoted web on n2\n"));
    CHECK(mail.find("HACLUSTER_EVENT=promoted\n") != std::string::npos);

    // No sendmail: nothing sent, exit 0 (the hook runner would log a failure otherwise).
    std::filesystem::remove(out);
    run_example("mail", {{"HACLUSTER_MAIL_TO", "ops@example.com"}, {"HACLUSTER_SENDMAIL", (dir.path / "none").string()}},
                event(K::started, 10, "web"));
    CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("the webhook example hook POSTs every field as JSON", "[hooks][examples]") {
    TempDir dir;
    const auto port_file = dir.path / "port";
    const auto body_file = dir.path / "body";
    // One POST on 127.0.0.1 (an ephemeral port), its body kept; bounded by a timeout.
    const auto receiver = dir.path / "receiver.py";
    std::ofstream(receiver) << "import http.server, sys\n"
                               "class H(http.server.BaseHTTPRequestHandler):\n"
                               "    def do_POST(self):\n"
                               "        n = int(self.headers.get('Content-Length', '0'))\n"
                               "        body = self.rfile.read(n)\n"
                               "        with open(sys.argv[2] + '.tmp', 'wb') as f:\n"
                               "            f.write(self.path.encode() + b'\\n' + self.headers.get('Content-Type', '').encode()"
                               " + b'\\n' + body)\n"
                               "        import os; os.rename(sys.argv[2] + '.tmp', sys.argv[2])\n"
                               "        self.send_response(200); self.end_headers()\n"
                               "    def log_message(self, *a): pass\n"
                               "s = http.server.HTTPServer(('127.0.0.1', 0), H)\n"
                               "s.timeout = 10\n"
                               "open(sys.argv[1] + '.tmp', 'w').write(str(s.server_address[1]))\n"
                               "import os; os.rename(sys.argv[1] + '.tmp', sys.argv[1])\n"
                               "s.handle_request()\n";
    Loop l;
    resources::ProcessRunner processes(&l.loop);
    bool receiver_done = false;
    resources::ProcessSpec spec;
    spec.argv = {"/usr/bin/python3", receiver.string(), port_file.string(), body_file.string()};
    spec.env = {"PATH=/usr/bin:/bin"};
    spec.timeout = std::chrono::seconds(15);
    processes.run(spec, [&](resources::ProcessId, resources::ProcessResult) { receiver_done = true; });
    REQUIRE(run_until(&l.loop, [&] { return std::filesystem::exists(port_file); }));
    const std::string url = "http://127.0.0.1:" + read_file(port_file) + "/hacluster";

    HookConfig h = hook(example_hook("webhook"), 10000);
    h.env = {{"HACLUSTER_WEBHOOK_URL", url}};
    HookRunner runner(&l.loop, {h});
    runner.notify(event(K::start_failed, 11, "web"));
    REQUIRE(run_until(&l.loop, [&] { return runner.idle() && receiver_done; }));
    const std::string got = read_file(body_file);
    REQUIRE(got.starts_with("/hacluster\napplication/json\n"));
    const auto body = nlohmann::json::parse(got.substr(got.find('{')));
    CHECK(body == nlohmann::json{{"cluster", "demo"},
                                 {"detail", "start_failed"},
                                 {"event", "failed"},
                                 {"group", "web"},
                                 {"local_node", "n1"},
                                 {"node", "n2"},
                                 {"previous_state", "standby"},
                                 {"reason", "primary_unreachable"},
                                 {"sequence", 11},
                                 {"term", 7},
                                 {"time", "2026-11-22T23:35:01.042Z"},
                                 {"time_ms", 1795390501042}});
}

TEST_CASE("a reload keeps an unchanged hook's queue and stops feeding a removed one", "[hooks]") {
    TempDir dir;
    const auto kept_out = dir.path / "kept";
    const auto gone_out = dir.path / "gone";
    const auto go = dir.path / "go";
    const std::string wait_for_go =
        "i=0; while [ ! -e '" + go.string() + "' ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done\n";
    const auto kept = write_script(dir.path / "kept.sh", wait_for_go + "echo \"$HACLUSTER_SEQUENCE\" >> '" +
                                                              kept_out.string() + "'\n");
    const auto gone = write_script(dir.path / "gone.sh", wait_for_go + "echo \"$HACLUSTER_SEQUENCE\" >> '" +
                                                              gone_out.string() + "'\n");
    Loop l;
    HookRunner runner(&l.loop, {hook(gone), hook(kept)});
    for (std::uint64_t s = 1; s <= 3; ++s) runner.notify(event(K::node_down, s));
    REQUIRE(run_until(&l.loop, [&] { return runner.queued(0) == 2 && runner.queued(1) == 2; }));
    runner.replace({hook(kept)});
    CHECK(runner.queued(0) == 2);  // "kept" is now the first hook, its queue intact
    runner.notify(event(K::node_down, 4));
    std::ofstream(go) << "";
    REQUIRE(run_until(&l.loop, [&] { return runner.idle(); }));
    CHECK(read_file(kept_out) == "1\n2\n3\n4\n");
    CHECK(read_file(gone_out) == "1\n");  // the run in progress finished; nothing after it
}
