#pragma once
// Wall-clock times as operators read them in status, events and hooks
// (HACLUSTER_TIME): RFC 3339, UTC, milliseconds.
#include <chrono>
#include <string>

namespace hacluster::daemon {

// "2026-11-22T23:35:00.123Z" (UTC, milliseconds).
std::string iso_time(std::chrono::system_clock::time_point t);

}  // namespace hacluster::daemon
