#pragma once
// VP8 RTP payload descriptor (RFC 7741 section 4.2) and keyframe detection.
//
//  X|R|N|S|R|PID      first byte
//  I|L|T|K|RSV        if X
//  M|PictureID(7/15)  if I (15-bit when M)
//  TL0PICIDX          if L
//  TID|Y|KEYIDX       if T or K
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtp {

struct Vp8PayloadDescriptor {
  bool non_reference = false;   // N
  bool start_of_partition = false;  // S
  std::uint8_t partition_id = 0;    // PID

  std::optional<std::uint16_t> picture_id;  // 7 or 15 bits, see picture_id_15bit
  bool picture_id_15bit = false;            // M
  std::optional<std::uint8_t> tl0_pic_idx;
  std::optional<std::uint8_t> temporal_id;  // TID (2 bits), present when T
  bool layer_sync = false;                  // Y
  std::optional<std::uint8_t> key_idx;      // 5 bits, present when K

  std::size_t size = 0;  // descriptor length in bytes; the VP8 payload header starts here

  static std::optional<Vp8PayloadDescriptor> parse(std::span<const std::uint8_t> payload);

  // True for the first packet of a key frame: S=1, PID=0 and the VP8 payload header's inverse
  // key frame flag P (bit 0 of its first byte) is 0.
  bool starts_keyframe(std::span<const std::uint8_t> payload) const;

  // In-place writers for continuity rewriting. `payload` must be the one this descriptor was
  // parsed from. They write only fields that are present (false otherwise), keeping the field's
  // width: a 7-bit picture id stays 7-bit (value masked), so the descriptor never changes size.
  bool write_picture_id(std::span<std::uint8_t> payload, std::uint16_t value) const;
  bool write_tl0_pic_idx(std::span<std::uint8_t> payload, std::uint8_t value) const;
  bool write_key_idx(std::span<std::uint8_t> payload, std::uint8_t value) const;

  // Byte offsets of the optional fields inside the payload (0 = absent); used by the writers.
  std::size_t picture_id_offset = 0;
  std::size_t tl0_pic_idx_offset = 0;
  std::size_t tid_key_idx_offset = 0;
};

// Convenience: parse + starts_keyframe. False for anything unparseable.
bool is_vp8_keyframe(std::span<const std::uint8_t> payload);

}  // namespace shoal::rtc::rtp
