#pragma once
// Golden transcripts (etcd raft's testdata, Pacemaker's stored scenarios): a
// scenario's transcript is compared with test/sim/testdata/<name>.txt, so every
// change of the core's decisions shows up as a reviewable diff.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hacluster::sim {

enum class Rewrite : std::uint8_t { no, yes };

// Rewrite::yes when the environment has HACLUSTER_REWRITE_GOLDEN=1.
Rewrite rewrite_from_environment();

// The testdata directory of the source tree (set by CMake).
std::filesystem::path golden_dir();

// nullopt when `lines` equal the file's lines (with Rewrite::yes the file is
// written first, so it always matches). Otherwise the first difference, with
// line numbers, and how to accept the new transcript.
std::optional<std::string> compare_golden(const std::filesystem::path& file,
                                          const std::vector<std::string>& lines, Rewrite rewrite);

}  // namespace hacluster::sim
