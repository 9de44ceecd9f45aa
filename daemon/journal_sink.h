#pragma once
// Logs to journald with priorities and fields (README "Logging"): when stderr is
// the journal ($JOURNAL_STREAM names its device and inode, as systemd sets it for
// a service), each line goes through sd_journal_send instead, with PRIORITY= from
// the level (`journalctl -p err` finds errors), SYSLOG_IDENTIFIER=haclusterd,
// HACLUSTER_LOGGER= (main, net, agent, res, ctl, sup), and every `key=value` after
// the line's " | " as HACLUSTER_KEY=value: `journalctl HACLUSTER_GROUP=web`,
// HACLUSTER_NODE, HACLUSTER_TERM, HACLUSTER_REASON, ...
#include <spdlog/sinks/base_sink.h>

#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hacluster::daemon {

// Whether $JOURNAL_STREAM ("DEVICE:INODE") is this process's stderr.
[[nodiscard]] bool stderr_is_journal();

// syslog priority of a spdlog level (trace and debug 7, info 6, warn 4, err 3,
// critical 2).
[[nodiscard]] int journal_priority(spdlog::level::level_enum level);

// The fields of a log line "text | key=value key=value": HACLUSTER_KEY (upper case)
// and the value; a word without '=' continues the previous value ("error=No such
// file"). Keys that are not [a-z0-9_]+ end the fields (the rest is text).
[[nodiscard]] std::vector<std::pair<std::string, std::string>> journal_fields(std::string_view line);

class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit JournalSink(std::string identifier) : identifier_(std::move(identifier)) {}

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override {}

private:
    std::string identifier_;
};

}  // namespace hacluster::daemon
