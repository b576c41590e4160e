#pragma once
// A room's settings, apart from room.hpp so that code which only carries them (the cluster's wire
// decoding) does not depend on rooms and their components.
#include <cstdint>
#include <optional>
#include <string>

namespace shoal::room {

enum class VideoCodec { Unrestricted, H264, VP8 };

struct RoomConfig {
  std::optional<std::int64_t> max_peers;  // nullopt: unlimited
  VideoCodec video_codec = VideoCodec::Unrestricted;
  std::optional<std::string> webhook_url{};  // events of this room are POSTed here
};

}  // namespace shoal::room
