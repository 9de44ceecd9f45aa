#pragma once
// What the daemon tests share: a temporary directory and a bounded loop runner.
#include <unistd.h>
#include <uv.h>

#include <filesystem>

namespace hacluster::test {

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/hacluster-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

// Runs the loop until done() or about 5 s of iterations pass.
template <class F>
bool run_until(uv_loop_t* loop, F done) {
    for (int i = 0; i < 5000 && !done(); ++i) {
        uv_run(loop, UV_RUN_NOWAIT);
        ::usleep(1000);
    }
    return done();
}

// Runs the loop for about `ms` milliseconds.
inline void run_for(uv_loop_t* loop, int ms) {
    for (int i = 0; i < ms; ++i) {
        uv_run(loop, UV_RUN_NOWAIT);
        ::usleep(1000);
    }
}

}  // namespace hacluster::test
