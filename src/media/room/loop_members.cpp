#include "room/loop_members.hpp"

#include "room/room.hpp"

#include <boost/asio/post.hpp>

namespace shoal::room {

std::shared_ptr<LoopMembers> LoopMembers::create(boost::asio::io_context& loop) {
  return std::shared_ptr<LoopMembers>(new LoopMembers(loop));
}

void LoopMembers::connect(const std::shared_ptr<LoopMembers>& a, const std::shared_ptr<LoopMembers>& b) {
  auto a_to_b = media::LoopRelay::create(a->loop_, b->loop_, kRelayCapacity);
  auto b_to_a = media::LoopRelay::create(b->loop_, a->loop_, kRelayCapacity);
  // One after the other, so that neither hears of a track of the other's before it knows the
  // other (and the relay bringing that track): a learns of b, then b of a, then each sends the
  // other what its room has. Events either broadcasts meanwhile follow the same order.
  boost::asio::post(a->loop_, [a, b, a_to_b, b_to_a] {
    a->add_other(b, a_to_b, b_to_a);
    boost::asio::post(b->loop_, [a, b, a_to_b, b_to_a] {
      b->add_other(a, b_to_a, a_to_b);
      b->share_state_with(a);
      boost::asio::post(a->loop_, [a, b] { a->share_state_with(b); });
    });
  });
}

void LoopMembers::add_other(const std::shared_ptr<LoopMembers>& other, std::shared_ptr<media::LoopRelay> to,
                            std::shared_ptr<media::LoopRelay> from) {
  others_.push_back({other, other.get(), std::move(to), std::move(from), nullptr, nullptr});
  if (router_ != nullptr) open_relays(others_.back());
}

void LoopMembers::share_state_with(const std::shared_ptr<LoopMembers>& target) {
  // What this member's room already has; its tracks cross from now on. A member told twice
  // (it joined, then its room attached) ignores what it knows.
  if (room_ == nullptr) return;
  for (auto& event : room_->member_state()) send(target, std::move(event));
}

void LoopMembers::open_relays(Other& other) {
  other.exports = std::make_unique<media::TrackExports>(other.to, *router_);
  other.imports = std::make_unique<media::TrackImports>(other.from, *router_);
  for (const auto& [track, key] : exported_) other.exports->add(*track, key);
}

void LoopMembers::attach(Room& room, media::Router& router) {
  room_ = &room;
  router_ = &router;
  for (auto& other : others_) {
    open_relays(other);
    // The other members' rooms may have endpoints already: ask them.
    auto target = other.member.lock();
    if (!target) continue;
    boost::asio::post(target->loop_, [target, self = shared_from_this()] { target->share_state_with(self); });
  }
}

void LoopMembers::detach(Room& room) {
  if (room_ != &room) return;
  // Before the router goes: the relays stop feeding it and taking from it.
  for (auto& other : others_) {
    other.exports.reset();
    other.imports.reset();
  }
  exported_.clear();
  imported_.clear();
  track_origins_.clear();
  room_ = nullptr;
  router_ = nullptr;
}

void LoopMembers::broadcast(MemberEvent event) {
  for (const auto& other : others_) {
    if (auto target = other.member.lock()) send(target, event);
  }
}

void LoopMembers::send(const std::shared_ptr<LoopMembers>& target, MemberEvent event) {
  boost::asio::post(target->loop_, [target, origin = this, event = std::move(event)]() mutable {
    target->deliver(origin, std::move(event));
  });
}

void LoopMembers::deliver(const LoopMembers* origin, MemberEvent event) {
  // From a member no longer (or not yet) known here: its tracks could not be received.
  if (room_ == nullptr || find_other(origin) == nullptr) return;
  // Which member a track comes from decides which relay brings its packets.
  if (auto* published = std::get_if<TrackPublished>(&event)) track_origins_[published->description.id] = origin;
  room_->apply_member_event(std::move(event));
}

LoopMembers::Other* LoopMembers::find_other(const LoopMembers* id) {
  for (auto& other : others_) {
    if (other.id == id) return &other;
  }
  return nullptr;
}

std::uint32_t LoopMembers::export_track(media::Producer& track) {
  auto [entry, added] = exported_.try_emplace(&track, next_key_);
  if (added) ++next_key_;
  for (auto& other : others_) {
    if (other.exports) other.exports->add(track, entry->second);
  }
  return entry->second;
}

void LoopMembers::unexport_track(const media::Producer& track) {
  if (std::erase_if(exported_, [&](const auto& entry) { return entry.first == &track; }) == 0) return;
  for (auto& other : others_) {
    if (other.exports) other.exports->remove(track);
  }
}

media::PublisherLink& LoopMembers::import_link(const TrackPublished& track) {
  // Room calls this only for events deliver() passed on, so the origin is known; an unknown one
  // (a member gone meanwhile) gets a link that requests nothing.
  static struct Unlinked final : media::PublisherLink {
    bool feedback_ready() const override { return false; }
    void send_feedback(std::span<std::uint8_t>, std::size_t) override {}
  } unlinked;
  auto origin = track_origins_.find(track.description.id);
  Other* other = origin != track_origins_.end() ? find_other(origin->second) : nullptr;
  if (other == nullptr || !other->imports) return unlinked;
  return other->imports->link(track.key);
}

void LoopMembers::import_track(const TrackPublished& track, media::Producer& mirror) {
  auto origin = track_origins_.find(track.description.id);
  if (origin == track_origins_.end()) return;
  Other* other = find_other(origin->second);
  track_origins_.erase(origin);
  if (other == nullptr || !other->imports) return;
  other->imports->attach(track.key, mirror);
  imported_[track.description.id] = {other->id, track.key};
}

void LoopMembers::release_track(const std::string& track_id) {
  auto found = imported_.find(track_id);
  if (found == imported_.end()) return;
  if (Other* other = find_other(found->second.origin); other != nullptr && other->imports) {
    other->imports->remove(found->second.key);
  }
  imported_.erase(found);
}

std::uint64_t LoopMembers::relayed_packets() const {
  std::uint64_t total = 0;
  for (const auto& other : others_) total += other.to->relayed();
  return total;
}

std::uint64_t LoopMembers::relay_drops() const {
  std::uint64_t total = 0;
  for (const auto& other : others_) total += other.to->dropped();
  return total;
}

}  // namespace shoal::room
