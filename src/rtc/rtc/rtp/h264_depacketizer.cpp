#include "rtc/rtp/h264_depacketizer.hpp"

#include "rtc/rtp/h264_nal.hpp"

namespace shoal::rtc::rtp {

namespace {

constexpr std::uint8_t kStartCode[] = {0, 0, 0, 1};

}  // namespace

void H264Depacketizer::reset() {
  building_.clear();
  have_unit_ = false;
  corrupt_ = false;
  in_fragment_ = false;
  has_idr_ = false;
  waiting_keyframe_ = true;
  have_sequence_ = false;
}

void H264Depacketizer::start(std::uint32_t timestamp) {
  building_.clear();
  have_unit_ = true;
  corrupt_ = false;
  in_fragment_ = false;
  has_idr_ = false;
  timestamp_ = timestamp;
}

bool H264Depacketizer::append_nal(std::span<const std::uint8_t> nal) {
  if (nal.empty() || (nal[0] & 0x80) != 0) return false;  // forbidden_zero_bit
  if (building_.size() + sizeof(kStartCode) + nal.size() > max_bytes_) return false;
  if ((nal[0] & 0x1f) == h264::kNalIdr) has_idr_ = true;
  building_.insert(building_.end(), std::begin(kStartCode), std::end(kStartCode));
  building_.insert(building_.end(), nal.begin(), nal.end());
  return true;
}

bool H264Depacketizer::append_payload(std::span<const std::uint8_t> payload) {
  if (payload.empty()) return false;
  const std::uint8_t type = payload[0] & 0x1f;
  if (type >= 1 && type <= 23) {
    if (in_fragment_) return false;  // the rest of a fragmented NAL never came
    return append_nal(payload);
  }
  if (type == h264::kStapA) {
    if (in_fragment_) return false;
    std::size_t offset = 1;
    bool any = false;
    while (offset + 2 <= payload.size()) {
      const std::size_t size = (std::size_t{payload[offset]} << 8) | payload[offset + 1];
      offset += 2;
      if (size == 0 || offset + size > payload.size()) return false;
      if (!append_nal(payload.subspan(offset, size))) return false;
      offset += size;
      any = true;
    }
    return any && offset == payload.size();
  }
  if (type == h264::kFuA) {
    if (payload.size() < 3) return false;
    const std::uint8_t header = payload[1];
    const bool first = (header & 0x80) != 0;
    const bool last = (header & 0x40) != 0;
    if (first == in_fragment_) return false;  // a start inside a run, or a middle without one
    auto data = payload.subspan(2);
    if (first) {
      const std::uint8_t nal_header = static_cast<std::uint8_t>((payload[0] & 0xe0) | (header & 0x1f));
      if ((nal_header & 0x80) != 0 || (nal_header & 0x1f) == 0) return false;
      if (building_.size() + sizeof(kStartCode) + 1 + data.size() > max_bytes_) return false;
      if ((nal_header & 0x1f) == h264::kNalIdr) has_idr_ = true;
      building_.insert(building_.end(), std::begin(kStartCode), std::end(kStartCode));
      building_.push_back(nal_header);
    } else if (building_.size() + data.size() > max_bytes_) {
      return false;
    }
    building_.insert(building_.end(), data.begin(), data.end());
    in_fragment_ = !last;
    return true;
  }
  return false;  // STAP-B, MTAP, FU-B: not used in WebRTC (packetization-mode 1)
}

std::optional<H264Depacketizer::AccessUnit> H264Depacketizer::finish() {
  const bool usable = have_unit_ && !corrupt_ && !in_fragment_ && !building_.empty();
  have_unit_ = false;
  if (!usable) {
    if (corrupt_ || in_fragment_) {
      ++dropped_;
      waiting_keyframe_ = true;
    }
    return std::nullopt;
  }
  if (waiting_keyframe_ && !has_idr_) {
    ++dropped_;
    return std::nullopt;
  }
  waiting_keyframe_ = false;
  finished_.swap(building_);
  building_.clear();
  return AccessUnit{std::span(finished_), timestamp_, has_idr_};
}

std::optional<H264Depacketizer::AccessUnit> H264Depacketizer::push(std::uint16_t sequence_number,
                                                                   std::uint32_t timestamp, bool marker,
                                                                   std::span<const std::uint8_t> payload) {
  if (have_sequence_) {
    const auto delta = static_cast<std::uint16_t>(sequence_number - last_sequence_);
    if (delta == 0 || delta >= 0x8000) return std::nullopt;  // duplicate or late: already given up on
    if (delta != 1 && have_unit_) corrupt_ = true;         // a packet in between is missing
    if (delta != 1 && !have_unit_) waiting_keyframe_ = true;
  }
  have_sequence_ = true;
  last_sequence_ = sequence_number;

  std::optional<AccessUnit> result;
  if (have_unit_ && timestamp != timestamp_) {
    // The previous unit ended without its marker (the marked packet was lost, or the sender
    // omits it): a lost tail makes it corrupt, since we cannot know it was complete.
    corrupt_ = true;
    result = finish();
  }
  if (!have_unit_) start(timestamp);
  if (!append_payload(payload)) corrupt_ = true;
  if (marker) {
    auto unit = finish();
    if (unit) result = unit;
  }
  return result;
}

}  // namespace shoal::rtc::rtp
