#include "daemon/journal_sink.h"

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include <cstdio>
#include <cstdlib>

namespace hacluster::daemon {

bool stderr_is_journal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) return false;
    unsigned long long device = 0, inode = 0;
    if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return false;
    return st.st_dev == device && st.st_ino == inode;
}

int journal_priority(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
        case spdlog::level::debug: return 7;
        case spdlog::level::info: return 6;
        case spdlog::level::warn: return 4;
        case spdlog::level::err: return 3;
        case spdlog::level::critical: return 2;
        default: return 6;
    }
}

namespace {

bool is_key(std::string_view key) {
    if (key.empty()) return false;
    for (const char c : key) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

std::string upper(std::string_view key) {
    std::string out;
    for (const char c : key) out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> journal_fields(std::string_view line) {
    std::vector<std::pair<std::string, std::string>> fields;
    const std::size_t bar = line.find(" | ");
    if (bar == std::string_view::npos) return fields;
    std::string_view rest = line.substr(bar + 3);
    while (!rest.empty()) {
        const std::size_t space = rest.find(' ');
        const std::string_view word = rest.substr(0, space);
        rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
        const std::size_t eq = word.find('=');
        if (eq != std::string_view::npos && is_key(word.substr(0, eq))) {
            fields.emplace_back("HACLUSTER_" + upper(word.substr(0, eq)), std::string(word.substr(eq + 1)));
        } else if (!fields.empty()) {
            fields.back().second += " " + std::string(word);
        } else {
            break;
        }
    }
    return fields;
}

void JournalSink::sink_it_(const spdlog::details::log_msg& msg) {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    std::vector<std::string> entries;
    entries.push_back("MESSAGE=" + std::string(msg.logger_name.data(), msg.logger_name.size()) + ": " +
                      std::string(text));
    entries.push_back("PRIORITY=" + std::to_string(journal_priority(msg.level)));
    entries.push_back("SYSLOG_IDENTIFIER=" + identifier_);
    entries.push_back("HACLUSTER_LOGGER=" + std::string(msg.logger_name.data(), msg.logger_name.size()));
    for (auto& [key, value] : journal_fields(text)) entries.push_back(key + "=" + value);
    std::vector<struct iovec> iov;
    iov.reserve(entries.size());
    for (std::string& e : entries) iov.push_back({e.data(), e.size()});
    // A journal that is gone (journald restarting) loses the line: never block or
    // throw into the loop for a log line.
    (void)sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
}

}  // namespace hacluster::daemon
