#include "agent/message_text.h"

#include <cstdio>

#include "agent/config.h"

namespace hacluster::agent {

namespace {

bool is_printable(char c) { return c >= 0x20 && c < 0x7f; }

std::string hex_byte(char c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(static_cast<unsigned char>(c)));
    return buf;
}

}  // namespace

std::string escaped(std::string_view s, std::size_t limit, EscapeQuotes escape_quotes) {
    std::string out;
    for (std::size_t i = 0; i < s.size() && i < limit; ++i) {
        const char c = s[i];
        if (escape_quotes == EscapeQuotes::yes && (c == '"' || c == '\\')) {
            out += '\\';
            out += c;
        } else if (is_printable(c)) {
            out += c;
        } else {
            out += hex_byte(c);
        }
    }
    if (s.size() > limit) out += "...";
    return out;
}

std::string quoted(std::string_view s) { return '"' + escaped(s, 80, EscapeQuotes::yes) + '"'; }

std::optional<std::string> check_name(std::string_view name) {
    if (name.empty()) return "must not be empty";
    if (name.size() > max_name_length) {
        return "must be at most " + std::to_string(max_name_length) + " characters, got " +
               std::to_string(name.size());
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!is_name_char(name[i])) {
            const char c = name[i];
            const std::string shown = is_printable(c) ? std::string("'") + c + "'" : "byte " + hex_byte(c);
            return "contains " + shown + " at position " + std::to_string(i) +
                   "; only letters, digits, '_', '.' and '-' are allowed";
        }
    }
    return std::nullopt;
}

}  // namespace hacluster::agent
