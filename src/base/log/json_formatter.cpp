#include "log/json_formatter.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>

namespace shoal::logging {

namespace {

// A JSON string literal of `text`: escaped, with invalid UTF-8 replaced rather than thrown on.
void append_string(std::string& out, std::string_view text) {
  out += nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  out.append(",\"").append(name).append("\":");
  append_string(out, value);
}

}  // namespace

std::string json_line(std::chrono::system_clock::time_point time, spdlog::level::level_enum level,
                      std::string_view message, const Fields& fields) {
  using namespace std::chrono;
  const auto since_epoch = duration_cast<milliseconds>(time.time_since_epoch()).count();
  auto seconds = static_cast<std::time_t>(since_epoch / 1000);
  auto millis = static_cast<int>(since_epoch % 1000);
  if (millis < 0) {  // before 1970: floor, not truncate
    millis += 1000;
    --seconds;
  }
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);

  const auto level_name = spdlog::level::to_string_view(level);
  std::string out;
  out.reserve(96 + message.size());
  out.append("{\"time\":\"").append(stamp).append("\",\"level\":\"");
  out.append(level_name.data(), level_name.size()).append("\",\"msg\":");
  append_string(out, message);
  append_field(out, "room_id", fields.room_id);
  append_field(out, "peer_id", fields.peer_id);
  append_field(out, "component_id", fields.component_id);
  out += '}';
  return out;
}

void JsonFormatter::format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& out) {
  const auto line = json_line(message.time, message.level,
                              std::string_view(message.payload.data(), message.payload.size()), current());
  out.append(line.data(), line.data() + line.size());
  out.push_back('\n');
}

std::unique_ptr<spdlog::formatter> JsonFormatter::clone() const { return std::make_unique<JsonFormatter>(); }

}  // namespace shoal::logging
