#pragma once
// Which node owns a room, read from the room id alone (no cluster-wide lookup per request).
//
// In cluster mode a room id is still a canonical random UUID v4 (version and variant bits kept,
// so clients that check the format keep working), but its last 8 hex digits are the owning
// node's tag: the first 4 bytes of SHA-256 of the node name. Any node maps a tag back to one of
// the nodes it knows (itself, connected and retried nodes). Outside cluster mode ids are plain
// random UUIDs as in Jellyfish v0.2.1.
//
// 32 bits of tag keep 90 random bits per id; two node names whose tags collide in one cluster
// are reported by owner_candidates() returning both, and the caller asks each.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::cluster {

inline constexpr std::size_t kNodeTagLength = 8;  // hex digits

// Lowercase hex tag of a node name.
std::string node_tag(std::string_view node_name);

// A random UUID v4 whose last kNodeTagLength hex digits are node_tag(node_name).
std::string make_room_id(std::string_view node_name);

// The tag part of a room id, or nullopt when the id is not a canonical lowercase UUID.
std::optional<std::string> room_id_tag(std::string_view room_id);

// The nodes among `nodes` whose tag the room id carries (usually zero or one).
std::vector<std::string> owner_candidates(std::string_view room_id, const std::vector<std::string>& nodes);

}  // namespace shoal::cluster
