#include "media_client.hpp"

#include "rtc/rtcp/rtcp_header.hpp"
#include "rtc/stun/channel_data.hpp"
#include "rtc/stun/packet_kind.hpp"
#include "rtc/stun/stun_key.hpp"
#include "rtc/stun/stun_message.hpp"
#include "rtc/stun/stun_message_builder.hpp"

#include <openssl/rand.h>
#include <sys/socket.h>

#include <cstring>

namespace shoal::bench {

namespace asio = boost::asio;
using asio::ip::udp;
using namespace rtc::stun;

namespace {

std::string random_token(std::size_t length) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out(length, 'a');
  std::vector<unsigned char> bytes(length);
  RAND_bytes(bytes.data(), static_cast<int>(length));
  for (std::size_t i = 0; i < length; ++i) out[i] = kAlphabet[bytes[i] % 64];
  return out;
}

// One receive batch shared by every client: the generator runs on a single thread.
constexpr std::size_t kBatch = 32;
struct ReceiveBatch {
  std::array<std::array<std::uint8_t, MediaClient::kMaxDatagram>, kBatch> buffers{};
  std::array<iovec, kBatch> vectors{};
  std::array<mmsghdr, kBatch> headers{};
};
ReceiveBatch& batch() {
  static ReceiveBatch instance;
  return instance;
}

}  // namespace

MediaClient::MediaClient(asio::io_context& io, std::shared_ptr<const rtc::dtls::DtlsCertificate> certificate,
                         MediaCallbacks callbacks, bool decrypt)
    : socket_(io),
      callbacks_(std::move(callbacks)),
      decrypt_(decrypt),
      local_ufrag_(random_token(4)),
      local_pwd_(random_token(24)),
      certificate_(std::move(certificate)) {
  RAND_bytes(reinterpret_cast<unsigned char*>(&tie_breaker_), sizeof tie_breaker_);
  scratch_.reserve(512);
}

std::string MediaClient::state_name() const {
  static constexpr const char* kNames[] = {"idle",     "allocating", "permitting", "binding",
                                           "checking", "handshaking", "connected", "failed"};
  return kNames[static_cast<int>(state_)];
}

TransactionId MediaClient::fresh_transaction() {
  TransactionId id{};
  RAND_bytes(id.data(), static_cast<int>(id.size()));
  return id;
}

void MediaClient::start_turn(const TurnServerInfo& turn) {
  if (state_ != State::Idle) return;
  turn_ = turn;
  socket_.open(turn_.address.protocol());
  socket_.connect(turn_.address);
  socket_.non_blocking(true);
  socket_.set_option(asio::socket_base::receive_buffer_size(4 << 20));
  state_ = State::Allocating;
  pending_ = fresh_transaction();
  send_request();
  wait_readable();
}

void MediaClient::set_remote_candidate(const udp::endpoint& candidate) {
  candidate_ = candidate;
  advance();
}

void MediaClient::set_remote_ice(const std::string& ufrag, const std::string& pwd) {
  if (ufrag == remote_ufrag_ && pwd == remote_pwd_) return;
  remote_ufrag_ = ufrag;
  remote_pwd_ = pwd;
  check_wanted_ = true;
  advance();
}

// Moves on when what the next step needs is there (allocation done and candidate known, etc.).
void MediaClient::advance() {
  if (state_ == State::Permitting && !candidate_) return;
  if (state_ == State::Permitting && attempts_ == 0) {
    pending_ = fresh_transaction();
    send_request();
  }
  if (check_wanted_ && !remote_ufrag_.empty() &&
      (state_ == State::Checking || state_ == State::Handshaking || state_ == State::Connected)) {
    check_wanted_ = false;
    if (state_ == State::Checking) pending_ = fresh_transaction();
    send_check();
  }
}

void MediaClient::send_request() {
  sent_at_ = std::chrono::steady_clock::now();
  ++attempts_;
  switch (state_) {
    case State::Allocating: {
      StunMessageBuilder builder(scratch_, StunMethod::Allocate, StunClass::Request, pending_);
      builder.add_requested_transport(17);
      if (authenticated_) {
        builder.add_string(StunAttr::Username, turn_.username)
            .add_string(StunAttr::Realm, realm_)
            .add_string(StunAttr::Nonce, nonce_)
            .add_message_integrity(turn_key_);
      }
      break;
    }
    case State::Permitting: {
      StunMessageBuilder builder(scratch_, StunMethod::CreatePermission, StunClass::Request, pending_);
      builder.add_xor_address(StunAttr::XorPeerAddress, *candidate_)
          .add_string(StunAttr::Username, turn_.username)
          .add_string(StunAttr::Realm, realm_)
          .add_string(StunAttr::Nonce, nonce_)
          .add_message_integrity(turn_key_);
      break;
    }
    case State::Binding: {
      StunMessageBuilder builder(scratch_, StunMethod::ChannelBind, StunClass::Request, pending_);
      builder.add_channel_number(kChannel)
          .add_xor_address(StunAttr::XorPeerAddress, *candidate_)
          .add_string(StunAttr::Username, turn_.username)
          .add_string(StunAttr::Realm, realm_)
          .add_string(StunAttr::Nonce, nonce_)
          .add_message_integrity(turn_key_);
      break;
    }
    case State::Checking:
      send_check();
      return;
    default:
      return;
  }
  send_plain(scratch_);
}

void MediaClient::send_check() {
  if (remote_ufrag_.empty()) return;
  sent_at_ = std::chrono::steady_clock::now();
  std::vector<std::uint8_t> message;
  StunMessageBuilder builder(message, StunMethod::Binding, StunClass::Request,
                             state_ == State::Checking ? pending_ : fresh_transaction());
  builder.add_string(StunAttr::Username, remote_ufrag_ + ":" + local_ufrag_)
      .add_u32(StunAttr::Priority, 0x00FFFFFF)  // a relay candidate's priority
      .add_u64(StunAttr::IceControlling, tie_breaker_)
      .add_flag(StunAttr::UseCandidate)
      .add_message_integrity(short_term_key(remote_pwd_))
      .add_fingerprint();
  std::vector<std::uint8_t> framed(ChannelData::kHeaderSize + message.size());
  std::memcpy(framed.data() + ChannelData::kHeaderSize, message.data(), message.size());
  send_channel(framed, message.size());
}

void MediaClient::send_plain(std::span<const std::uint8_t> bytes) {
  boost::system::error_code ec;
  socket_.send(asio::buffer(bytes.data(), bytes.size()), 0, ec);
}

void MediaClient::send_channel(std::span<std::uint8_t> framed, std::size_t payload_length) {
  ChannelData::write_header(framed.first<ChannelData::kHeaderSize>(), kChannel, payload_length);
  send_plain(framed.first(ChannelData::kHeaderSize + payload_length));
}

void MediaClient::flush_dtls() {
  for (auto& datagram : dtls_.take_outbound()) {
    std::vector<std::uint8_t> framed(ChannelData::kHeaderSize + datagram.size());
    std::memcpy(framed.data() + ChannelData::kHeaderSize, datagram.data(), datagram.size());
    send_channel(framed, datagram.size());
  }
}

bool MediaClient::send_rtp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (!srtp_out_) return false;
  auto protected_length = srtp_out_->protect_rtp(buffer.subspan(kHeadroom), length);
  if (!protected_length) return false;
  send_channel(buffer, *protected_length);
  return true;
}

bool MediaClient::send_rtcp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (!srtp_out_) return false;
  auto protected_length = srtp_out_->protect_rtcp(buffer.subspan(kHeadroom), length);
  if (!protected_length) return false;
  send_channel(buffer, *protected_length);
  return true;
}

void MediaClient::on_tick(std::chrono::steady_clock::time_point now) {
  if (state_ == State::Handshaking) {
    dtls_.on_tick();
    flush_dtls();
    if (dtls_.failed()) state_ = State::Failed;
    return;
  }
  const bool waiting = state_ == State::Allocating || state_ == State::Checking ||
                       ((state_ == State::Permitting || state_ == State::Binding) && candidate_);
  if (!waiting || now - sent_at_ < std::chrono::milliseconds(250)) return;
  if (attempts_ >= 40) {
    state_ = State::Failed;
    return;
  }
  send_request();
}

void MediaClient::wait_readable() {
  socket_.async_wait(udp::socket::wait_read, [this, alive = alive_](boost::system::error_code ec) {
    if (!*alive || ec) return;
    drain();
    wait_readable();
  });
}

// Everything queued on the socket, 32 datagrams per recvmmsg.
void MediaClient::drain() {
  ReceiveBatch& b = batch();
  for (int rounds = 0; rounds < 64; ++rounds) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      b.vectors[i] = {b.buffers[i].data(), b.buffers[i].size()};
      b.headers[i] = {};
      b.headers[i].msg_hdr.msg_iov = &b.vectors[i];
      b.headers[i].msg_hdr.msg_iovlen = 1;
    }
    const int count = ::recvmmsg(socket_.native_handle(), b.headers.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (count <= 0) return;
    for (int i = 0; i < count; ++i) {
      ++datagrams_received_;
      handle_datagram(std::span(b.buffers[i].data(), b.headers[i].msg_len));
    }
    if (count < static_cast<int>(kBatch)) return;
  }
}

void MediaClient::handle_datagram(std::span<std::uint8_t> datagram) {
  if (datagram.empty()) return;
  if ((datagram[0] & 0xC0) == 0x40) {
    auto channel = ChannelData::parse(datagram);
    if (!channel || channel->channel() != kChannel) return;
    handle_channel_payload(datagram.subspan(ChannelData::kHeaderSize, channel->payload().size()));
    return;
  }
  handle_turn_response(datagram);
}

void MediaClient::handle_turn_response(std::span<const std::uint8_t> bytes) {
  auto message = StunMessage::parse(bytes);
  if (!message || message->transaction_id() != pending_) return;
  const auto cls = message->message_class();
  if (cls == StunClass::ErrorResponse) {
    auto error = message->error_code();
    // 401 (first Allocate) and 438 (stale nonce): take realm and nonce, retry.
    if (error && (error->code == 401 || error->code == 438) && message->realm() && message->nonce()) {
      realm_ = std::string(*message->realm());
      nonce_ = std::string(*message->nonce());
      turn_key_ = long_term_key(turn_.username, realm_, turn_.password);
      authenticated_ = true;
      pending_ = fresh_transaction();
      send_request();
      return;
    }
    state_ = State::Failed;
    return;
  }
  if (cls != StunClass::SuccessResponse) return;
  attempts_ = 0;
  pending_ = fresh_transaction();
  if (state_ == State::Allocating) {
    state_ = State::Permitting;
  } else if (state_ == State::Permitting) {
    state_ = State::Binding;
    send_request();
    return;
  } else if (state_ == State::Binding) {
    state_ = State::Checking;
    check_wanted_ = true;
  }
  advance();
}

void MediaClient::handle_channel_payload(std::span<std::uint8_t> payload) {
  if (payload.empty()) return;
  switch (classify_first_byte(payload[0])) {
    case PacketKind::Stun: {
      auto message = StunMessage::parse(payload);
      if (!message || !message->is(StunMethod::Binding, StunClass::SuccessResponse)) return;
      if (state_ == State::Checking) {
        state_ = State::Handshaking;
        if (!dtls_.start(certificate_)) {
          state_ = State::Failed;
          return;
        }
        flush_dtls();
      }
      return;
    }
    case PacketKind::Dtls: {
      dtls_.handle_datagram(payload);
      flush_dtls();
      if (state_ == State::Handshaking && dtls_.connected()) {
        using rtc::srtp::SrtpSession;
        const auto& keys = *dtls_.keys();
        srtp_out_ = SrtpSession::create(SrtpSession::Direction::Outbound, keys.profile, keys.local_key_salt);
        srtp_in_ = SrtpSession::create(SrtpSession::Direction::Inbound, keys.profile, keys.remote_key_salt);
        if (!srtp_out_ || !srtp_in_) {
          state_ = State::Failed;
          return;
        }
        state_ = State::Connected;
        if (callbacks_.on_connected) callbacks_.on_connected();
      } else if (dtls_.failed()) {
        state_ = State::Failed;
      }
      return;
    }
    case PacketKind::RtpRtcp: {
      if (!srtp_in_) return;
      if (rtc::rtcp::is_rtcp(payload)) {
        auto length = srtp_in_->unprotect_rtcp(payload, payload.size());
        if (!length) {
          ++srtp_failures_;
          return;
        }
        if (callbacks_.on_rtcp) callbacks_.on_rtcp(payload.first(*length));
        return;
      }
      if (!decrypt_) {
        if (callbacks_.on_raw_rtp) callbacks_.on_raw_rtp(payload);
        return;
      }
      auto length = srtp_in_->unprotect_rtp(payload, payload.size());
      if (!length) {
        ++srtp_failures_;
        return;
      }
      if (callbacks_.on_rtp) callbacks_.on_rtp(payload.first(*length));
      return;
    }
    default:
      return;
  }
}

}  // namespace shoal::bench
