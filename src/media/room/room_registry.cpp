#include "room/room_registry.hpp"

#include <mutex>

namespace shoal::room {

void RoomRegistry::insert(std::shared_ptr<Room> room) {
  std::unique_lock lock(mutex_);
  std::string id = room->id();
  rooms_.emplace(std::move(id), std::move(room));
}

std::shared_ptr<Room> RoomRegistry::find(std::string_view id) const {
  std::shared_lock lock(mutex_);
  auto it = rooms_.find(std::string(id));
  return it == rooms_.end() ? nullptr : it->second;
}

std::shared_ptr<Room> RoomRegistry::remove(std::string_view id) {
  std::unique_lock lock(mutex_);
  auto it = rooms_.find(std::string(id));
  if (it == rooms_.end()) return nullptr;
  auto room = std::move(it->second);
  rooms_.erase(it);
  return room;
}

std::vector<std::shared_ptr<Room>> RoomRegistry::all() const {
  std::shared_lock lock(mutex_);
  std::vector<std::shared_ptr<Room>> out;
  out.reserve(rooms_.size());
  for (const auto& [id, room] : rooms_) out.push_back(room);
  return out;
}

std::size_t RoomRegistry::size() const {
  std::shared_lock lock(mutex_);
  return rooms_.size();
}

}  // namespace shoal::room
