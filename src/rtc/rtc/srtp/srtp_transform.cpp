#include "rtc/srtp/srtp_transform.hpp"

#include <algorithm>

namespace shoal::rtc::srtp {
namespace {

constexpr std::size_t kRtcpHeaderLength = 8;
constexpr std::size_t kIndexWordLength = 4;
constexpr std::uint32_t kEncryptedFlag = 0x8000'0000U;

void put_u32(std::uint8_t* out, std::uint32_t value) {
  out[0] = static_cast<std::uint8_t>(value >> 24);
  out[1] = static_cast<std::uint8_t>(value >> 16);
  out[2] = static_cast<std::uint8_t>(value >> 8);
  out[3] = static_cast<std::uint8_t>(value);
}

// The rollover counter SRTP's HMAC covers after the packet (RFC 3711 §4.2).
std::array<std::uint8_t, 4> rollover_counter(std::uint64_t index) {
  std::array<std::uint8_t, 4> roc{};
  put_u32(roc.data(), static_cast<std::uint32_t>(index >> 16));
  return roc;
}

std::uint32_t get_u32(const std::uint8_t* in) {
  return static_cast<std::uint32_t>(in[0]) << 24 | static_cast<std::uint32_t>(in[1]) << 16 |
         static_cast<std::uint32_t>(in[2]) << 8 | in[3];
}

}  // namespace

std::optional<SrtpTransform> SrtpTransform::create(SrtpProfile profile, const SessionKeys& keys) {
  SrtpTransform transform(profile, keys);
  if (profile == SrtpProfile::AeadAes128Gcm) {
    transform.gcm_ = AesGcm::create(keys.cipher_key);
    if (!transform.gcm_) return std::nullopt;
  } else {
    transform.counter_mode_ = AesCounterMode::create(keys.cipher_key);
    transform.hmac_ = HmacSha1::create(keys.auth_key);
    if (!transform.counter_mode_ || !transform.hmac_) return std::nullopt;
  }
  return transform;
}

// RFC 3711 §4.1.1: IV = (salt << 16) XOR (SSRC << 64) XOR (index << 16).
std::array<std::uint8_t, kCounterBlockLength> SrtpTransform::counter_iv(std::uint32_t ssrc,
                                                                        std::uint64_t index) const {
  std::array<std::uint8_t, kCounterBlockLength> iv{};
  std::copy(salt_.begin(), salt_.end(), iv.begin());
  for (int i = 0; i < 4; ++i) iv[4 + i] ^= static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  for (int i = 0; i < 6; ++i) iv[8 + i] ^= static_cast<std::uint8_t>(index >> (40 - 8 * i));
  return iv;
}

// RFC 7714 §8.1 and §9.1: IV = salt XOR (0x0000 || SSRC || 48 bits: ROC||SEQ for SRTP, 0x0000||index for SRTCP).
AesGcm::Iv SrtpTransform::gcm_iv(std::uint32_t ssrc, std::uint64_t low48) const {
  AesGcm::Iv iv{};
  std::copy_n(salt_.begin(), iv.size(), iv.begin());
  for (int i = 0; i < 4; ++i) iv[2 + i] ^= static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  for (int i = 0; i < 6; ++i) iv[6 + i] ^= static_cast<std::uint8_t>(low48 >> (40 - 8 * i));
  return iv;
}

bool SrtpTransform::seal_rtp(std::span<std::uint8_t> packet, std::size_t header, std::size_t length,
                             std::uint32_t ssrc, std::uint64_t index) {
  std::span<std::uint8_t> payload = packet.subspan(header, length - header);
  if (gcm_) {
    return gcm_->seal(gcm_iv(ssrc, index), packet.first(header), {}, payload,
                      packet.subspan(length).first<kGcmTagLength>());
  }
  if (!counter_mode_->apply(counter_iv(ssrc, index), payload)) return false;
  return write_tag(packet.first(length), rollover_counter(index), packet.subspan(length));
}

bool SrtpTransform::open_rtp(std::span<std::uint8_t> packet, std::size_t header, std::size_t length,
                             std::uint32_t ssrc, std::uint64_t index) {
  std::span<std::uint8_t> payload = packet.subspan(header, length - header);
  if (gcm_) {
    return gcm_->open(gcm_iv(ssrc, index), packet.first(header), {}, payload,
                      packet.subspan(length).first<kGcmTagLength>());
  }
  if (!tag_matches(packet.first(length), rollover_counter(index), packet.subspan(length))) return false;
  return counter_mode_->apply(counter_iv(ssrc, index), payload);
}

std::optional<std::size_t> SrtpTransform::seal_rtcp(std::span<std::uint8_t> packet, std::size_t length,
                                                    std::uint32_t ssrc, std::uint32_t index) {
  std::array<std::uint8_t, kIndexWordLength> word{};
  put_u32(word.data(), kEncryptedFlag | index);
  std::span<std::uint8_t> body = packet.subspan(kRtcpHeaderLength, length - kRtcpHeaderLength);
  if (gcm_) {
    // header | ciphertext | tag | E+index, the word authenticated as AAD (RFC 7714 §9.2).
    if (!gcm_->seal(gcm_iv(ssrc, index), packet.first(kRtcpHeaderLength), word, body,
                    packet.subspan(length).first<kGcmTagLength>())) {
      return std::nullopt;
    }
    std::copy(word.begin(), word.end(), packet.begin() + static_cast<std::ptrdiff_t>(length + kGcmTagLength));
    return length + kGcmTagLength + kIndexWordLength;
  }
  // header | ciphertext | E+index | tag over all before it (RFC 3711 §3.4).
  if (!counter_mode_->apply(counter_iv(ssrc, index), body)) return std::nullopt;
  std::copy(word.begin(), word.end(), packet.begin() + static_cast<std::ptrdiff_t>(length));
  if (!write_tag(packet.first(length + kIndexWordLength), {}, packet.subspan(length + kIndexWordLength))) {
    return std::nullopt;
  }
  return length + rtcp_trailer_length(profile_);
}

std::size_t SrtpTransform::rtcp_index_offset(std::size_t length) const {
  return gcm_ ? length - kIndexWordLength : length - rtcp_trailer_length(profile_);
}

std::optional<std::size_t> SrtpTransform::open_rtcp(std::span<std::uint8_t> packet, std::size_t length,
                                                    std::uint32_t ssrc) {
  const std::size_t word_at = rtcp_index_offset(length);
  const std::uint32_t word = get_u32(packet.data() + word_at);
  // An unencrypted SRTCP packet would be legal for an authentication-only policy; shoal never negotiates one.
  if ((word & kEncryptedFlag) == 0) return std::nullopt;
  const std::uint32_t index = word & ~kEncryptedFlag;
  if (gcm_) {
    const std::size_t plain = word_at - kGcmTagLength;
    std::span<std::uint8_t> body = packet.subspan(kRtcpHeaderLength, plain - kRtcpHeaderLength);
    if (!gcm_->open(gcm_iv(ssrc, index), packet.first(kRtcpHeaderLength), packet.subspan(word_at, kIndexWordLength),
                    body, packet.subspan(plain).first<kGcmTagLength>())) {
      return std::nullopt;
    }
    return plain;
  }
  if (!tag_matches(packet.first(word_at + kIndexWordLength), {}, packet.subspan(word_at + kIndexWordLength))) {
    return std::nullopt;
  }
  if (!counter_mode_->apply(counter_iv(ssrc, index), packet.subspan(kRtcpHeaderLength, word_at - kRtcpHeaderLength))) {
    return std::nullopt;
  }
  return word_at;
}

bool SrtpTransform::write_tag(std::span<const std::uint8_t> authenticated, std::span<const std::uint8_t> suffix,
                              std::span<std::uint8_t> out) {
  std::array<std::uint8_t, kSha1Length> digest{};
  if (!hmac_->sign(authenticated, suffix, digest)) return false;
  std::copy_n(digest.begin(), rtp_trailer_length(profile_), out.begin());
  return true;
}

bool SrtpTransform::tag_matches(std::span<const std::uint8_t> authenticated, std::span<const std::uint8_t> suffix,
                                std::span<const std::uint8_t> tag) {
  std::array<std::uint8_t, kSha1Length> digest{};
  if (!hmac_->sign(authenticated, suffix, digest)) return false;
  const std::size_t length = rtp_trailer_length(profile_);
  return tags_equal(std::span(digest).first(length), tag.first(length));
}

}  // namespace shoal::rtc::srtp
