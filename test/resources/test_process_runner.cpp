#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>

#include "res_test_support.h"
#include "resources/process_runner.h"

namespace hacluster::resources::test {
namespace {

using agent::ExecStatus;

// Runs one spec to its end on the loop; the result, or nothing after upper_bound.
struct OneRun {
    std::optional<ProcessResult> result;
    std::chrono::steady_clock::duration took{};
};

OneRun run_one(TestLoop& loop, ProcessRunner& runner, ProcessSpec spec) {
    OneRun run;
    const auto start = std::chrono::steady_clock::now();
    runner.run(std::move(spec), [&](ProcessId, ProcessResult r) { run.result = std::move(r); });
    loop.run_until([&] { return run.result.has_value(); });
    run.took = std::chrono::steady_clock::now() - start;
    return run;
}

ProcessSpec spec_for(const std::string& script, std::chrono::milliseconds timeout = 5s) {
    ProcessSpec spec;
    spec.argv = {script};
    spec.env = basic_env();
    spec.timeout = timeout;
    return spec;
}

}  // namespace

TEST_CASE("exit codes and output pass through", "[runner]") {
    TestLoop loop;
    TempDir dir;
    {
        ProcessRunner runner(loop.get());
        for (const int code : {0, 1, 3, 7, 255}) {
            const std::string script =
                dir.script("exit" + std::to_string(code), "echo out; echo err >&2; exit " + std::to_string(code));
            const OneRun run = run_one(loop, runner, spec_for(script));
            REQUIRE(run.result);
            CHECK(run.result->status == ExecStatus::done);
            CHECK(run.result->exit_code == code);
            CHECK(run.result->term_signal == 0);
            CHECK(run.result->output == "out\nerr\n");
            CHECK(run.result->duration > 0ns);
        }
        const std::string args = dir.script("args", "echo \"$1|$2|$(pwd)\"");
        ProcessSpec spec = spec_for(args);
        spec.argv = {args, "start", "two words"};
        const OneRun run = run_one(loop, runner, spec);
        REQUIRE(run.result);
        CHECK(run.result->output == "start|two words|/\n");
    }
    CHECK(loop.close() == 0);
}

TEST_CASE("a hanging script is killed at its timeout, with its grandchildren", "[runner]") {
    TestLoop loop;
    TempDir dir;
    const std::string pid_file = dir.file("grandchild.pid");
    const std::string script = dir.script("hang", "sleep 1000 &\necho $! > " + pid_file + "\nwait");
    {
        ProcessRunner runner(loop.get());
        ProcessSpec spec = spec_for(script, 200ms);
        spec.kill_grace = 1s;
        const OneRun run = run_one(loop, runner, spec);
        REQUIRE(run.result);
        CHECK(run.result->status == ExecStatus::timed_out);
        CHECK(run.result->exit_code == -1);
        CHECK(run.result->term_signal == SIGTERM);
        CHECK(run.took < 5s);
        const int grandchild = wait_for_pid(loop, pid_file);
        REQUIRE(grandchild > 0);
        CHECK(wait_gone(grandchild));
    }
    CHECK(loop.close() == 0);
}

TEST_CASE("a script that ignores SIGTERM is SIGKILLed after the grace", "[runner]") {
    TestLoop loop;
    TempDir dir;
    {
        ProcessRunner runner(loop.get());
        const std::string script = dir.script("stubborn", "trap '' TERM\nwhile :; do sleep 0.05; done");
        ProcessSpec spec = spec_for(script, 200ms);
        spec.kill_grace = 300ms;
        const OneRun run = run_one(loop, runner, spec);
        REQUIRE(run.result);
        CHECK(run.result->status == ExecStatus::timed_out);
        CHECK(run.result->term_signal == SIGKILL);
        CHECK(run.took < 5s);
    }
    CHECK(loop.close() == 0);
}

TEST_CASE("a grandchild that ignores SIGTERM is SIGKILLed though the script died", "[runner]") {
    TestLoop loop;
    TempDir dir;
    const std::string pid_file = dir.file("grandchild.pid");
    const std::string script =
        dir.script("leaves", "(trap '' TERM; exec sleep 1000) &\necho $! > " + pid_file + "\nwait");
    {
        ProcessRunner runner(loop.get());
        ProcessSpec spec = spec_for(script, 200ms);
        spec.kill_grace = 300ms;
        const OneRun run = run_one(loop, runner, spec);
        REQUIRE(run.result);
        CHECK(run.result->status == ExecStatus::timed_out);
        CHECK(run.result->term_signal == SIGTERM);  // the script itself died of the SIGTERM
        const int grandchild = wait_for_pid(loop, pid_file);
        REQUIRE(grandchild > 0);
        // Reported only after the group got its SIGKILL.
        CHECK(wait_gone(grandchild));
    }
    CHECK(loop.close() == 0);
}

TEST_CASE("a stopped script is continued so that it can act on SIGTERM", "[runner]") {
    TestLoop loop;
    TempDir dir;
    {
        ProcessRunner runner(loop.get());
        const std::string script = dir.script("stopped", "trap 'exit 5' TERM\nkill -STOP $$\nwhile :; do sleep 0.05; done");
        ProcessSpec spec = spec_for(script, 200ms);
        spec.kill_grace = 60s;  // would be the end of the test without SIGCONT
        const OneRun run = run_one(loop, runner, spec);
        REQUIRE(run.result);
        CHECK(run.result->status == ExecStatus::timed_out);
        CHECK(run.result->exit_code == 5);
        CHECK(run.result->term_signal == 0);
    }
    CHECK(loop.close() == 0);
}

TEST_CASE("output is bounded: head and tail kept, the rest counted", "[runner]") {
    TestLoop loop;
    TempDir dir;
    {
        ProcessRunner runner(loop.get());
        const std::string script =
            dir.script("chatty", "echo BEGIN\nhead -c 100000 /dev/zero | tr '\\0' 'a'\necho\necho END >&2");
        ProcessSpec spec = spec_for(script);
        spec.output_limit = 1000;
        const OneRun run = run_one(loop, runner, spec);
        REQUIRE(run.result);
        CHECK(run.result->status == ExecStatus::done);
        const std::string& out = run.result->output;
        const std::size_t total = 6 + 100000 + 1 + 4;
        const std::string marker = "\n[... " + std::to_string(total - 1000) + " bytes dropped]\n";
        CHECK(out.size() == 1000 + marker.size());
        CHECK(out.starts_with("BEGIN\naaa"));
        CHECK(out.ends_with("aaa\nEND\n"));
        CHECK(out.find(marker) == 500);
    }
    CHECK(loop.close() == 0);
}

TEST_CASE("the environment is exactly the given one", "[runner]") {
    TestLoop loop;
    TempDir dir;
    REQUIRE(::setenv("HACLUSTER_TEST_INHERITED", "leak", 1) == 0);
    const std::string env_file = dir.file("env");
    // The shell's own environment as it was exec'd (env(1) would show what the
    // shell adds, such as PWD).
    const std::string script = dir.script("dump-env", "/usr/bin/tr '\\0' '\\n' < /proc/$$/environ > " + env_file);
    {
        ProcessRunner runner(loop.get());
        ProcessSpec spec = spec_for(script);
        spec.env = {"PATH=/usr/bin:/bin", "ONE=1", "SPACES=a b  c"};
        const OneRun run = run_one(loop, runner, spec);
        REQUIRE(run.result);
        CHECK(run.result->status == ExecStatus::done);
        CHECK(run.result->exit_code == 0);
        std::vector<std::string> lines = read_lines(env_file);
        std::sort(lines.begin(), lines.end());
        CHECK(lines == std::vector<std::string>{"ONE=1", "PATH=/usr/bin:/bin", "SPACES=a b  c"});

        // An empty environment stays empty (never "inherit").
        spec.env.clear();
        spec.argv = {"/bin/sh", script};
        const OneRun empty = run_one(loop, runner, spec);
        REQUIRE(empty.result);
        INFO(empty.result->output);
        CHECK(empty.result->exit_code == 0);
        CHECK(read_file(env_file).empty());
    }
    ::unsetenv("HACLUSTER_TEST_INHERITED");
    CHECK(loop.close() == 0);
}

TEST_CASE("descriptors other than 0, 1 and 2 are not inherited - stdin is /dev/null", "[runner]") {
    TestLoop loop;
    TempDir dir;
    const std::string marker = dir.file("marker-open-in-parent");
    { std::ofstream(marker) << "x"; }
    const std::string fds_file = dir.file("fds");
    const std::string script = dir.script("list-fds", "ls -l /proc/$$/fd > " + fds_file + "\nread line; echo \"read=$?\"");
    {
        ProcessRunner runner(loop.get());
        // Opened after the runner exists and without O_CLOEXEC: only the sweep
        // before each spawn keeps it out of the child.
        const int fd = ::open(marker.c_str(), O_RDONLY);
        REQUIRE(fd >= 0);
        REQUIRE((::fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0);
        const OneRun run = run_one(loop, runner, spec_for(script));
        ::close(fd);
        REQUIRE(run.result);
        CHECK(run.result->exit_code == 0);
        CHECK(run.result->output == "read=1\n");  // EOF at once
        const std::string fds = read_file(fds_file);
        INFO(fds);
        CHECK(fds.find("marker-open-in-parent") == std::string::npos);
        CHECK(fds.find(" 0 -> /dev/null") != std::string::npos);
        CHECK(fds.find(" 2 -> pipe:") != std::string::npos);
    }
    CHECK(loop.close() == 0);
}

TEST_CASE("a program that cannot start is spawn_failed with the reason", "[runner]") {
    TestLoop loop;
    TempDir dir;
    {
        ProcessRunner runner(loop.get());
        const std::string missing = dir.file("missing");
        const OneRun gone = run_one(loop, runner, spec_for(missing));
        REQUIRE(gone.result);
        CHECK(gone.result->status == ExecStatus::spawn_failed);
        CHECK(gone.result->exit_code == -1);
        CHECK(gone.result->output == "cannot run " + missing + ": no such file or directory (ENOENT)");

        const std::string plain = dir.file("not-executable");
        { std::ofstream(plain) << "#!/bin/sh\nexit 0\n"; }
        const OneRun denied = run_one(loop, runner, spec_for(plain));
        REQUIRE(denied.result);
        CHECK(denied.result->status == ExecStatus::spawn_failed);
        CHECK(denied.result->output == "cannot run " + plain + ": permission denied (EACCES)");

        ProcessSpec bad_cwd = spec_for(dir.script("ok", "exit 0"));
        bad_cwd.cwd = dir.file("no-such-dir");
        const OneRun cwd = run_one(loop, runner, bad_cwd);
        REQUIRE(cwd.result);
        CHECK(cwd.result->status == ExecStatus::spawn_failed);

        const OneRun empty = run_one(loop, runner, ProcessSpec{});
        REQUIRE(empty.result);
        CHECK(empty.result->status == ExecStatus::spawn_failed);
    }
    CHECK(loop.close() == 0);
}

TEST_CASE("results come from the loop, never from inside run()", "[runner]") {
    TestLoop loop;
    {
        ProcessRunner runner(loop.get());
        bool called = false;
        runner.run(spec_for("/nonexistent/program"), [&](ProcessId, ProcessResult) { called = true; });
        CHECK_FALSE(called);
        CHECK(loop.run_until([&] { return called; }));
    }
    CHECK(loop.close() == 0);
}

TEST_CASE("cancel kills the process group and reports cancelled", "[runner]") {
    TestLoop loop;
    TempDir dir;
    const std::string pid_file = dir.file("grandchild.pid");
    const std::string script = dir.script("hang", "sleep 1000 &\necho $! > " + pid_file + "\nwait");
    {
        ProcessRunner runner(loop.get());
        std::optional<ProcessResult> result;
        const ProcessId id = runner.run(spec_for(script, 60s), [&](ProcessId, ProcessResult r) { result = r; });
        const int grandchild = wait_for_pid(loop, pid_file);
        REQUIRE(grandchild > 0);
        CHECK(runner.cancel(id));
        CHECK(runner.cancel(id));  // still running: asking again changes nothing
        CHECK_FALSE(result);
        REQUIRE(loop.run_until([&] { return result.has_value(); }));
        CHECK(result->status == ExecStatus::cancelled);
        CHECK(result->term_signal == SIGTERM);
        CHECK(wait_gone(grandchild));
        CHECK_FALSE(runner.cancel(id));
        CHECK_FALSE(runner.cancel(12345));
        CHECK(runner.running() == 0);
    }
    CHECK(loop.close() == 0);
}

TEST_CASE("a signal nobody sent is reported as killed", "[runner]") {
    TestLoop loop;
    TempDir dir;
    {
        ProcessRunner runner(loop.get());
        const OneRun run = run_one(loop, runner, spec_for(dir.script("suicide", "kill -USR1 $$\nsleep 5")));
        REQUIRE(run.result);
        CHECK(run.result->status == ExecStatus::killed);
        CHECK(run.result->term_signal == SIGUSR1);
        CHECK(run.result->exit_code == -1);
    }
    CHECK(loop.close() == 0);
}

TEST_CASE("a background process holding the output pipe does not delay the result", "[runner]") {
    TestLoop loop;
    TempDir dir;
    const std::string pid_file = dir.file("daemon.pid");
    const std::string script = dir.script("daemonize", "sleep 1000 &\necho $! > " + pid_file + "\necho started");
    int daemon_pid = 0;
    {
        ProcessRunner runner(loop.get());
        const OneRun run = run_one(loop, runner, spec_for(script, 60s));
        REQUIRE(run.result);
        CHECK(run.result->status == ExecStatus::done);
        CHECK(run.result->exit_code == 0);
        CHECK(run.result->output == "started\n");
        CHECK(run.took < 5s);
        daemon_pid = wait_for_pid(loop, pid_file);
        // Not the runner's business after a clean exit: it is still running.
        CHECK_FALSE(process_gone(daemon_pid));
    }
    if (daemon_pid > 0) ::kill(daemon_pid, SIGKILL);
    CHECK(loop.close() == 0);
}

TEST_CASE("at most 64 children at once", "[runner]") {
    TestLoop loop;
    TempDir dir;
    const std::string script = dir.script("wait", "exec sleep 1000");
    {
        ProcessRunner runner(loop.get());
        std::map<ProcessId, ProcessResult> results;
        std::vector<ProcessId> ids;
        const auto record = [&](ProcessId id, ProcessResult r) { results.emplace(id, std::move(r)); };
        for (std::size_t i = 0; i < ProcessRunner::max_processes; ++i) {
            ids.push_back(runner.run(spec_for(script, 60s), record));
        }
        CHECK(runner.running() == ProcessRunner::max_processes);
        const ProcessId refused = runner.run(spec_for(script, 60s), record);
        REQUIRE(loop.run_until([&] { return results.contains(refused); }));
        CHECK(results.at(refused).status == ExecStatus::spawn_failed);
        CHECK(results.at(refused).output.find("too many processes") != std::string::npos);
        for (const ProcessId id : ids) CHECK(runner.cancel(id));
        REQUIRE(loop.run_until([&] { return results.size() == ids.size() + 1; }));
        for (const ProcessId id : ids) CHECK(results.at(id).status == ExecStatus::cancelled);
        CHECK(runner.running() == 0);
    }
    CHECK(loop.close() == 0);
}

TEST_CASE("on_done may start the next process", "[runner]") {
    TestLoop loop;
    TempDir dir;
    const std::string script = dir.script("count", "exit $1");
    {
        ProcessRunner runner(loop.get());
        std::vector<int> codes;
        std::function<void(int)> start = [&](int n) {
            ProcessSpec spec = spec_for(script);
            spec.argv = {script, std::to_string(n)};
            runner.run(spec, [&, n](ProcessId, ProcessResult r) {
                codes.push_back(r.exit_code);
                if (n < 3) start(n + 1);
            });
        };
        start(1);
        REQUIRE(loop.run_until([&] { return codes.size() == 3; }));
        CHECK(codes == std::vector<int>{1, 2, 3});
    }
    CHECK(loop.close() == 0);
}

TEST_CASE("destroying the runner kills what runs and leaves a loop that closes", "[runner]") {
    TestLoop loop;
    TempDir dir;
    const std::string pid_file = dir.file("child.pid");
    const std::string script = dir.script("hang", "sleep 1000 &\necho $! > " + pid_file + "\nwait");
    bool called = false;
    int grandchild = 0;
    {
        ProcessRunner runner(loop.get());
        runner.run(spec_for(script, 60s), [&](ProcessId, ProcessResult) { called = true; });
        grandchild = wait_for_pid(loop, pid_file);
    }
    REQUIRE(grandchild > 0);
    CHECK(wait_gone(grandchild));
    CHECK(loop.close() == 0);
    CHECK_FALSE(called);
}

TEST_CASE("on_done may destroy the runner", "[runner]") {
    TestLoop loop;
    TempDir dir;
    const std::string script = dir.script("ok", "exit 0");
    auto runner = std::make_unique<ProcessRunner>(loop.get());
    int calls = 0;
    runner->run(spec_for(script), [&](ProcessId, ProcessResult) {
        ++calls;
        runner.reset();
    });
    runner->run(spec_for(script), [&](ProcessId, ProcessResult) {
        ++calls;
        runner.reset();
    });
    REQUIRE(loop.run_until([&] { return !runner; }));
    CHECK(loop.close() == 0);  // runs the loop until every handle is closed
    CHECK(calls == 1);
}

}  // namespace hacluster::resources::test
