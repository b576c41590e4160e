#pragma once
// A placement asks another node to create a room within the call timeout and, when no answer
// comes in time, creates it elsewhere. The slow node may still create its room afterwards,
// and nobody would ever learn that room's id: it would sit there, counted in the node's load,
// until the node stops. The caller therefore tells the slow node it gave up (by the
// placement's token), and the node deletes the room if it made it, or refuses to make it if it
// has not started yet. Thread-safe: calls and messages arrive on different distribution
// threads. Bounded: a token is remembered for kKeep, at most kMaxTokens at once.
#include "core/time.hpp"

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace shoal::cluster {

class LateCreateGuard {
 public:
  static constexpr std::chrono::seconds kKeep{60};
  static constexpr std::size_t kMaxTokens = 4096;

  // Before creating: false when the caller has already given up on `token`.
  bool may_create(const std::string& token, core::Time now);
  // After creating `room_id`: true when the caller gave up meanwhile, so the room is to go.
  bool created(const std::string& token, const std::string& room_id, core::Time now);
  // The caller gave up on `token`: the room to delete when it was already created.
  std::optional<std::string> abandoned(const std::string& token, core::Time now);

 private:
  struct Entry {
    core::Time at;
    bool abandoned = false;
    std::string room_id{};  // set once created
  };
  void forget_old(core::Time now);

  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace shoal::cluster
