#pragma once
// What the daemon reads and writes on its own node besides the config: the shared
// key, its identity among the configured nodes, and the persisted lease votes
// (design §4.1). Every failure is an error text naming the file and the reason.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "agent/agent.h"
#include "agent/config.h"

namespace hacluster::daemon {

// The cluster key: at least 16 bytes, at most 4 KiB, not readable or writable by
// group or others (mode 0600 or stricter).
std::variant<std::vector<std::uint8_t>, std::string> read_key_file(const std::filesystem::path& file);

// --node NAME when given; else the configured node that has one of its addresses
// on a local interface; else the node named like the host. The error says what was
// tried.
std::variant<agent::NodeId, std::string> find_self(const agent::ClusterConfig& config,
                                                   const std::optional<std::string>& node_flag);

// Votes as stored by store_votes (by group and node name, so a reordered config
// keeps them); a missing file is an empty list, a broken one an error.
std::variant<std::vector<agent::PersistedVote>, std::string> load_votes(
    const std::filesystem::path& file, const agent::ClusterConfig& config);
// Written to a temporary file, fsynced, renamed over the old one.
std::optional<std::string> store_votes(const std::filesystem::path& file,
                                       const agent::ClusterConfig& config,
                                       const std::vector<agent::PersistedVote>& votes);

// Written to FILE.tmp, fsynced, renamed over FILE, directory fsynced; the error
// starts with `what` ("votes file").
std::optional<std::string> write_file_durably(const std::filesystem::path& file, const std::string& text,
                                              const std::string& what);

// One daemon per state directory, and a restarted daemon waits for the
// supervisor of the previous one to finish its stops (design §8): an exclusive
// flock on DIR/lock, shared by the daemon and the supervisor it forks, held until
// both are gone. Waits up to `wait`, then the error names the holder's pid. The
// returned descriptor stays open for the life of the process.
std::variant<int, std::string> lock_state_dir(const std::filesystem::path& dir, std::chrono::milliseconds wait);

}  // namespace hacluster::daemon
