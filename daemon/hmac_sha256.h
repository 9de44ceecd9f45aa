#pragma once
// HMAC-SHA-256 (RFC 2104, FIPS 180-4) through libsodium, plugged into the codec's
// Authenticator interface. Lives outside agent/ so the core links nothing but the
// standard library (STYLE.md "dependency rule").
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "agent/wire.h"

namespace hacluster::daemon {

class HmacSha256 final : public agent::wire::Authenticator {
public:
    // A cluster key shorter than this is too easy to guess offline from one
    // captured heartbeat.
    static constexpr std::size_t min_key_size = 16;

    // For the cluster key: nullopt if the key is shorter than min_key_size or
    // libsodium cannot initialise (both are start-up errors; the config loader
    // checks the length itself first to say which).
    static std::optional<HmacSha256> from_key(std::span<const std::uint8_t> key);

    // Accepts a key of any length. Only for known-answer tests against published
    // vectors (RFC 4231 uses 4- and 20-byte keys); never for a cluster key.
    static HmacSha256 from_key_unchecked(std::span<const std::uint8_t> key);

    HmacSha256(const HmacSha256& other) = default;
    HmacSha256& operator=(const HmacSha256& other) = default;
    ~HmacSha256() override;

    agent::wire::Mac compute(std::span<const std::uint8_t> bytes) const override;

private:
    explicit HmacSha256(std::span<const std::uint8_t> key);

    // The key already absorbed into the inner and outer hash states (the state
    // after init), copied for each message: saves two SHA-256 blocks per MAC and
    // keeps compute() const and free of shared mutable state.
    crypto_auth_hmacsha256_state keyed_{};
};

}  // namespace hacluster::daemon
