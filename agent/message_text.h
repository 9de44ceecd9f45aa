#pragma once
// Operator input echoed into error messages (config values, names, keys): one way
// to escape it and one name rule, shared by the core's validation and the
// daemon's config loader. Escaping caps the length and shows control and
// non-ASCII bytes as \xNN, so a broken file cannot put control characters or
// megabytes into a log line.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hacluster::agent {

enum class EscapeQuotes { no, yes };

// At most `limit` bytes of s, escaped ("..." marks a cut).
std::string escaped(std::string_view s, std::size_t limit, EscapeQuotes escape_quotes);
// s escaped and in double quotes, at most 80 bytes shown.
std::string quoted(std::string_view s);

inline bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

// Names of the cluster, nodes, groups and resources: 1..64 of [A-Za-z0-9_.-].
// nullopt when valid, else what is wrong.
std::optional<std::string> check_name(std::string_view name);

}  // namespace hacluster::agent
