#include "daemon/hmac_sha256.h"

#include "agent/assert.h"

namespace hacluster::daemon {

std::optional<HmacSha256> HmacSha256::from_key(std::span<const std::uint8_t> key) {
    if (key.size() < min_key_size) return std::nullopt;
    // Safe to call repeatedly and from several instances: later calls return 1.
    if (sodium_init() < 0) return std::nullopt;
    return HmacSha256(key);
}

HmacSha256 HmacSha256::from_key_unchecked(std::span<const std::uint8_t> key) {
    // Only reached from tests; a libsodium that cannot initialise there is a
    // broken test environment, not input to report.
    const int rc = sodium_init();
    HA_ASSERT(rc >= 0);
    return HmacSha256(key);
}

HmacSha256::HmacSha256(std::span<const std::uint8_t> key) {
    // libsodium documents no failure for any key length; a nonzero result would
    // be a broken library.
    const int rc = crypto_auth_hmacsha256_init(&keyed_, key.data(), key.size());
    HA_ASSERT(rc == 0);
}

HmacSha256::~HmacSha256() {
    // The keyed state is as good as the key for forging MACs.
    sodium_memzero(&keyed_, sizeof keyed_);
}

agent::wire::Mac HmacSha256::compute(std::span<const std::uint8_t> bytes) const {
    crypto_auth_hmacsha256_state state = keyed_;
    agent::wire::Mac mac{};
    static_assert(agent::wire::mac_size == crypto_auth_hmacsha256_BYTES);
    const int update_rc = crypto_auth_hmacsha256_update(&state, bytes.data(), bytes.size());
    const int final_rc = crypto_auth_hmacsha256_final(&state, mac.data());
    HA_ASSERT(update_rc == 0 && final_rc == 0);
    sodium_memzero(&state, sizeof state);
    return mac;
}

}  // namespace hacluster::daemon
