#pragma once
// The operator's policy (maintenance, blocked groups, recent cleanups) stored in
// STATE_DIR/policy.json like the votes, so that a restarted daemon does not
// manage what the operator left unmanaged (docs/design.md §3.5). TTL ends are
// stored as wall-clock times: the monotonic clock of the core restarts with the
// machine.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>

#include "agent/config.h"
#include "agent/io.h"

namespace hacluster::daemon {

struct ClockPair {
    agent::Instant now;                          // the core's clock
    std::chrono::system_clock::time_point wall;  // read at the same moment
};

// A missing file is nullopt; a broken one an error naming the file.
std::variant<std::optional<agent::Policy>, std::string> load_policy(const std::filesystem::path& file,
                                                                    const agent::ClusterConfig& config,
                                                                    ClockPair clocks);
std::optional<std::string> store_policy(const std::filesystem::path& file, const agent::ClusterConfig& config,
                                        const agent::Policy& policy, ClockPair clocks);

}  // namespace hacluster::daemon
