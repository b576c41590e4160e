#include "cluster/room_owner.hpp"

#include "core/uuid.hpp"

#include <openssl/sha.h>

namespace shoal::cluster {

namespace {

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, lowercase.
bool is_canonical_uuid(std::string_view id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !is_lower_hex(id[i])) return false;
  }
  return true;
}

}  // namespace

std::string node_tag(std::string_view node_name) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(node_name.data()), node_name.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag;
  for (std::size_t i = 0; i < kNodeTagLength / 2; ++i) {
    tag.push_back(kHex[digest[i] >> 4]);
    tag.push_back(kHex[digest[i] & 0x0F]);
  }
  return tag;
}

std::string make_room_id(std::string_view node_name) {
  auto id = core::make_uuid_v4();
  id.replace(id.size() - kNodeTagLength, kNodeTagLength, node_tag(node_name));
  return id;
}

std::optional<std::string> room_id_tag(std::string_view room_id) {
  if (!is_canonical_uuid(room_id)) return std::nullopt;
  return std::string(room_id.substr(room_id.size() - kNodeTagLength));
}

std::vector<std::string> owner_candidates(std::string_view room_id, const std::vector<std::string>& nodes) {
  std::vector<std::string> owners;
  auto tag = room_id_tag(room_id);
  if (!tag) return owners;
  for (const auto& node : nodes) {
    if (node_tag(node) == *tag) owners.push_back(node);
  }
  return owners;
}

}  // namespace shoal::cluster
