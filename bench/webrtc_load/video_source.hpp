#pragma once
// VP8-shaped RTP at a fixed bitrate: 30 frames/s, each frame split into equal packets, the
// first packet of a frame with S=1 PID=0 and, on keyframes, the VP8 P bit clear, so the
// server's keyframe detection sees what a browser's encoder would send.
#include <array>
#include <cstdint>
#include <cstring>
#include <span>

namespace shoal::bench {

class VideoSource {
 public:
  static constexpr int kFramesPerSecond = 30;

  // Bytes [kTagOffset, kTagOffset + 5) of every payload: publisher index, then the packet's
  // 32-bit send counter, so receivers can count exactly the packets sent inside a window.
  static constexpr std::size_t kTagOffset = 32;
  static constexpr std::size_t kMinPacket = kTagOffset + 5;

  VideoSource(std::uint8_t publisher_index, std::uint32_t ssrc, double bitrate_bps, std::size_t packet_size)
      : publisher_index_(publisher_index), ssrc_(ssrc), packet_size_(packet_size) {
    const double frame_bytes = bitrate_bps / 8.0 / kFramesPerSecond;
    packets_per_frame_ = static_cast<std::uint32_t>(frame_bytes / static_cast<double>(packet_size) + 0.999);
    if (packets_per_frame_ == 0) packets_per_frame_ = 1;
    packets_per_second_ = bitrate_bps / 8.0 / static_cast<double>(packet_size);
  }

  double packets_per_second() const { return packets_per_second_; }
  std::uint32_t produced() const { return produced_; }
  void request_keyframe() { keyframe_wanted_ = true; }

  // Writes the next packet into out (at least packet_size bytes); returns its length.
  std::size_t next(std::span<std::uint8_t> out) {
    const bool first = index_in_frame_ == 0;
    if (first) {
      keyframe_ = keyframe_wanted_;
      keyframe_wanted_ = false;
      ++picture_id_;
    }
    const bool last = index_in_frame_ + 1 == packets_per_frame_;
    std::uint8_t* p = out.data();
    std::memset(p, 0, packet_size_);
    p[0] = 0x80;
    p[1] = static_cast<std::uint8_t>((last ? 0x80 : 0) | kPayloadType);
    p[2] = static_cast<std::uint8_t>(sequence_ >> 8);
    p[3] = static_cast<std::uint8_t>(sequence_);
    p[4] = static_cast<std::uint8_t>(timestamp_ >> 24);
    p[5] = static_cast<std::uint8_t>(timestamp_ >> 16);
    p[6] = static_cast<std::uint8_t>(timestamp_ >> 8);
    p[7] = static_cast<std::uint8_t>(timestamp_);
    p[8] = static_cast<std::uint8_t>(ssrc_ >> 24);
    p[9] = static_cast<std::uint8_t>(ssrc_ >> 16);
    p[10] = static_cast<std::uint8_t>(ssrc_ >> 8);
    p[11] = static_cast<std::uint8_t>(ssrc_);
    // VP8 payload descriptor (RFC 7741): X=1, S on a frame's first packet, PID 0; I=1 with a
    // 15-bit picture id, as Chrome sends it.
    p[12] = static_cast<std::uint8_t>(0x80 | (first ? 0x10 : 0));
    p[13] = 0x80;
    p[14] = static_cast<std::uint8_t>(0x80 | ((picture_id_ >> 8) & 0x7F));
    p[15] = static_cast<std::uint8_t>(picture_id_);
    if (first) {
      // VP8 frame tag: bit 0 (P) clear on keyframes, then the keyframe start code.
      p[16] = keyframe_ ? 0x10 : 0x11;
      if (keyframe_) {
        p[19] = 0x9d;
        p[20] = 0x01;
        p[21] = 0x2a;
      }
    }
    p[12 + kTagOffset] = publisher_index_;
    p[12 + kTagOffset + 1] = static_cast<std::uint8_t>(produced_ >> 24);
    p[12 + kTagOffset + 2] = static_cast<std::uint8_t>(produced_ >> 16);
    p[12 + kTagOffset + 3] = static_cast<std::uint8_t>(produced_ >> 8);
    p[12 + kTagOffset + 4] = static_cast<std::uint8_t>(produced_);
    ++produced_;
    ++sequence_;
    if (last) {
      index_in_frame_ = 0;
      timestamp_ += 90000 / kFramesPerSecond;
    } else {
      ++index_in_frame_;
    }
    return packet_size_;
  }

  static constexpr std::uint8_t kPayloadType = 96;

 private:
  std::uint8_t publisher_index_;
  std::uint32_t ssrc_;
  std::size_t packet_size_;
  std::uint32_t produced_ = 0;
  std::uint32_t packets_per_frame_ = 1;
  double packets_per_second_ = 0;
  std::uint32_t index_in_frame_ = 0;
  std::uint16_t sequence_ = 1000;
  std::uint32_t timestamp_ = 12345;
  std::uint16_t picture_id_ = 100;
  bool keyframe_wanted_ = true;  // the stream starts with one
  bool keyframe_ = false;
};

}  // namespace shoal::bench
