#include "simulated_peer.hpp"

#include "offer_sdp.hpp"
#include "rtc/rtcp/full_intra_request.hpp"
#include "rtc/rtcp/picture_loss_indication.hpp"
#include "rtc/rtcp/rtcp_compound.hpp"
#include "rtc/rtp/rtp_packet.hpp"

#include <openssl/rand.h>

#include <sstream>

namespace shoal::bench {

using nlohmann::json;

namespace {

std::uint32_t random_u32() {
  std::uint32_t value = 0;
  while (value == 0) RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value);
  return value;
}

std::string custom_event(const std::string& type, json data) {
  json inner{{"type", type}};
  if (!data.is_null()) inner["data"] = std::move(data);
  return json{{"type", "custom"}, {"data", std::move(inner)}}.dump();
}

}  // namespace

SimulatedPeer::SimulatedPeer(boost::asio::io_context& io, std::shared_ptr<const rtc::dtls::DtlsCertificate> certificate,
                             PeerOptions options)
    : options_(std::move(options)),
      certificate_(certificate),
      signaling_(io, {[this] { signaling_.send_media_event(R"({"type":"connect","data":{"metadata":{"bench":true}}})"); },
                      [this](const std::string& text) { on_media_event(text); },
                      [this](const std::string&) { closed_ = true; }}),
      media_(io, certificate,
             {nullptr, [this](std::span<std::uint8_t> p) { on_rtp(p); },
              [this](std::span<std::uint8_t> p) { on_rtcp(p); }, [this](std::span<std::uint8_t> p) { on_rtp(p); }},
             options_.decrypt) {
  if (options_.publisher) {
    ssrc_ = random_u32();
    rtx_ssrc_ = random_u32();
    track_id_ = options_.peer_id + ":" + std::to_string(random_u32());
    stream_id_ = "stream" + std::to_string(random_u32());
    source_.emplace(options_.publisher_index, ssrc_, options_.bitrate_bps, options_.packet_size);
  }
}

void SimulatedPeer::start() { signaling_.start(options_.host, options_.port, options_.token); }

void SimulatedPeer::stop() {
  signaling_.close();
  closed_ = true;
}

void SimulatedPeer::on_media_event(const std::string& text) {
  const json event = json::parse(text, nullptr, false);
  if (!event.is_object()) return;
  const std::string type = event.value("type", "");
  if (type == "connected") {
    if (options_.publisher) signaling_.send_media_event(custom_event("renegotiateTracks", nullptr));
    return;
  }
  if (type != "custom" || !event.contains("data")) return;
  const json& custom = event["data"];
  const std::string name = custom.value("type", "");
  const json& data = custom.contains("data") ? custom["data"] : json();
  if (name == "offerData") {
    on_offer_data(data);
  } else if (name == "sdpAnswer") {
    if (auto ice = parse_answer_ice(data.value("sdp", ""))) media_.set_remote_ice(ice->ufrag, ice->pwd);
  } else if (name == "candidate") {
    // "candidate:1 1 UDP <priority> <ip> <port> typ host"
    std::istringstream words(data.value("candidate", ""));
    std::string foundation, component, protocol, priority, ip;
    unsigned port = 0;
    words >> foundation >> component >> protocol >> priority >> ip >> port;
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(ip, ec);
    if (!ec && port > 0 && port < 65536) {
      media_.set_remote_candidate({address, static_cast<std::uint16_t>(port)});
    }
  }
}

void SimulatedPeer::on_offer_data(const json& data) {
  const auto& servers = data.value("integratedTurnServers", json::array());
  if (servers.empty()) return;
  const json& turn = servers.front();
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(turn.value("serverAddr", ""), ec);
  if (ec) return;
  media_.start_turn({{address, turn.value("serverPort", std::uint16_t{0})},
                     turn.value("username", ""),
                     turn.value("password", "")});
  std::size_t video = 0;
  if (data.contains("tracksTypes")) video = data["tracksTypes"].value("video", std::size_t{0});
  // Transceivers persist across rounds, as in the browser.
  receive_lines_ = std::max(receive_lines_, video);

  OfferShape shape;
  shape.ice_ufrag = media_.local_ufrag();
  shape.ice_pwd = media_.local_pwd();
  shape.fingerprint_sha256 = certificate_->fingerprint();
  shape.session_version = offers_++;
  shape.publishes = options_.publisher;
  shape.ssrc = ssrc_;
  shape.rtx_ssrc = rtx_ssrc_;
  shape.stream_id = stream_id_;
  shape.track_id = track_id_;
  shape.receive_video = receive_lines_;
  json mids = json::object();
  json metadata = json::object();
  if (options_.publisher) {
    mids["0"] = track_id_;
    metadata[track_id_] = json{{"type", "camera"}};
  }
  signaling_.send_media_event(custom_event(
      "sdpOffer", json{{"sdpOffer", {{"type", "offer"}, {"sdp", build_offer(shape)}}},
                       {"trackIdToTrackMetadata", metadata},
                       {"midToTrackId", mids}}));
}

void SimulatedPeer::send_due(std::chrono::steady_clock::time_point now) {
  if (!source_ || !media_.connected()) return;
  if (!sending_since_) sending_since_ = now;
  if (send_budget_ && packets_sent_ - budget_base_ >= *send_budget_) return;
  const double elapsed = std::chrono::duration<double>(now - *sending_since_).count();
  const auto due = static_cast<std::uint64_t>(elapsed * source_->packets_per_second()) + 1;
  // A stalled loop catches up with a bounded burst instead of a flood.
  for (int burst = 0; packets_due_base_ < due && burst < 64; ++burst, ++packets_due_base_) {
    if (send_budget_ && packets_sent_ - budget_base_ >= *send_budget_) return;
    const std::size_t length = source_->next(std::span(send_buffer_).subspan(MediaClient::kHeadroom));
    if (media_.send_rtp(send_buffer_, length)) {
      ++packets_sent_;
      bytes_sent_ += length;
    }
  }
  if (packets_due_base_ < due) packets_due_base_ = due;  // skipped, not queued
}

void SimulatedPeer::on_rtp(std::span<std::uint8_t> packet) {
  if (packet.size() < 12) return;
  const std::uint32_t ssrc = (std::uint32_t{packet[8]} << 24) | (std::uint32_t{packet[9]} << 16) |
                             (std::uint32_t{packet[10]} << 8) | packet[11];
  const std::uint16_t seq = static_cast<std::uint16_t>((packet[2] << 8) | packet[3]);
  ++packets_received_;
  bytes_received_ += packet.size();
  ReceivedStream* stream = nullptr;
  for (auto& s : streams_) {
    if (s.ssrc == ssrc) stream = &s;
  }
  if (stream == nullptr) {
    streams_.push_back({ssrc});
    stream = &streams_.back();
  }
  ++stream->received;
  if (!stream->started) {
    stream->started = true;
    stream->first = stream->highest = 0x10000 + seq;
  } else {
    // Extend to 64 bits around the highest seen (RFC 3550 A.1).
    const auto last = static_cast<std::uint16_t>(stream->highest);
    const auto delta = static_cast<std::int16_t>(seq - last);
    const std::uint64_t extended = stream->highest + static_cast<std::int64_t>(delta);
    if (extended > stream->highest) stream->highest = extended;
  }
  const MeasureWindow* window = options_.window.get();
  if (options_.decrypt && window != nullptr && window->open && packet.size() >= 12 + VideoSource::kMinPacket) {
    auto parsed = rtc::rtp::RtpPacket::parse(packet);
    if (!parsed || parsed->payload().size() < VideoSource::kMinPacket) return;
    const std::uint8_t* tag = parsed->payload().data() + VideoSource::kTagOffset;
    const std::uint32_t counter = (std::uint32_t{tag[1]} << 24) | (std::uint32_t{tag[2]} << 16) |
                                  (std::uint32_t{tag[3]} << 8) | tag[4];
    if (tag[0] < window->first.size() && counter >= window->first[tag[0]] && counter < window->end[tag[0]]) {
      ++window_packets_;
      window_bytes_ += packet.size();
    }
  }
}

void SimulatedPeer::on_rtcp(std::span<std::uint8_t> packet) {
  auto compound = rtc::rtcp::RtcpCompound::parse(packet);
  if (!compound || !source_) return;
  for (const auto& view : *compound) {
    bool wanted = false;
    if (auto pli = rtc::rtcp::PictureLossIndication::parse(view)) wanted = pli->media_ssrc() == ssrc_;
    if (auto fir = rtc::rtcp::FullIntraRequest::parse(view)) wanted = true;
    if (wanted) {
      ++keyframe_requests_;
      source_->request_keyframe();
    }
  }
}

}  // namespace shoal::bench
