#pragma once
// A WebRTC peer for integration tests, built from the server's own protocol pieces: it joins a
// room over the peer socket, negotiates with SDP shaped like Chrome's, then does what a browser
// does on the wire: a TURN allocation on the peer's UDP listener, an ICE check over a channel to
// the server's candidate, a DTLS client handshake and SRTP in both directions. It lets tests send
// media (or hostile RTP/RTCP) that no browser would, to the real binary over real sockets. Its SRTP
// is libsrtp2, the implementation browsers use, not the server's own.
#include "harness.hpp"
#include "libsrtp_reference.hpp"

#include "rtc/dtls/datagram_bio.hpp"
#include "rtc/dtls/dtls_certificate.hpp"
#include "rtc/dtls/openssl_handles.hpp"
#include "rtc/stun/stun_key.hpp"

#include <chrono>
#include <map>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace shoal::test {

using Bytes = std::vector<std::uint8_t>;

class MediaPeer {
 public:
  // Creates the peer over REST, authenticates and sends `connect`.
  MediaPeer(std::uint16_t http_port, const std::string& room_id);
  ~MediaPeer();
  MediaPeer(const MediaPeer&) = delete;
  MediaPeer& operator=(const MediaPeer&) = delete;

  const std::string& id() const { return id_; }
  WsClient& socket() { return *socket_; }

  // A negotiation round: renegotiateTracks, then the server's offerData (its tracksTypes, or null).
  json request_offer_data();
  // Sends `sdp` (its a=fingerprint replaced by this peer's certificate) as an sdpOffer and waits
  // for sdpAnswer and candidate; returns the answer SDP ("" on failure).
  std::string offer(const std::string& sdp, const json& mid_to_track_id = json::object(),
                    const json& track_metadata = json::object());
  // Waits (bounded) for the next offerData, e.g. the one the server sends after another peer
  // published tracks; returns its tracksTypes or null.
  json wait_offer_data(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // The DTLS-SRTP profiles offered in the handshake (OpenSSL's names, colon-separated); by default
  // both that Chrome offers, GCM first.
  void offer_srtp_profiles(std::string profiles) { srtp_profiles_ = std::move(profiles); }

  // TURN allocation, channel, ICE check, DTLS handshake and SRTP keys. Empty on success, else
  // what went wrong.
  std::string connect_media(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Protects and sends one plaintext RTP or RTCP packet over the channel.
  bool send_rtp(Bytes packet);
  bool send_rtcp(Bytes packet);

  struct Received {
    bool rtcp = false;
    Bytes bytes;            // plaintext
    bool replayed = false;  // SRTP said replay: `bytes` is the packet as sent (header readable)
  };
  // The next decrypted RTP/RTCP packet, or nullopt after `timeout`.
  std::optional<Received> receive(std::chrono::milliseconds timeout);

 private:
  // One datagram from the TURN listener, or nullopt at the deadline.
  std::optional<Bytes> receive_datagram(std::chrono::steady_clock::time_point deadline);
  bool send_on_channel(std::span<const std::uint8_t> payload);
  std::optional<Bytes> read_channel(std::chrono::steady_clock::time_point deadline);
  std::optional<Bytes> turn_request(const Bytes& request, std::chrono::steady_clock::time_point deadline);
  std::string dtls_handshake(std::chrono::steady_clock::time_point deadline);

  std::string id_;
  std::unique_ptr<WsClient> socket_;
  json turn_server_;
  std::string server_ufrag_, server_pwd_;
  std::uint16_t candidate_port_ = 0;
  int fd_ = -1;  // UDP socket connected to the peer's TURN listener
  std::string turn_username_, turn_realm_, turn_nonce_;
  rtc::stun::LongTermKey turn_key_{};

  std::shared_ptr<const rtc::dtls::DtlsCertificate> certificate_;
  rtc::dtls::DatagramBio bio_;
  rtc::dtls::SslCtxPtr context_;
  rtc::dtls::SslPtr ssl_;
  std::string srtp_profiles_ = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
  std::optional<LibsrtpSession> srtp_in_, srtp_out_;
};

// A minimal RTP packet: VP8 payload descriptor (start of partition) and a keyframe header byte,
// so the server forwards it to subscribers from the first packet on.
Bytes vp8_keyframe_packet(std::uint32_t ssrc, std::uint16_t seq, std::uint32_t timestamp, std::uint8_t payload_type,
                          std::size_t payload_size = 1000);

// An m=video section sending (or receiving) VP8 only, with NACK/PLI feedback; with `ssrc` the
// stream's SSRC is announced. About 600 bytes, so 64 fit in one offer.
std::string minimal_video_section(const std::string& mid, const std::string& direction, std::uint32_t ssrc = 0);

std::uint16_t sequence_number_of(const Bytes& rtp);
std::uint32_t ssrc_of(const Bytes& rtp);

// A publisher with one VP8 track (SSRC kSsrc) and a subscriber receiving it, both with media
// connected, offering `srtp_profiles` in their DTLS handshakes. Throws if any step fails.
struct ForwardingRoom {
  static constexpr std::uint32_t kSsrc = 0x11110001;
  explicit ForwardingRoom(ShoalProcess& shoal,
                          const std::string& srtp_profiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80");
  // Sends `count` packets from the publisher (sequence numbers from `first`, wrapping) and returns
  // {output sequence number: size} as the subscriber got them; `output_ssrc` is the SSRC it saw.
  std::map<std::uint16_t, std::size_t> forward_packets(std::uint16_t first, int count, std::uint32_t* output_ssrc);

  std::string room;
  std::unique_ptr<MediaPeer> publisher, subscriber;
  std::string track_id;
};

}  // namespace shoal::test
