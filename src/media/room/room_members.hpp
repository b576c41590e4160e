#pragma once
// A room whose peers are spread over several members: Room objects of the same room on other
// event loops of the node (and, later, on other nodes). Each member runs signalling and
// negotiation for its own peers as a room on its own does; what its peers do that the others
// must see travels as member events, and every track crosses to each other member once (a
// mirror producer there, fed by a relay). A room with no members is a room on one loop, as in
// v0.2.1.
#include "media/producer.hpp"
#include "media/router.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace shoal::room {

class Room;

// An endpoint of another member became ready (its `connect`): it is one of the room's endpoints.
struct EndpointJoined {
  std::string id;
  nlohmann::json metadata;
};
struct EndpointUpdated {
  std::string id;
  nlohmann::json metadata;
};
// It left (its tracks were unpublished before).
struct EndpointLeft {
  std::string id;
};
// A track of another member's endpoint; `key` names it on the relay from that member.
struct TrackPublished {
  media::TrackDescription description;
  nlohmann::json metadata;
  std::uint32_t key = 0;
  int transport_cc_extension_id = 0;
};
struct TracksUnpublished {
  std::string owner_id;
  std::vector<std::string> track_ids;
};
struct TrackUpdated {
  std::string owner_id;
  std::string track_id;
  nlohmann::json metadata;
};

using MemberEvent =
    std::variant<EndpointJoined, EndpointUpdated, EndpointLeft, TrackPublished, TracksUnpublished, TrackUpdated>;

// The other members, as one member's Room sees them. Called on that Room's loop only; outlives
// the Room.
class RoomMembers {
 public:
  // The Room this member is (from its construction to its destruction) and its fan-out, where
  // exported tracks leave and imported ones arrive. The other members' events go to the Room.
  virtual void attach(Room& room, media::Router& router) = 0;
  virtual void detach(Room& room) = 0;
  // Something of this member's endpoints changed that the others must see.
  virtual void broadcast(MemberEvent event) = 0;
  // A track published here: from now on its packets also go to the other members. Returns the
  // key it has there (the same key when it is exported already).
  virtual std::uint32_t export_track(media::Producer& track) = 0;
  virtual void unexport_track(const media::Producer& track) = 0;
  // Another member's track: `mirror` (made here with import_link()) gets its packets until
  // release_track() (by track id, unique in the room). The link carries the mirror's keyframe
  // requests back to the origin and outlives the mirror.
  virtual media::PublisherLink& import_link(const TrackPublished& track) = 0;
  virtual void import_track(const TrackPublished& track, media::Producer& mirror) = 0;
  virtual void release_track(const std::string& track_id) = 0;

 protected:
  ~RoomMembers() = default;
};

}  // namespace shoal::room
