#include "media_peer.hpp"

#include "chrome_offer.hpp"

#include "rtc/stun/channel_data.hpp"
#include "rtc/stun/message_integrity.hpp"
#include "rtc/stun/stun_message.hpp"
#include "rtc/stun/stun_message_builder.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace shoal::test {

namespace stun = rtc::stun;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint16_t kChannel = 0x4000;
constexpr const char* kClientUfrag = "Vq3W";

stun::TransactionId transaction() {
  static std::uint8_t counter = 0;
  stun::TransactionId id{};
  ++counter;
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(counter * 37 + i * 11 + 1);
  return id;
}

int milliseconds_until(Clock::time_point deadline) {
  return static_cast<int>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
}

}  // namespace

MediaPeer::MediaPeer(std::uint16_t http_port, const std::string& room_id)
    : certificate_(rtc::dtls::DtlsCertificate::generate()) {
  auto created = create_peer(http_port, room_id);
  id_ = created.id;
  socket_ = connect_peer(http_port, created.token);
  socket_->send_binary(media_event({{"type", "connect"}, {"data", {{"metadata", {{"name", id_}}}}}}));
  if (next_media_event(*socket_, "connected", 5s).is_null()) throw std::runtime_error("no connected event");
}

json MediaPeer::request_offer_data() {
  socket_->send_binary(media_event(custom_event("renegotiateTracks", json::object())));
  return wait_offer_data();
}

MediaPeer::~MediaPeer() {
  if (fd_ >= 0) ::close(fd_);
}

std::string MediaPeer::offer(const std::string& sdp, const json& mid_to_track_id, const json& track_metadata) {
  static const std::regex fingerprint("a=fingerprint:sha-256 [0-9A-F:]+");
  const std::string ours = std::regex_replace(sdp, fingerprint, "a=fingerprint:sha-256 " + certificate_->fingerprint());
  socket_->send_binary(media_event(custom_event("sdpOffer", {{"sdpOffer", {{"type", "offer"}, {"sdp", ours}}},
                                                             {"trackIdToTrackMetadata", track_metadata},
                                                             {"midToTrackId", mid_to_track_id}})));
  auto answer = next_media_event(*socket_, "sdpAnswer", 5s);
  if (answer.is_null()) return {};
  const std::string answer_sdp = answer["sdp"].get<std::string>();
  server_ufrag_ = sdp_attribute(answer_sdp, "ice-ufrag");
  server_pwd_ = sdp_attribute(answer_sdp, "ice-pwd");
  auto candidate = next_media_event(*socket_, "candidate", 5s);
  if (candidate.is_null()) return {};
  // "candidate:1 1 UDP 2015363327 <ip> <port> typ host"
  std::istringstream fields(candidate["candidate"].get<std::string>());
  std::string field;
  for (int i = 0; i < 6 && fields >> field; ++i) {
    if (i == 5) candidate_port_ = static_cast<std::uint16_t>(std::stoi(field));
  }
  return answer_sdp;
}

json MediaPeer::wait_offer_data(std::chrono::milliseconds timeout) {
  auto offer_data = next_media_event(*socket_, "offerData", timeout);
  if (offer_data.is_null() || offer_data["integratedTurnServers"].empty()) return nullptr;
  turn_server_ = offer_data["integratedTurnServers"][0];
  return offer_data["tracksTypes"];
}

std::optional<Bytes> MediaPeer::receive_datagram(Clock::time_point deadline) {
  pollfd descriptor{fd_, POLLIN, 0};
  if (::poll(&descriptor, 1, milliseconds_until(deadline)) <= 0) return std::nullopt;
  Bytes buffer(2048);
  const auto size = ::recv(fd_, buffer.data(), buffer.size(), 0);
  if (size <= 0) return std::nullopt;
  buffer.resize(static_cast<std::size_t>(size));
  return buffer;
}

std::optional<Bytes> MediaPeer::turn_request(const Bytes& request, Clock::time_point deadline) {
  if (::send(fd_, request.data(), request.size(), 0) < 0) return std::nullopt;
  while (auto datagram = receive_datagram(deadline)) {
    if (stun::StunMessage::looks_like_stun(*datagram)) return datagram;
  }
  return std::nullopt;
}

std::string MediaPeer::connect_media(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  if (candidate_port_ == 0 || turn_server_.is_null()) return "no offerData or candidate: negotiate first";
  fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(turn_server_["serverPort"].get<std::uint16_t>());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return "udp socket";

  // TURN: the 401 challenge, then an authenticated Allocate, CreatePermission and ChannelBind.
  Bytes request;
  stun::StunMessageBuilder(request, stun::StunMethod::Allocate, stun::StunClass::Request, transaction())
      .add_requested_transport();
  auto challenge = turn_request(request, deadline);
  auto parsed = challenge ? stun::StunMessage::parse(*challenge) : std::nullopt;
  if (!parsed || !parsed->realm() || !parsed->nonce()) return "no TURN challenge";
  turn_username_ = turn_server_["username"].get<std::string>();
  turn_realm_ = std::string(*parsed->realm());
  turn_nonce_ = std::string(*parsed->nonce());
  turn_key_ = stun::long_term_key(turn_username_, turn_realm_, turn_server_["password"].get<std::string>());
  const boost::asio::ip::udp::endpoint candidate(boost::asio::ip::make_address("127.0.0.1"), candidate_port_);
  auto authenticated = [&](stun::StunMethod method, auto&& add) {
    Bytes out;
    stun::StunMessageBuilder builder(out, method, stun::StunClass::Request, transaction());
    add(builder);
    builder.add_string(stun::StunAttr::Username, turn_username_)
        .add_string(stun::StunAttr::Realm, turn_realm_)
        .add_string(stun::StunAttr::Nonce, turn_nonce_)
        .add_message_integrity(turn_key_);
    auto response = turn_request(out, deadline);
    auto message = response ? stun::StunMessage::parse(*response) : std::nullopt;
    return message && message->is(method, stun::StunClass::SuccessResponse);
  };
  if (!authenticated(stun::StunMethod::Allocate, [](auto& b) { b.add_requested_transport(); })) return "Allocate";
  if (!authenticated(stun::StunMethod::CreatePermission,
                     [&](auto& b) { b.add_xor_address(stun::StunAttr::XorPeerAddress, candidate); })) {
    return "CreatePermission";
  }
  if (!authenticated(stun::StunMethod::ChannelBind, [&](auto& b) {
        b.add_channel_number(kChannel).add_xor_address(stun::StunAttr::XorPeerAddress, candidate);
      })) {
    return "ChannelBind";
  }

  // ICE: one nominating check, answered through the channel.
  Bytes check;
  stun::StunMessageBuilder(check, stun::StunMethod::Binding, stun::StunClass::Request, transaction())
      .add_string(stun::StunAttr::Username, server_ufrag_ + ":" + kClientUfrag)
      .add_u32(stun::StunAttr::Priority, 41885439)
      .add_u64(stun::StunAttr::IceControlling, 0x1234567890ABCDEFull)
      .add_flag(stun::StunAttr::UseCandidate)
      .add_message_integrity(stun::short_term_key(server_pwd_))
      .add_fingerprint();
  if (!send_on_channel(check)) return "send check";
  for (;;) {
    auto payload = read_channel(deadline);
    if (!payload) return "no answer to the ICE check";
    auto answer = stun::StunMessage::parse(*payload);
    if (answer && answer->is(stun::StunMethod::Binding, stun::StunClass::SuccessResponse)) break;
  }
  return dtls_handshake(deadline);
}

std::string MediaPeer::dtls_handshake(Clock::time_point deadline) {
  context_.reset(SSL_CTX_new(DTLS_client_method()));
  SSL_CTX_use_certificate(context_.get(), certificate_->certificate());
  SSL_CTX_use_PrivateKey(context_.get(), certificate_->private_key());
  SSL_CTX_set_tlsext_use_srtp(context_.get(), srtp_profiles_.c_str());
  SSL_CTX_set_verify(context_.get(), SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
  ssl_.reset(SSL_new(context_.get()));
  BIO* bio = rtc::dtls::DatagramBio::create(bio_);
  SSL_set_bio(ssl_.get(), bio, bio);
  SSL_set_connect_state(ssl_.get());
  SSL_set_options(ssl_.get(), SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu(ssl_.get(), 1200);

  auto step = [&](std::optional<Bytes> datagram) {
    if (datagram) bio_.set_inbound(*datagram);
    SSL_do_handshake(ssl_.get());
    ERR_clear_error();
    bio_.clear_inbound();
    for (const auto& out : bio_.take_outbound()) send_on_channel(out);
  };
  step(std::nullopt);
  while (!SSL_is_init_finished(ssl_.get())) {
    if (Clock::now() >= deadline) return "DTLS handshake timed out";
    auto payload = read_channel(std::min(deadline, Clock::now() + 200ms));
    if (payload && !payload->empty() && (*payload)[0] >= 20 && (*payload)[0] <= 63) {
      step(std::move(payload));
    } else if (!payload) {
      DTLSv1_handle_timeout(ssl_.get());
      for (const auto& out : bio_.take_outbound()) send_on_channel(out);
    }
  }
  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl_.get());
  if (selected == nullptr) return "no SRTP profile";
  const auto profile = selected->id == SRTP_AEAD_AES_128_GCM ? rtc::srtp::SrtpProfile::AeadAes128Gcm
                                                             : rtc::srtp::SrtpProfile::Aes128CmSha1_80;
  const std::size_t key = rtc::srtp::master_key_length(profile);
  const std::size_t salt = rtc::srtp::master_salt_length(profile);
  Bytes material(2 * (key + salt));
  if (SSL_export_keying_material(ssl_.get(), material.data(), material.size(), "EXTRACTOR-dtls_srtp", 19, nullptr, 0,
                                 0) != 1) {
    return "keying material";
  }
  Bytes client(material.begin(), material.begin() + static_cast<std::ptrdiff_t>(key));
  client.insert(client.end(), material.begin() + static_cast<std::ptrdiff_t>(2 * key),
                material.begin() + static_cast<std::ptrdiff_t>(2 * key + salt));
  Bytes server(material.begin() + static_cast<std::ptrdiff_t>(key), material.begin() + static_cast<std::ptrdiff_t>(2 * key));
  server.insert(server.end(), material.begin() + static_cast<std::ptrdiff_t>(2 * key + salt), material.end());
  srtp_out_ = LibsrtpSession::create(LibsrtpSession::Direction::Outbound, profile, client);
  srtp_in_ = LibsrtpSession::create(LibsrtpSession::Direction::Inbound, profile, server);
  if (!srtp_out_ || !srtp_in_) return "SRTP sessions";
  return {};
}

bool MediaPeer::send_on_channel(std::span<const std::uint8_t> payload) {
  Bytes framed;
  if (!stun::ChannelData::build(framed, kChannel, payload, false)) return false;
  return ::send(fd_, framed.data(), framed.size(), 0) == static_cast<ssize_t>(framed.size());
}

std::optional<Bytes> MediaPeer::read_channel(Clock::time_point deadline) {
  while (auto datagram = receive_datagram(deadline)) {
    auto channel_data = stun::ChannelData::parse(*datagram);
    if (!channel_data || channel_data->channel() != kChannel) continue;  // TURN refreshes etc.
    auto payload = channel_data->payload();
    return Bytes(payload.begin(), payload.end());
  }
  return std::nullopt;
}

bool MediaPeer::send_rtp(Bytes packet) {
  if (!srtp_out_) return false;
  const std::size_t length = packet.size();
  packet.resize(length + rtc::srtp::kMaxTrailerLength);
  auto protected_length = srtp_out_->protect_rtp(packet, length);
  return protected_length && send_on_channel(std::span(packet.data(), *protected_length));
}

bool MediaPeer::send_rtcp(Bytes packet) {
  if (!srtp_out_) return false;
  const std::size_t length = packet.size();
  packet.resize(length + rtc::srtp::kMaxTrailerLength);
  auto protected_length = srtp_out_->protect_rtcp(packet, length);
  return protected_length && send_on_channel(std::span(packet.data(), *protected_length));
}

std::optional<MediaPeer::Received> MediaPeer::receive(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto payload = read_channel(deadline);
    if (!payload || payload->size() < 12 || !srtp_in_) return std::nullopt;
    const std::uint8_t first = (*payload)[0];
    if (first < 128 || first > 191) continue;  // STUN or DTLS
    // RFC 5761: RTCP packet types 192-223 share the port with RTP.
    const std::uint8_t type = (*payload)[1];
    Received out;
    out.rtcp = type >= 192 && type <= 223;
    Bytes copy = *payload;
    auto length = out.rtcp ? srtp_in_->unprotect_rtcp(*payload, payload->size())
                           : srtp_in_->unprotect_rtp(*payload, payload->size());
    if (length) {
      payload->resize(*length);
      out.bytes = std::move(*payload);
    } else if (!out.rtcp) {
      // A resend of a packet already received is refused by SRTP's replay check (browsers
      // expect resends as RTX); its RTP header is in the clear, which is all tests look at.
      out.replayed = true;
      out.bytes = std::move(copy);
    } else {
      continue;
    }
    return out;
  }
  return std::nullopt;
}

Bytes vp8_keyframe_packet(std::uint32_t ssrc, std::uint16_t seq, std::uint32_t timestamp, std::uint8_t payload_type,
                          std::size_t payload_size) {
  Bytes packet(12 + std::max<std::size_t>(payload_size, 2), 0);
  packet[0] = 0x80;
  packet[1] = static_cast<std::uint8_t>(0x80 | payload_type);  // marker: one packet per frame
  packet[2] = static_cast<std::uint8_t>(seq >> 8);
  packet[3] = static_cast<std::uint8_t>(seq);
  for (int i = 0; i < 4; ++i) {
    packet[4 + i] = static_cast<std::uint8_t>(timestamp >> (24 - 8 * i));
    packet[8 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  }
  packet[12] = 0x10;  // VP8 descriptor: S=1, partition 0
  packet[13] = 0x00;  // VP8 header: P=0, a keyframe
  return packet;
}

std::string minimal_video_section(const std::string& mid, const std::string& direction, std::uint32_t ssrc) {
  std::string s =
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=rtcp:9 IN IP4 0.0.0.0\r\n"
      "a=ice-ufrag:Vq3W\r\n"
      "a=ice-pwd:5X1Kq0m0cKzQ8aJq4R4Jc2Yt\r\n"
      "a=fingerprint:sha-256 4F:1A:22:9C:0B:7E:53:AA:10:FE:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16\r\n"
      "a=setup:actpass\r\n"
      "a=mid:" + mid + "\r\n"
      "a=" + direction + "\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:96 VP8/90000\r\n"
      "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n";
  if (ssrc != 0) {
    s += "a=msid:stream-" + mid + " track-" + mid + "\r\n";
    s += "a=ssrc:" + std::to_string(ssrc) + " cname:Yd2Qx\r\n";
  }
  return s;
}

std::uint16_t sequence_number_of(const Bytes& rtp) { return static_cast<std::uint16_t>(rtp[2] << 8 | rtp[3]); }

std::uint32_t ssrc_of(const Bytes& rtp) {
  return static_cast<std::uint32_t>(rtp[8]) << 24 | static_cast<std::uint32_t>(rtp[9]) << 16 |
         static_cast<std::uint32_t>(rtp[10]) << 8 | rtp[11];
}

ForwardingRoom::ForwardingRoom(ShoalProcess& shoal, const std::string& srtp_profiles)
    : room(create_room(shoal.port())) {
  publisher = std::make_unique<MediaPeer>(shoal.port(), room);
  subscriber = std::make_unique<MediaPeer>(shoal.port(), room);
  publisher->offer_srtp_profiles(srtp_profiles);
  subscriber->offer_srtp_profiles(srtp_profiles);
  track_id = publisher->id() + ":camera";
  if (publisher->request_offer_data().is_null()) throw std::runtime_error("publisher: no offerData");
  const std::string sdp = chrome::chrome_offer({"0"}, {minimal_video_section("0", "sendonly", kSsrc)});
  if (publisher->offer(sdp, {{"0", track_id}}, {{track_id, {{"type", "camera"}}}}).empty()) {
    throw std::runtime_error("publisher offer not answered");
  }
  auto types = subscriber->wait_offer_data();
  if (types != json({{"audio", 0}, {"video", 1}})) throw std::runtime_error("subscriber offerData: " + types.dump());
  if (subscriber->offer(chrome::chrome_offer({"0"}, {minimal_video_section("0", "recvonly")})).empty()) {
    throw std::runtime_error("subscriber offer not answered");
  }
  if (auto error = publisher->connect_media(); !error.empty()) throw std::runtime_error("publisher: " + error);
  if (auto error = subscriber->connect_media(); !error.empty()) throw std::runtime_error("subscriber: " + error);
}

std::map<std::uint16_t, std::size_t> ForwardingRoom::forward_packets(std::uint16_t first, int count,
                                                                     std::uint32_t* output_ssrc) {
  std::map<std::uint16_t, std::size_t> received;
  for (int i = 0; i < count; ++i) {
    const auto seq = static_cast<std::uint16_t>(first + i);
    publisher->send_rtp(vp8_keyframe_packet(kSsrc, seq, 3000u * seq, 96));
    std::this_thread::sleep_for(2ms);
  }
  const auto deadline = Clock::now() + 3s;
  while (static_cast<int>(received.size()) < count && Clock::now() < deadline) {
    auto packet = subscriber->receive(500ms);
    if (!packet) break;
    if (packet->rtcp) continue;
    *output_ssrc = ssrc_of(packet->bytes);
    received[sequence_number_of(packet->bytes)] = packet->bytes.size();
  }
  return received;
}

}  // namespace shoal::test
