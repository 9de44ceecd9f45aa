#include "test/sim/sim_golden.h"

#include <cstdlib>
#include <fstream>

namespace hacluster::sim {

Rewrite rewrite_from_environment() {
    const char* value = std::getenv("HACLUSTER_REWRITE_GOLDEN");
    return value != nullptr && std::string(value) == "1" ? Rewrite::yes : Rewrite::no;
}

std::filesystem::path golden_dir() { return HACLUSTER_SIM_TESTDATA_DIR; }

std::optional<std::string> compare_golden(const std::filesystem::path& file,
                                          const std::vector<std::string>& lines, Rewrite rewrite) {
    if (rewrite == Rewrite::yes) {
        std::filesystem::create_directories(file.parent_path());
        std::ofstream out(file, std::ios::trunc);
        for (const std::string& line : lines) out << line << '\n';
        if (!out) return "cannot write " + file.string();
    }
    std::ifstream in(file);
    if (!in) {
        return "no golden file " + file.string() +
               " (run with HACLUSTER_REWRITE_GOLDEN=1 to create it)";
    }
    std::vector<std::string> expected;
    for (std::string line; std::getline(in, line);) expected.push_back(line);
    const std::size_t common = std::min(expected.size(), lines.size());
    for (std::size_t i = 0; i < common; ++i) {
        if (expected[i] != lines[i]) {
            return file.string() + ":" + std::to_string(i + 1) + ": expected\n  " + expected[i] +
                   "\ngot\n  " + lines[i] +
                   "\n(HACLUSTER_REWRITE_GOLDEN=1 accepts the new transcript)";
        }
    }
    if (expected.size() != lines.size()) {
        const bool longer = lines.size() > expected.size();
        return file.string() + ": " + std::to_string(expected.size()) + " lines expected, got " +
               std::to_string(lines.size()) + "; first " + (longer ? "extra" : "missing") +
               " line " + std::to_string(common + 1) + ":\n  " +
               (longer ? lines[common] : expected[common]) +
               "\n(HACLUSTER_REWRITE_GOLDEN=1 accepts the new transcript)";
    }
    return std::nullopt;
}

}  // namespace hacluster::sim
