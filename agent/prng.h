#pragma once
// A small seeded PRNG with its own range reduction, so the same seed gives the
// same run with any standard library (the std distributions are
// implementation-defined).
#include <cstdint>

namespace hacluster::agent {

class Prng {
public:
    explicit Prng(std::uint64_t seed) : state_(seed) {}

    // splitmix64: tiny, fast, good enough for simulation and jitter.
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    // Uniform in [0, bound) by rejection, bound > 0.
    std::uint64_t below(std::uint64_t bound) {
        const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % bound);
        std::uint64_t x = next();
        while (x >= limit) x = next();
        return x % bound;
    }

    // Uniform in [lo, hi], lo <= hi.
    std::int64_t range(std::int64_t lo, std::int64_t hi) {
        return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
    }

    // True with probability ppm / 1'000'000.
    bool chance_ppm(std::uint32_t ppm) { return below(1'000'000) < ppm; }

private:
    std::uint64_t state_;
};

}  // namespace hacluster::agent
