#pragma once
// Reassembles H264 access units from RTP payloads (RFC 6184: single NAL unit packets, STAP-A,
// FU-A) into Annex B byte streams a decoder takes. A lost packet drops the access unit it
// belonged to, and everything after it up to the next IDR, so a decoder never sees a picture
// that refers to one it did not get.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace shoal::rtc::rtp {

class H264Depacketizer {
 public:
  struct AccessUnit {
    std::span<const std::uint8_t> annex_b;  // valid until the next push()
    std::uint32_t timestamp = 0;
    bool keyframe = false;  // carries an IDR slice
  };

  explicit H264Depacketizer(std::size_t max_access_unit_bytes = 4u << 20) : max_bytes_(max_access_unit_bytes) {}

  // One RTP packet of the stream, in arrival order. Returns the access unit this packet
  // completes (its marker bit, or the first packet of the next timestamp), if any.
  std::optional<AccessUnit> push(std::uint16_t sequence_number, std::uint32_t timestamp, bool marker,
                                 std::span<const std::uint8_t> payload);

  // Forget everything (a new SSRC); the next access unit must be a keyframe.
  void reset();

  // True while output is held back until an IDR arrives: the caller should ask for one.
  bool waiting_keyframe() const { return waiting_keyframe_; }
  std::uint64_t dropped_access_units() const { return dropped_; }

 private:
  bool append_nal(std::span<const std::uint8_t> nal);
  bool append_payload(std::span<const std::uint8_t> payload);
  std::optional<AccessUnit> finish();
  void start(std::uint32_t timestamp);

  std::size_t max_bytes_;
  std::vector<std::uint8_t> building_;
  std::vector<std::uint8_t> finished_;
  bool have_unit_ = false;      // building_ belongs to timestamp_
  bool corrupt_ = false;        // a packet of this unit was lost or malformed
  bool in_fragment_ = false;    // inside an FU-A run
  bool has_idr_ = false;
  bool waiting_keyframe_ = true;
  bool have_sequence_ = false;
  std::uint16_t last_sequence_ = 0;
  std::uint32_t timestamp_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace shoal::rtc::rtp
