#pragma once
// Every room on this node by id. The map is shared by all loops (control plane only, never on
// the packet path), so a short lock guards it.
#include "room/room.hpp"

#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace shoal::room {

class RoomRegistry {
 public:
  void insert(std::shared_ptr<Room> room);
  std::shared_ptr<Room> find(std::string_view id) const;
  // Removes and returns the room; nullptr when unknown.
  std::shared_ptr<Room> remove(std::string_view id);
  std::vector<std::shared_ptr<Room>> all() const;
  std::size_t size() const;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Room>> rooms_;
};

}  // namespace shoal::room
