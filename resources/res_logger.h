#pragma once
// The resource layer logs through the daemon's "res" logger (STYLE.md "Logging")
// and falls back to spdlog's default logger when the daemon has not made one
// (tests, tools).
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

namespace hacluster::resources {

std::shared_ptr<spdlog::logger> res_logger();

// Script output is untrusted: control bytes and invalid UTF-8 become \xNN, so a
// script cannot forge log lines or break a terminal. Tabs stay.
std::string printable(std::string_view bytes);

}  // namespace hacluster::resources
