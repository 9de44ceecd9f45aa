#pragma once
// Always-on assertion for broken invariants (STYLE.md "Errors"): logs file:line
// and the failed condition, then aborts. Never for untrusted input (packets,
// config, control requests), which is validated and answered with an error value.
// Unlike <cassert>, NDEBUG does not turn it off: a release build that carries on
// past a broken invariant could act on a wrong view of the cluster.
// Only <cstdio>/<cstdlib>, so the pure core may use it.
#include <cstdio>
#include <cstdlib>

namespace hacluster::detail {

[[noreturn]] inline void assert_failed(const char* condition, const char* file,
                                       int line) noexcept {
    std::fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, condition);
    std::fflush(stderr);
    std::abort();
}

}  // namespace hacluster::detail

#define HA_ASSERT(condition)                                                       \
    (__builtin_expect(static_cast<bool>(condition), 1)                            \
         ? static_cast<void>(0)                                                    \
         : ::hacluster::detail::assert_failed(#condition, __FILE__, __LINE__))
