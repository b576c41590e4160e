#include "cluster/cluster_messages.hpp"

#include "cluster/term.hpp"

#ifndef _REENTRANT
#define _REENTRANT  // thread-local erl_errno in ei.h
#endif
#include <ei.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace shoal::cluster {

namespace {

using notifications::ServerEventKind;

constexpr std::pair<ServerEventKind, const char*> kEventAtoms[] = {
    {ServerEventKind::RoomCreated, "room_created"},         {ServerEventKind::RoomDeleted, "room_deleted"},
    {ServerEventKind::RoomCrashed, "room_crashed"},         {ServerEventKind::PeerConnected, "peer_connected"},
    {ServerEventKind::PeerDisconnected, "peer_disconnected"}, {ServerEventKind::PeerCrashed, "peer_crashed"},
    {ServerEventKind::ComponentCrashed, "component_crashed"}, {ServerEventKind::HlsPlayable, "hls_playable"},
};

// Reads an atom or returns "" (validated terms only). Bounded by the term's end, not only by the
// caller's arity checks: ei reads wherever the index points, and {} has no first element.
std::string read_atom(const char* buf, std::size_t size, int* index) {
  std::size_t pos = static_cast<std::size_t>(*index);
  auto atom = decode_atom(buf, size, pos);
  if (!atom) return {};
  *index = static_cast<int>(pos);
  return std::move(*atom);
}

// nil atom -> nullopt; binary -> text; anything else -> error flag.
bool read_optional_binary(const char* buf, std::size_t term_size, int* index, std::optional<std::string>& out) {
  if (static_cast<std::size_t>(*index) >= term_size) return false;
  int type = 0;
  int size = 0;
  if (ei_get_type(buf, index, &type, &size) != 0) return false;
  if (type == ERL_ATOM_EXT || type == ERL_SMALL_ATOM_EXT || type == ERL_ATOM_UTF8_EXT ||
      type == ERL_SMALL_ATOM_UTF8_EXT) {
    return read_atom(buf, term_size, index) == "nil";
  }
  if (type != ERL_BINARY_EXT || size < 0 || size > (1 << 20)) return false;
  std::string text(static_cast<std::size_t>(size), '\0');
  long length = 0;
  if (ei_decode_binary(buf, index, text.data(), &length) != 0) return false;
  out = std::move(text);
  return true;
}

ClusterCall decode_rest_call(const char* term, std::size_t size, int index) {
  auto method = read_atom(term, size, &index);
  std::optional<std::string> path;
  std::optional<std::string> params;
  if ((method != "get" && method != "post" && method != "delete") || !read_optional_binary(term, size, &index, path) ||
      !read_optional_binary(term, size, &index, params) || !path || !params) {
    return CallError::BadArguments;
  }
  for (char& c : method) c = static_cast<char>(c - 'a' + 'A');
  return RestRequest{method, *path, *params};
}

constexpr std::size_t kMaxPlacementToken = 64;

// {Tag, <<Binary>>}: the binary, or nullopt for any other term.
std::optional<std::string> decode_tagged_binary(const char* buf, std::size_t size, std::string_view tag) {
  if (!validate_term(buf, size)) return std::nullopt;
  int index = 0;
  int version = 0;
  int arity = 0;
  std::optional<std::string> text;
  if (ei_decode_version(buf, &index, &version) != 0 || ei_decode_tuple_header(buf, &index, &arity) != 0 ||
      arity != 2 || read_atom(buf, size, &index) != tag || !read_optional_binary(buf, size, &index, text)) {
    return std::nullopt;
  }
  return text;
}

ClusterCall decode_create_room_call(const char* term, std::size_t size, int index, bool with_placement) {
  room::RoomConfig config;
  int type = 0;
  int type_size = 0;
  ei_get_type(term, &index, &type, &type_size);
  if (type == ERL_SMALL_INTEGER_EXT || type == ERL_INTEGER_EXT || type == ERL_SMALL_BIG_EXT) {
    unsigned long long max_peers = 0;
    if (ei_decode_ulonglong(term, &index, &max_peers) != 0 || max_peers > INT64_MAX) return CallError::BadArguments;
    config.max_peers = static_cast<std::int64_t>(max_peers);
  } else if (read_atom(term, size, &index) != "nil") {
    return CallError::BadArguments;
  }
  auto codec = read_atom(term, size, &index);
  if (codec == "h264") {
    config.video_codec = room::VideoCodec::H264;
  } else if (codec == "vp8") {
    config.video_codec = room::VideoCodec::VP8;
  } else if (codec != "nil") {
    return CallError::BadArguments;
  }
  if (!read_optional_binary(term, size, &index, config.webhook_url)) return CallError::BadArguments;
  std::optional<std::string> placement;
  if (with_placement && (!read_optional_binary(term, size, &index, placement) || !placement ||
                         placement->size() > kMaxPlacementToken)) {
    return CallError::BadArguments;
  }
  return CreateRoomCall{std::move(config), placement.value_or("")};
}

}  // namespace

ClusterCall decode_cluster_call(const char* term, std::size_t size) {
  if (!validate_term(term, size)) return CallError::InvalidTerm;
  int index = 0;
  int version = 0;
  int arity = 0;
  if (ei_decode_version(term, &index, &version) != 0 || ei_decode_tuple_header(term, &index, &arity) != 0) {
    return CallError::InvalidTerm;
  }
  auto op = read_atom(term, size, &index);
  if (op == "shoal_usage" && arity == 1) return UsageQuery{};
  if (op == "shoal_address" && arity == 1) return AddressQuery{};
  if (op == "shoal_rest" && arity == 4) return decode_rest_call(term, size, index);
  if (op == "shoal_load" && arity == 7) {
    auto load = decode_load("", term, size);
    if (!load) return CallError::BadArguments;
    return LoadReport{std::move(*load)};
  }
  if (op == "shoal_create_room" && (arity == 4 || arity == 5)) {
    return decode_create_room_call(term, size, index, arity == 5);
  }
  return CallError::UnknownRequest;
}

std::optional<notifications::ServerEvent> decode_relayed_event(const char* buf, std::size_t size) {
  if (!validate_term(buf, size)) return std::nullopt;
  int index = 0;
  int version = 0;
  int arity = 0;
  if (ei_decode_version(buf, &index, &version) != 0 || ei_decode_tuple_header(buf, &index, &arity) != 0 ||
      arity != 4 || read_atom(buf, size, &index) != "shoal_event") {
    return std::nullopt;
  }
  auto kind_atom = read_atom(buf, size, &index);
  std::optional<std::string> room_id;
  std::optional<std::string> subject;
  if (!read_optional_binary(buf, size, &index, room_id) || !read_optional_binary(buf, size, &index, subject) ||
      !room_id || !subject) {
    return std::nullopt;
  }
  for (const auto& [kind, atom] : kEventAtoms) {
    if (kind_atom == atom) return notifications::ServerEvent{kind, std::move(*room_id), std::move(*subject), {}, true};
  }
  return std::nullopt;
}

std::optional<std::string_view> relayed_event_atom(notifications::ServerEventKind kind) {
  for (const auto& [k, atom] : kEventAtoms) {
    if (k == kind) return atom;
  }
  return std::nullopt;
}

std::optional<NodeUsage> decode_usage_reply(const std::string& node, const char* buf, std::size_t size) {
  if (!validate_term(buf, size)) return std::nullopt;
  int index = 0;
  int version = 0;
  int arity = 0;
  NodeUsage usage{node};
  unsigned long long tracks = 0;
  unsigned long long rooms = 0;
  if (ei_decode_version(buf, &index, &version) != 0 || ei_decode_tuple_header(buf, &index, &arity) != 0 ||
      arity != 3 || read_atom(buf, size, &index) != "usage" || ei_decode_ulonglong(buf, &index, &tracks) != 0 ||
      ei_decode_ulonglong(buf, &index, &rooms) != 0) {
    return std::nullopt;
  }
  usage.forwarded_tracks = tracks;
  usage.rooms = rooms;
  return usage;
}

std::vector<char> encode_load(const NodeUsage& usage) {
  TermWriter w;
  w.tuple(7).atom("shoal_load").ulonglong(usage.forwarded_tracks).ulonglong(usage.rooms).ulonglong(usage.peers);
  w.ulonglong(usage.cpu_permille).atom(usage.draining ? "draining" : "serving").ulonglong(usage.event_subscribers);
  return w.bytes();
}

std::optional<NodeUsage> decode_load(const std::string& node, const char* buf, std::size_t size) {
  if (!validate_term(buf, size)) return std::nullopt;
  int index = 0;
  int version = 0;
  int arity = 0;
  unsigned long long tracks = 0;
  unsigned long long rooms = 0;
  unsigned long long peers = 0;
  unsigned long long cpu = 0;
  if (ei_decode_version(buf, &index, &version) != 0 || ei_decode_tuple_header(buf, &index, &arity) != 0 ||
      arity != 7 || read_atom(buf, size, &index) != "shoal_load" || ei_decode_ulonglong(buf, &index, &tracks) != 0 ||
      ei_decode_ulonglong(buf, &index, &rooms) != 0 || ei_decode_ulonglong(buf, &index, &peers) != 0 ||
      ei_decode_ulonglong(buf, &index, &cpu) != 0) {
    return std::nullopt;
  }
  const auto state = read_atom(buf, size, &index);
  unsigned long long subscribers = 0;
  if ((state != "serving" && state != "draining") || ei_decode_ulonglong(buf, &index, &subscribers) != 0) {
    return std::nullopt;
  }
  return NodeUsage{node, tracks, rooms, peers, cpu, state == "draining", subscribers};
}

std::optional<core::Result<CreatedRoom, PlacementError>> decode_create_reply(const char* buf, std::size_t size) {
  if (!validate_term(buf, size)) return std::nullopt;
  int index = 0;
  int version = 0;
  int arity = 0;
  if (ei_decode_version(buf, &index, &version) != 0 || ei_decode_tuple_header(buf, &index, &arity) != 0 ||
      arity != 3) {
    return std::nullopt;
  }
  auto tag = read_atom(buf, size, &index);
  if (tag == "ok") {
    std::optional<std::string> room_json;
    std::optional<std::string> address;
    if (!read_optional_binary(buf, size, &index, room_json) || !read_optional_binary(buf, size, &index, address) ||
        !room_json || !address) {
      return std::nullopt;
    }
    return CreatedRoom{*room_json, *address};
  }
  if (tag == "error") {
    unsigned long long status = 0;
    std::optional<std::string> text;
    if (ei_decode_ulonglong(buf, &index, &status) != 0 || status < 400 || status > 599 ||
        !read_optional_binary(buf, size, &index, text) || !text) {
      return std::nullopt;
    }
    return PlacementError{static_cast<int>(status), *text};
  }
  return std::nullopt;
}

std::optional<RestReply> decode_rest_reply(const char* buf, std::size_t size) {
  if (!validate_term(buf, size)) return std::nullopt;
  int index = 0;
  int version = 0;
  int arity = 0;
  unsigned long long status = 0;
  std::optional<std::string> body;
  if (ei_decode_version(buf, &index, &version) != 0 || ei_decode_tuple_header(buf, &index, &arity) != 0 ||
      arity != 2 || ei_decode_ulonglong(buf, &index, &status) != 0 || status < 100 || status > 599 ||
      !read_optional_binary(buf, size, &index, body) || !body) {
    return std::nullopt;
  }
  return RestReply{static_cast<int>(status), std::move(*body)};
}

std::optional<std::string> decode_abandoned_create(const char* buf, std::size_t size) {
  auto placement = decode_tagged_binary(buf, size, "shoal_abandon_create");
  if (!placement || placement->empty() || placement->size() > kMaxPlacementToken) return std::nullopt;
  return placement;
}

bool is_public_address(std::string_view address) {
  if (address.empty() || address.size() > 255) return false;
  return std::all_of(address.begin(), address.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == ':' || c == '[' ||
           c == ']' || c == '_';
  });
}

std::optional<std::string> decode_address_reply(const char* buf, std::size_t size) {
  auto address = decode_tagged_binary(buf, size, "address");
  if (!address || !is_public_address(*address)) return std::nullopt;
  return address;
}

}  // namespace shoal::cluster
