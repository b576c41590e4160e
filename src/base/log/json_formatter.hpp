#pragma once
// JF_LOG_FORMAT=json: every log line is one JSON object on one line,
//   {"time":"2026-01-31T12:00:00.123Z","level":"info","msg":"...","room_id":"...","peer_id":"..."}
// with "room_id", "peer_id" and "component_id" present when the line is about one (log_fields.hpp).
// Any message text gives valid JSON: quotes, backslashes and control characters are escaped and
// bytes that are not UTF-8 become U+FFFD.
#include "log/log_fields.hpp"

#include <spdlog/formatter.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace shoal::logging {

// One line without its newline: time in ISO-8601 UTC with milliseconds, then level, msg and the
// non-empty fields.
std::string json_line(std::chrono::system_clock::time_point time, spdlog::level::level_enum level,
                      std::string_view message, const Fields& fields);

// The formatter of the default logger in json mode; reads the calling thread's fields.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& out) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace shoal::logging
