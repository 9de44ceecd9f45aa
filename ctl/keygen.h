#pragma once
// `haclusterctl keygen FILE`: the cluster's shared heartbeat key (SPEC.md
// "Security": HMAC with a shared key file, mode 0600).
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace hacluster::ctl {

// 256 bits: the HMAC-SHA-256 key size; daemon/node_files.h accepts 16..4096 bytes.
inline constexpr std::size_t key_bytes = 32;

// Creates FILE (never replaces one: a new key on one node would cut it off from
// the others) with mode 0600 whatever the umask, writes key_bytes random bytes
// from libsodium and fsyncs the file and its directory. The error text names the
// file and the reason; a half-written file is removed.
[[nodiscard]] std::optional<std::string> write_new_key(const std::filesystem::path& file);

}  // namespace hacluster::ctl
