#include "api/room_params.hpp"

#include "notifications/http_url.hpp"

#include <charconv>

namespace shoal::api {

using nlohmann::json;
using notifications::parse_http_url;

namespace {

std::optional<bool> lenient_bool(const json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return std::nullopt;
}

std::optional<std::int64_t> lenient_integer(const json& value) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX) return std::nullopt;
    return value.get<std::int64_t>();
  }
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    std::int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return out;
  }
  return std::nullopt;
}

// Reads an optional options object; nullopt when it is present but not an object.
std::optional<json> options_object(const json& params) {
  auto it = params.find("options");
  if (it == params.end() || it->is_null()) return json::object();
  if (!it->is_object()) return std::nullopt;
  return *it;
}

}  // namespace

core::Result<room::RoomConfig, RoomParamsError> parse_room_config(const json& params) {
  room::RoomConfig config;
  if (auto it = params.find("maxPeers"); it != params.end() && !it->is_null()) {
    // Strict JSON integer >= 0: strings, floats (even 10.0) and negatives are refused.
    if (!it->is_number_integer() || (!it->is_number_unsigned() && it->get<std::int64_t>() < 0) ||
        (it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX)) {
      return RoomParamsError{"maxPeers must be a number"};
    }
    config.max_peers = it->get<std::int64_t>();
  }
  if (auto it = params.find("videoCodec"); it != params.end() && !it->is_null()) {
    if (*it == "h264") {
      config.video_codec = room::VideoCodec::H264;
    } else if (*it == "vp8") {
      config.video_codec = room::VideoCodec::VP8;
    } else {
      return RoomParamsError{"videoCodec must be 'h264' or 'vp8'"};
    }
  }
  if (auto it = params.find("webhookUrl"); it != params.end() && !it->is_null()) {
    if (!it->is_string() || !parse_http_url(it->get<std::string>())) {
      return RoomParamsError{"webhookUrl must be an http:// or https:// URL"};
    }
    config.webhook_url = it->get<std::string>();
  }
  return config;
}

std::optional<room::PeerOptions> parse_peer_options(const json& params) {
  auto options = options_object(params);
  if (!options) return std::nullopt;
  room::PeerOptions out;
  if (auto it = options->find("enableSimulcast"); it != options->end()) {
    auto value = lenient_bool(*it);
    if (!value) return std::nullopt;
    out.enable_simulcast = *value;
  }
  return out;
}

std::optional<room::ComponentOptions> parse_component_options(room::ComponentType type,
                                                              const json& params) {
  auto options = options_object(params);
  if (!options) return std::nullopt;
  room::ComponentOptions out;
  out.type = type;
  auto field = [&](const char* name) -> const json* {
    auto it = options->find(name);
    return it == options->end() ? nullptr : &*it;
  };
  if (type == room::ComponentType::Hls) {
    if (const json* v = field("lowLatency")) {
      auto b = lenient_bool(*v);
      if (!b) return std::nullopt;
      out.low_latency = *b;
    }
    // shoal's own, as later Jellyfish releases name them.
    if (const json* v = field("persistent")) {
      auto b = lenient_bool(*v);
      if (!b) return std::nullopt;
      out.persistent = *b;
    }
    if (const json* v = field("targetWindowDuration"); v != nullptr && !v->is_null()) {
      auto seconds = lenient_integer(*v);
      if (!seconds || *seconds < 6 || *seconds > 24 * 3600) return std::nullopt;
      out.target_window_seconds = static_cast<int>(*seconds);
    }
    return out;
  }

  const json* uri = field("sourceUri");
  if (uri == nullptr || !uri->is_string()) return std::nullopt;
  out.source_uri = uri->get<std::string>();
  if (const json* v = field("rtpPort")) {
    auto port = lenient_integer(*v);
    if (!port || *port < 1 || *port > 65535) return std::nullopt;
    out.rtp_port = static_cast<std::uint16_t>(*port);
  }
  for (auto [name, target] : {std::pair{"reconnectDelay", &out.reconnect_delay_ms},
                              std::pair{"keepAliveInterval", &out.keep_alive_interval_ms}}) {
    if (const json* v = field(name)) {
      auto ms = lenient_integer(*v);
      if (!ms || *ms < 0) return std::nullopt;
      *target = *ms;
    }
  }
  if (const json* v = field("pierceNat")) {
    auto b = lenient_bool(*v);
    if (!b) return std::nullopt;
    out.pierce_nat = *b;
  }
  return out;
}

}  // namespace shoal::api
