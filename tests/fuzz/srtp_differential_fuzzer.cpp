// shoal's SRTP against libsrtp2, the reference implementation, driven by the fuzzer: the input picks
// the profile and key, then a script of operations. Packets shoal and libsrtp protect must be the same
// bytes; every packet (protected ones, tampered ones and raw input) must get the same verdict and the
// same plaintext from both receivers. Any disagreement, like any memory error, is a finding.
#include "libsrtp_reference.hpp"
#include "rtc/srtp/srtp_session.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

using shoal::rtc::srtp::SrtpProfile;
using shoal::rtc::srtp::SrtpSession;
using shoal::test::LibsrtpSession;
using Bytes = std::vector<std::uint8_t>;

namespace {

class Script {
 public:
  explicit Script(std::span<const std::uint8_t> input) : input_(input) {}
  bool done() const { return at_ >= input_.size(); }
  std::uint8_t byte() { return done() ? 0 : input_[at_++]; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(byte() << 8 | byte()); }
  Bytes bytes(std::size_t n) {
    n = std::min(n, input_.size() - std::min(at_, input_.size()));
    Bytes out(input_.begin() + static_cast<std::ptrdiff_t>(at_), input_.begin() + static_cast<std::ptrdiff_t>(at_ + n));
    at_ += n;
    return out;
  }

 private:
  std::span<const std::uint8_t> input_;
  std::size_t at_ = 0;
};

// A few SSRCs only: shoal keeps at most 64 inbound streams by design, libsrtp any number.
constexpr std::uint32_t kSsrcs[] = {0x11111111, 0x22222222, 0xCAFEBABE, 0x00000000};

Bytes make_rtp(Script& script) {
  const std::uint8_t shape = script.byte();
  const std::size_t csrcs = shape & 0x03;
  const bool extension = shape & 0x04;
  const std::uint32_t ssrc = kSsrcs[(shape >> 3) & 0x03];
  const std::uint16_t seq = script.u16();
  Bytes packet = {static_cast<std::uint8_t>(0x80 | (extension ? 0x10 : 0) | csrcs), script.byte(),
                  static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq), 0, 0, 0, 1,
                  static_cast<std::uint8_t>(ssrc >> 24), static_cast<std::uint8_t>(ssrc >> 16),
                  static_cast<std::uint8_t>(ssrc >> 8), static_cast<std::uint8_t>(ssrc)};
  packet.resize(packet.size() + 4 * csrcs, 0x5A);
  if (extension) {
    const std::uint8_t words = script.byte() & 0x07;
    packet.insert(packet.end(), {0xBE, 0xDE, 0x00, words});
    packet.resize(packet.size() + 4 * words, 0xA5);
  }
  Bytes payload = script.bytes(script.byte());
  packet.insert(packet.end(), payload.begin(), payload.end());
  return packet;
}

Bytes make_rtcp(Script& script) {
  const std::uint32_t ssrc = kSsrcs[script.byte() & 0x03];
  const std::uint8_t words = static_cast<std::uint8_t>(1 + (script.byte() & 0x1F));
  Bytes packet = {0x81, 0xC9, 0x00, words, static_cast<std::uint8_t>(ssrc >> 24), static_cast<std::uint8_t>(ssrc >> 16),
                  static_cast<std::uint8_t>(ssrc >> 8), static_cast<std::uint8_t>(ssrc)};
  packet.resize(4 + 4 * static_cast<std::size_t>(words), 0x3C);
  return packet;
}

template <typename Session>
std::optional<Bytes> seal(Session& session, const Bytes& plain, bool rtcp) {
  Bytes buffer(plain);
  buffer.resize(plain.size() + shoal::rtc::srtp::kMaxTrailerLength);
  auto length = rtcp ? session.protect_rtcp(buffer, plain.size()) : session.protect_rtp(buffer, plain.size());
  if (!length) return std::nullopt;
  buffer.resize(*length);
  return buffer;
}

template <typename Session>
std::optional<Bytes> open(Session& session, const Bytes& sealed, bool rtcp) {
  Bytes buffer(sealed);
  auto length = rtcp ? session.unprotect_rtcp(buffer, buffer.size()) : session.unprotect_rtp(buffer, buffer.size());
  if (!length) return std::nullopt;
  buffer.resize(*length);
  return buffer;
}

struct Pair {
  SrtpSession ours_out, ours_in;
  LibsrtpSession theirs_out, theirs_in;
};

void expect_same_verdict(Pair& pair, const Bytes& packet, bool rtcp) {
  // An unencrypted (E = 0) SRTCP packet is one shoal refuses and libsrtp accepts; a forger cannot
  // produce a valid tag for one, so outside of that the verdicts must agree.
  auto ours = open(pair.ours_in, packet, rtcp);
  auto theirs = open(pair.theirs_in, packet, rtcp);
  if (ours.has_value() != theirs.has_value() || (ours && *ours != *theirs)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Script script({data, size});
  const SrtpProfile profile = script.byte() & 1 ? SrtpProfile::AeadAes128Gcm : SrtpProfile::Aes128CmSha1_80;
  Bytes key = script.bytes(shoal::rtc::srtp::master_key_salt_length(profile));
  key.resize(shoal::rtc::srtp::master_key_salt_length(profile), 0x42);
  auto ours_out = SrtpSession::create(SrtpSession::Direction::Outbound, profile, key);
  auto ours_in = SrtpSession::create(SrtpSession::Direction::Inbound, profile, key);
  auto theirs_out = LibsrtpSession::create(LibsrtpSession::Direction::Outbound, profile, key);
  auto theirs_in = LibsrtpSession::create(LibsrtpSession::Direction::Inbound, profile, key);
  if (!ours_out || !ours_in || !theirs_out || !theirs_in) std::abort();
  Pair pair{std::move(*ours_out), std::move(*ours_in), std::move(*theirs_out), std::move(*theirs_in)};

  std::vector<std::pair<Bytes, bool>> sent;
  for (int step = 0; step < 64 && !script.done(); ++step) {
    const std::uint8_t op = script.byte();
    switch (op % 5) {
      case 0:
      case 1: {  // protect an RTP (0) or RTCP (1) packet on both sides, deliver it
        const bool rtcp = op % 5 == 1;
        Bytes plain = rtcp ? make_rtcp(script) : make_rtp(script);
        auto ours = seal(pair.ours_out, plain, rtcp);
        auto theirs = seal(pair.theirs_out, plain, rtcp);
        if (ours.has_value() != theirs.has_value() || (ours && *ours != *theirs)) std::abort();
        if (ours) {
          expect_same_verdict(pair, *ours, rtcp);
          sent.emplace_back(*ours, rtcp);
        }
        break;
      }
      case 2: {  // replay or tamper with an earlier packet
        if (sent.empty()) break;
        auto [packet, rtcp] = sent[script.byte() % sent.size()];
        const std::uint8_t flip = script.byte();
        if (flip) packet[script.u16() % packet.size()] ^= flip;
        expect_same_verdict(pair, packet, rtcp);
        break;
      }
      case 3:
      case 4: {  // raw bytes from the wire
        Bytes raw = script.bytes(script.byte());
        if (!raw.empty()) expect_same_verdict(pair, raw, op % 5 == 4);
        break;
      }
    }
  }
  return 0;
}
