#include "rtc/rtp/vp8_munger.hpp"

#include "rtc/rtp/vp8_payload_descriptor.hpp"

namespace shoal::rtc::rtp {

namespace {
constexpr std::uint16_t kPictureIdMask = 0x7FFF;
constexpr std::uint8_t kKeyIdxMask = 0x1F;

// "a is after b" within a modulus of 2^bits: less than half the space ahead.
bool newer_mod(std::uint32_t a, std::uint32_t b, std::uint32_t mask) {
  const std::uint32_t diff = (a - b) & mask;
  return diff != 0 && diff <= (mask >> 1);
}
}  // namespace

bool Vp8Munger::rewrite(std::span<std::uint8_t> payload, bool switch_source) {
  auto d = Vp8PayloadDescriptor::parse(payload);
  if (!d) return false;

  if (switch_source && started_) {
    // Offsets chosen so the new source's first values directly follow the last forwarded ones.
    if (d->picture_id && has_picture_id_) {
      picture_id_offset_ = static_cast<std::uint16_t>((*d->picture_id - last_picture_id_ - 1) & kPictureIdMask);
    }
    if (d->tl0_pic_idx && has_tl0_) tl0_offset_ = static_cast<std::uint8_t>(*d->tl0_pic_idx - last_tl0_ - 1);
    if (d->key_idx && has_key_idx_) {
      key_idx_offset_ = static_cast<std::uint8_t>((*d->key_idx - last_key_idx_ - 1) & kKeyIdxMask);
    }
  }
  started_ = true;

  if (d->picture_id) {
    const auto out = static_cast<std::uint16_t>((*d->picture_id - picture_id_offset_) & kPictureIdMask);
    d->write_picture_id(payload, out);
    // A 7-bit field can only carry the low bits; track what was actually sent.
    const std::uint16_t sent = d->picture_id_15bit ? out : static_cast<std::uint16_t>(out & 0x7F);
    const std::uint16_t mask = d->picture_id_15bit ? kPictureIdMask : 0x7F;
    if (!has_picture_id_ || newer_mod(sent, last_picture_id_ & mask, mask)) last_picture_id_ = sent;
    has_picture_id_ = true;
  }
  if (d->tl0_pic_idx) {
    const auto out = static_cast<std::uint8_t>(*d->tl0_pic_idx - tl0_offset_);
    d->write_tl0_pic_idx(payload, out);
    if (!has_tl0_ || newer_mod(out, last_tl0_, 0xFF)) last_tl0_ = out;
    has_tl0_ = true;
  }
  if (d->key_idx) {
    const auto out = static_cast<std::uint8_t>((*d->key_idx - key_idx_offset_) & kKeyIdxMask);
    d->write_key_idx(payload, out);
    if (!has_key_idx_ || newer_mod(out, last_key_idx_, kKeyIdxMask)) last_key_idx_ = out;
    has_key_idx_ = true;
  }
  return true;
}

}  // namespace shoal::rtc::rtp
