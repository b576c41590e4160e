#pragma once
// The room, peer and component a log line is about, as fields of the line (JF_LOG_FORMAT=json)
// rather than text inside it. A thread's current fields live in one thread-local slot of three
// string views: setting them neither allocates nor copies an id.
//
// The ids are views: whatever sets them keeps the strings alive while they are set. Two ways:
//  - logging::info/warn/... (log.hpp) set them for exactly one line, from ids at the call site;
//  - logging::Scope sets them for a block (e.g. a component's whole thread), for every line
//    written inside it, including lines of code that knows nothing about rooms (ffmpeg's log).
#include <string_view>

namespace shoal::logging {

struct Fields {
  std::string_view room_id;
  std::string_view peer_id;
  std::string_view component_id;
};

constexpr Fields room(std::string_view room_id) { return {room_id, {}, {}}; }
constexpr Fields peer(std::string_view room_id, std::string_view peer_id) { return {room_id, peer_id, {}}; }
constexpr Fields component(std::string_view room_id, std::string_view component_id) {
  return {room_id, {}, component_id};
}

namespace detail {
// Constant-initialised and trivially destructible: no guard or registration on access.
inline thread_local Fields current_fields{};
}  // namespace detail

// The fields of the line this thread writes now (what the JSON formatter reads; spdlog's
// default logger formats on the calling thread).
inline const Fields& current() noexcept { return detail::current_fields; }

// Sets the non-empty fields of `fields` over the current ones until the end of the block;
// nested scopes add to the outer ones (a peer inside a room) and restore them when they end.
class Scope {
 public:
  explicit Scope(const Fields& fields) noexcept : saved_(detail::current_fields) {
    Fields& now = detail::current_fields;
    if (!fields.room_id.empty()) now.room_id = fields.room_id;
    if (!fields.peer_id.empty()) now.peer_id = fields.peer_id;
    if (!fields.component_id.empty()) now.component_id = fields.component_id;
  }
  ~Scope() { detail::current_fields = saved_; }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Fields saved_;
};

}  // namespace shoal::logging
