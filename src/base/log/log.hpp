#pragma once
// spdlog's calls with the room, peer or component a line is about as fields:
//
//   logging::info(logging::peer(id_, peer.id), "Added peer \"{}\" to room \"{}\"", peer.id, id_);
//
// writes the same text as spdlog::info in text mode (JF_LOG_FORMAT=text) and, in json mode, a
// line whose "room_id" and "peer_id" are those ids. The ids are set for this one line only, so
// they may be views of anything alive during the call.
#include "log/log_fields.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace shoal::logging {

template <typename... Args>
void write(spdlog::level::level_enum level, const Fields& fields, spdlog::format_string_t<Args...> format,
           Args&&... args) {
  spdlog::logger* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  const Scope scope(fields);
  logger->log(level, format, std::forward<Args>(args)...);
}

template <typename... Args>
void debug(const Fields& fields, spdlog::format_string_t<Args...> format, Args&&... args) {
  write(spdlog::level::debug, fields, format, std::forward<Args>(args)...);
}

template <typename... Args>
void info(const Fields& fields, spdlog::format_string_t<Args...> format, Args&&... args) {
  write(spdlog::level::info, fields, format, std::forward<Args>(args)...);
}

template <typename... Args>
void warn(const Fields& fields, spdlog::format_string_t<Args...> format, Args&&... args) {
  write(spdlog::level::warn, fields, format, std::forward<Args>(args)...);
}

template <typename... Args>
void error(const Fields& fields, spdlog::format_string_t<Args...> format, Args&&... args) {
  write(spdlog::level::err, fields, format, std::forward<Args>(args)...);
}

}  // namespace shoal::logging
