// The systemd class: unit names, and systemctl driven through a stand-in put first
// in PATH (this machine's PID 1 is not systemd; with /run/systemd/system the real
// one could be used). The stand-in records its calls and keeps each unit's state
// in a file, as systemctl would report it.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "res_test_support.h"
#include "resources/script_class.h"
#include "resources/systemd_class.h"

namespace hacluster::resources::test {

namespace {

// `systemctl start|stop|is-active UNIT`; a unit named "broken*" fails to start
// and is then in state "failed".
std::string stand_in_systemctl(const TempDir& dir) {
    const std::string state = dir.file("state");
    return dir.script("bin/systemctl",
                      "echo \"$*\" >> '" + dir.file("calls") + "'\n"
                      "unit=\"$2\"\n"
                      "case \"$1\" in\n"
                      "  start) case \"$unit\" in broken*) echo failed > '" + state + ".'\"$unit\"; exit 1 ;; esac\n"
                      "         echo active > '" + state + ".'\"$unit\" ;;\n"
                      "  stop) echo inactive > '" + state + ".'\"$unit\" ;;\n"
                      "  is-active) s=$(cat '" + state + ".'\"$unit\" 2>/dev/null || echo inactive)\n"
                      "             echo \"$s\"; [ \"$s\" = active ] && exit 0; exit 3 ;;\n"
                      "  *) exit 1 ;;\n"
                      "esac\n");
}

ProcessResult run_spec(TestLoop& loop, ProcessRunner& runner, const ProcessSpec& spec) {
    std::optional<ProcessResult> result;
    runner.run(spec, [&](std::uint64_t, ProcessResult res) { result = std::move(res); });
    REQUIRE(loop.run_until([&] { return result.has_value(); }));
    return *result;
}

}  // namespace

TEST_CASE("systemd agent names: systemd:UNIT with a unit name systemd accepts", "[systemd]") {
    for (const char* good : {"systemd:nginx", "systemd:nginx.service", "systemd:getty@tty1.service",
                             "systemd:postgresql@15-main", "systemd:web.target"}) {
        INFO(good);
        const auto parsed = parse_systemd_agent(good);
        REQUIRE(std::holds_alternative<SystemdAgent>(parsed));
        CHECK(std::get<SystemdAgent>(parsed).unit == std::string(good).substr(8));
    }
    for (const char* bad : {"systemd:", "systemd:-x", "systemd:--now", "systemd:a b", "systemd:a/b",
                            "systemd:nginx.servce", "systemd:.service", "systemd:x;rm"}) {
        INFO(bad);
        const auto parsed = parse_systemd_agent(bad);
        REQUIRE(std::holds_alternative<std::string>(parsed));
        CHECK(std::get<std::string>(parsed).find(bad) != std::string::npos);
    }
    CHECK(std::holds_alternative<std::string>(parse_systemd_agent("systemd:" + std::string(256, 'a'))));
}

TEST_CASE("systemd is-active states: active running, inactive stopped, failed failed", "[systemd]") {
    const auto state = [](int code, const char* out) {
        ProcessResult r;
        r.exit_code = code;
        r.output = out;
        return systemd_state(r);
    };
    CHECK(state(0, "active\n") == SystemdState::running);
    CHECK(state(0, "reloading\n") == SystemdState::running);
    CHECK(state(3, "activating\n") == SystemdState::running);
    CHECK(state(3, "inactive\n") == SystemdState::stopped);
    CHECK(state(3, "deactivating\n") == SystemdState::stopped);
    CHECK(state(3, "failed\n") == SystemdState::failed);
    CHECK(state(1, "Failed to connect to bus\n") == SystemdState::failed);
    CHECK(state(3, "") == SystemdState::failed);
    ProcessResult timed_out;
    timed_out.status = agent::ExecStatus::timed_out;
    timed_out.output = "active\n";
    CHECK(systemd_state(timed_out) == SystemdState::failed);
}

TEST_CASE("systemd:UNIT runs systemctl from PATH: start, stop, is-active as the monitor", "[systemd]") {
    TempDir tmp;
    std::filesystem::create_directory(tmp.file("bin"));
    const std::string systemctl = stand_in_systemctl(tmp);
    ScriptDirs dirs;
    dirs.search_path = "/nonexistent:" + tmp.file("bin") + ":/usr/bin:/bin";
    ResourceConfig r;
    r.name = "web";
    r.agent = "systemd:websvc.service";
    const ScriptContext context{"g", "n1", 1, "test", Role::primary};
    TestLoop loop;
    ProcessRunner runner(loop.get());
    const auto run = [&](ResourceAction action) {
        auto made = script_spec(r, action, context, dirs);
        REQUIRE(std::holds_alternative<ProcessSpec>(made));
        const ProcessResult result = run_spec(loop, runner, std::get<ProcessSpec>(made));
        INFO(to_string(action) << " output: " << result.output);
        return result;
    };

    auto monitor = script_spec(r, ResourceAction::monitor, context, dirs);
    REQUIRE(std::holds_alternative<ProcessSpec>(monitor));
    CHECK(std::get<ProcessSpec>(monitor).argv == std::vector<std::string>{systemctl, "is-active", "websvc.service"});

    CHECK(monitor_state(run(ResourceAction::monitor), r.agent) == ResourceState::stopped);
    CHECK(succeeded(run(ResourceAction::start)));
    CHECK(monitor_state(run(ResourceAction::monitor), r.agent) == ResourceState::running);
    CHECK(succeeded(run(ResourceAction::stop)));
    CHECK(monitor_state(run(ResourceAction::monitor), r.agent) == ResourceState::stopped);
    CHECK(read_lines(tmp.file("calls")) ==
          std::vector<std::string>{"is-active websvc.service", "start websvc.service", "is-active websvc.service",
                                   "stop websvc.service", "is-active websvc.service"});

    r.agent = "systemd:broken.service";
    CHECK_FALSE(succeeded(run(ResourceAction::start)));
    CHECK(monitor_state(run(ResourceAction::monitor), r.agent) == ResourceState::failed);

    dirs.search_path = "/nonexistent";
    auto missing = script_spec(r, ResourceAction::start, context, dirs);
    REQUIRE(std::holds_alternative<std::string>(missing));
    CHECK(std::get<std::string>(missing).find("systemctl") != std::string::npos);
    CHECK(std::get<std::string>(missing).find("/nonexistent") != std::string::npos);
}

}  // namespace hacluster::resources::test
