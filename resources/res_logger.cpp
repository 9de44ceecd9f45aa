#include "resources/res_logger.h"

#include <cstdio>
#include <string>

namespace hacluster::resources {

std::shared_ptr<spdlog::logger> res_logger() {
    if (auto logger = spdlog::get("res")) return logger;
    return spdlog::default_logger();
}

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one
// (overlong forms, surrogates and values above U+10FFFF are not valid).
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = byte(i);
    std::size_t n = 0;
    unsigned min_second = 0x80, max_second = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        if (b0 == 0xE0) min_second = 0xA0;
        if (b0 == 0xED) max_second = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        if (b0 == 0xF0) min_second = 0x90;
        if (b0 == 0xF4) max_second = 0x8F;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
    for (std::size_t k = 2; k < n; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    }
    return n;
}

}  // namespace

std::string printable(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if ((c >= 0x20 && c < 0x7f) || c == '\t') {
            out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        if (c >= 0x80) {
            if (const std::size_t n = utf8_length(bytes, i); n > 0) {
                out.append(bytes.substr(i, n));
                i += n;
                continue;
            }
        }
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(c));
        out += buf;
        ++i;
    }
    return out;
}

}  // namespace hacluster::resources
