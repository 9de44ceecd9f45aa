#pragma once
#include <fcntl.h>
#include <unistd.h>
// Shared by the resource tests: a real libuv loop that is run until a condition
// holds (with a generous upper bound, never a wall-clock threshold), a temporary
// directory with executable scripts, and process-liveness checks.
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>
#include <uv.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace hacluster::resources::test {

using namespace std::chrono_literals;

// Generous: a test that needs this long has failed, it has not been slow.
inline constexpr std::chrono::seconds upper_bound{10};

class TestLoop {
public:
    TestLoop() {
        REQUIRE(uv_loop_init(&loop_) == 0);
        REQUIRE(uv_timer_init(&loop_, &wake_) == 0);
    }
    ~TestLoop() {
        if (!closed_) close();
    }
    TestLoop(const TestLoop&) = delete;
    TestLoop& operator=(const TestLoop&) = delete;

    uv_loop_t* get() { return &loop_; }

    // Runs the loop until done() holds or upper_bound passes; returns done().
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = upper_bound) {
        const auto start = std::chrono::steady_clock::now();
        // The wake-up timer keeps UV_RUN_ONCE from blocking for ever.
        uv_timer_start(&wake_, [](uv_timer_t*) {}, 10, 10);
        while (!done() && std::chrono::steady_clock::now() - start < limit) uv_run(&loop_, UV_RUN_ONCE);
        uv_timer_stop(&wake_);
        return done();
    }

    // Closes every handle and the loop; 0 when nothing was left behind.
    int close() {
        closed_ = true;
        uv_close(reinterpret_cast<uv_handle_t*>(&wake_), nullptr);
        uv_run(&loop_, UV_RUN_DEFAULT);
        return uv_loop_close(&loop_);
    }

private:
    uv_loop_t loop_{};
    uv_timer_t wake_{};
    bool closed_ = false;
};

class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "hacluster-res-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

    // Writes an executable /bin/sh script and returns its path.
    std::string script(const std::string& name, const std::string& body) const {
        const std::string file_path = file(name);
        {
            std::ofstream out(file_path);
            out << "#!/bin/sh\n" << body << "\n";
        }
        REQUIRE(::chmod(file_path.c_str(), 0755) == 0);
        return file_path;
    }

private:
    std::filesystem::path path_;
};

inline std::string read_file(const std::string& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

inline void write_file(const std::string& file, const std::string& text) {
    std::ofstream out(file);
    out << text;
    REQUIRE(out.good());
}

inline std::vector<std::string> read_lines(const std::string& file) {
    std::vector<std::string> lines;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Waits (bounded) for a file a script writes, and reads the pid in it.
inline int wait_for_pid(TestLoop& loop, const std::string& file) {
    int pid = 0;
    loop.run_until([&] {
        std::ifstream in(file);
        return static_cast<bool>(in >> pid) && pid > 0;
    });
    return pid;
}

// Gone: no such process, or a zombie nobody has reaped yet (a dead process
// re-parented to an init that does not reap still answers kill(pid, 0)).
inline bool process_gone(int pid) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    // POSIX reads: a process that vanishes between open and read makes read() fail
    // with ESRCH, which std::ifstream turns into an exception (seen under ASan).
    std::string text;
    const int fd = ::open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char buf[512];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) text.assign(buf, static_cast<std::size_t>(n));
        ::close(fd);
    }
    const auto paren = text.rfind(')');
    return paren == std::string::npos || (paren + 2 < text.size() && text[paren + 2] == 'Z');
}

// Death after SIGKILL is asynchronous: poll, bounded.
inline bool wait_gone(int pid, std::chrono::milliseconds limit = upper_bound) {
    const auto start = std::chrono::steady_clock::now();
    while (!process_gone(pid)) {
        if (std::chrono::steady_clock::now() - start > limit) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

inline std::vector<std::string> basic_env() { return {"PATH=/usr/bin:/bin"}; }

}  // namespace hacluster::resources::test
