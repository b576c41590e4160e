#pragma once
// The members of one room on this node's event loops (room_members.hpp): one LoopMembers per
// member, touched on that member's loop only. Member events are posted to the other members'
// loops; each track crosses to each other member once, through a LoopRelay per pair of members
// and direction (TrackExports on the sending loop, TrackImports on the receiving one).
#include "relay/loop_relay.hpp"
#include "relay/track_exports.hpp"
#include "relay/track_imports.hpp"
#include "room/room_members.hpp"

#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace shoal::room {

class LoopMembers final : public RoomMembers, public std::enable_shared_from_this<LoopMembers> {
 public:
  // Slots of each relay between two members (packets in flight from one to the other).
  static constexpr std::size_t kRelayCapacity = 1024;

  static std::shared_ptr<LoopMembers> create(boost::asio::io_context& loop);
  LoopMembers(const LoopMembers&) = delete;
  LoopMembers& operator=(const LoopMembers&) = delete;

  // Joins two members, from any thread. Each side is set up on its loop, then sends the other
  // what its room already has (Room::member_state), so a member may join a room in progress.
  static void connect(const std::shared_ptr<LoopMembers>& a, const std::shared_ptr<LoopMembers>& b);

  boost::asio::io_context& loop() const { return loop_; }

  // --- on this member's loop ---
  void attach(Room& room, media::Router& router) override;
  void detach(Room& room) override;
  void broadcast(MemberEvent event) override;
  std::uint32_t export_track(media::Producer& track) override;
  void unexport_track(const media::Producer& track) override;
  media::PublisherLink& import_link(const TrackPublished& track) override;
  void import_track(const TrackPublished& track, media::Producer& mirror) override;
  void release_track(const std::string& track_id) override;

  std::size_t members() const { return others_.size() + 1; }
  std::size_t exported_tracks() const { return exported_.size(); }
  std::size_t imported_tracks() const { return imported_.size(); }
  // Packets this member handed to the others, and dropped because a ring was full.
  std::uint64_t relayed_packets() const;
  std::uint64_t relay_drops() const;

 private:
  explicit LoopMembers(boost::asio::io_context& loop) : loop_(loop) {}

  // Another member: where its events go, and the relays between us.
  struct Other {
    std::weak_ptr<LoopMembers> member;
    const LoopMembers* id = nullptr;  // for matching; never dereferenced off its loop
    std::shared_ptr<media::LoopRelay> to;    // our tracks to it
    std::shared_ptr<media::LoopRelay> from;  // its tracks to us
    std::unique_ptr<media::TrackExports> exports;  // made with the room's router
    std::unique_ptr<media::TrackImports> imports;
  };
  struct Imported {
    const LoopMembers* origin = nullptr;
    std::uint32_t key = 0;
  };

  void add_other(const std::shared_ptr<LoopMembers>& other, std::shared_ptr<media::LoopRelay> to,
                 std::shared_ptr<media::LoopRelay> from);
  void share_state_with(const std::shared_ptr<LoopMembers>& target);
  // Posts `event` to one other member's loop.
  void send(const std::shared_ptr<LoopMembers>& target, MemberEvent event);
  // An event from another member, on this loop.
  void deliver(const LoopMembers* origin, MemberEvent event);
  Other* find_other(const LoopMembers* id);
  void open_relays(Other& other);

  boost::asio::io_context& loop_;
  Room* room_ = nullptr;
  media::Router* router_ = nullptr;
  std::vector<Other> others_;
  std::map<std::string, const LoopMembers*> track_origins_;  // announced, not yet imported
  std::map<std::string, Imported, std::less<>> imported_;     // by track id
  std::map<media::Producer*, std::uint32_t> exported_;
  std::uint32_t next_key_ = 1;
};

}  // namespace shoal::room
