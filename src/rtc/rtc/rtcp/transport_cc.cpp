#include "rtc/rtcp/transport_cc.hpp"

#include "rtc/common/big_endian.hpp"

#include <algorithm>
#include <array>

namespace shoal::rtc::rtcp {

namespace {

constexpr std::int64_t kTickUs = 250;
constexpr std::int64_t kReferenceUnitUs = 64'000;
constexpr std::size_t kFixedSize = FeedbackHeader::kSize + 8;  // + base, count, reference, fb count

enum Symbol : std::uint8_t { kNotReceivedSymbol = 0, kSmallDelta = 1, kLargeDelta = 2 };

constexpr std::size_t kTwoBitCapacity = 7;
constexpr std::size_t kOneBitCapacity = 14;
constexpr std::size_t kMaxRunLength = 0x1FFF;

// Packs status symbols into chunks the way libwebrtc does, so browsers see the usual shapes:
// symbols collect until the next one fits no chunk type; then a run (all equal), a 1-bit vector
// (14 symbols, no large delta) or a 2-bit vector of the first 7 (the rest carry over) is emitted.
class ChunkEncoder {
 public:
  bool can_add(Symbol s) const {
    if (size_ < kTwoBitCapacity) return true;
    if (size_ < kOneBitCapacity && !has_large_ && s != kLargeDelta) return true;
    return size_ < kMaxRunLength && all_same_ && symbols_[0] == s;
  }
  void add(Symbol s) {
    if (size_ < kOneBitCapacity) symbols_[size_] = s;
    all_same_ = all_same_ && (size_ == 0 || symbols_[0] == s);
    has_large_ = has_large_ || s == kLargeDelta;
    ++size_;
  }
  bool empty() const { return size_ == 0; }
  std::uint16_t emit() {
    if (all_same_) {
      const std::uint16_t chunk = run();
      clear();
      return chunk;
    }
    if (size_ == kOneBitCapacity) {
      const std::uint16_t chunk = one_bit();
      clear();
      return chunk;
    }
    const std::uint16_t chunk = two_bit(kTwoBitCapacity);
    const std::size_t rest = size_ - kTwoBitCapacity;
    clear();
    for (std::size_t i = 0; i < rest; ++i) add(symbols_[kTwoBitCapacity + i]);
    return chunk;
  }
  // The final, possibly partial chunk.
  std::uint16_t last() const {
    if (all_same_) return run();
    if (size_ <= kTwoBitCapacity) return two_bit(size_);
    return one_bit();
  }

 private:
  void clear() {
    size_ = 0;
    all_same_ = true;
    has_large_ = false;
  }
  std::uint16_t run() const { return static_cast<std::uint16_t>((symbols_[0] << 13) | size_); }
  std::uint16_t one_bit() const {
    std::uint16_t chunk = 0x8000;
    for (std::size_t i = 0; i < size_; ++i) chunk |= static_cast<std::uint16_t>(symbols_[i] << (13 - i));
    return chunk;
  }
  std::uint16_t two_bit(std::size_t count) const {
    std::uint16_t chunk = 0xC000;
    for (std::size_t i = 0; i < count; ++i) chunk |= static_cast<std::uint16_t>(symbols_[i] << (2 * (6 - i)));
    return chunk;
  }

  std::array<Symbol, kOneBitCapacity> symbols_{};
  std::size_t size_ = 0;
  bool all_same_ = true;
  bool has_large_ = false;
};

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

std::optional<TransportCc> TransportCc::parse(const RtcpPacketView& view) {
  if (view.type != kTransportFeedback || view.count != kFormat) return std::nullopt;
  auto header = FeedbackHeader::parse(view);
  if (!header || header->fci.size() < 8) return std::nullopt;
  TransportCc cc;
  cc.header_ = *header;
  cc.base_sequence_number_ = load_u16(header->fci, 0);
  cc.packet_status_count_ = load_u16(header->fci, 2);
  std::uint32_t reference = load_u24(header->fci, 4);
  if (reference & 0x800000) reference |= 0xFF000000;
  cc.reference_time_ = static_cast<std::int32_t>(reference);
  cc.feedback_packet_count_ = header->fci[7];
  return cc;
}

std::optional<std::size_t> TransportCc::packet_results(std::span<PacketResult> out) const {
  const std::size_t count = packet_status_count_;
  if (out.size() < count) return std::nullopt;
  const auto data = status_data();
  std::size_t position = 0;
  std::size_t filled = 0;
  auto put = [&](std::uint8_t symbol) {
    out[filled] = PacketResult{static_cast<std::uint16_t>(base_sequence_number_ + filled), symbol != 0,
                               static_cast<std::int32_t>(symbol)};  // symbol kept here until deltas
    ++filled;
  };
  while (filled < count) {
    if (position + 2 > data.size()) return std::nullopt;
    const std::uint16_t chunk = load_u16(data, position);
    position += 2;
    if ((chunk & 0x8000) == 0) {
      const auto symbol = static_cast<std::uint8_t>((chunk >> 13) & 0x3);
      if (symbol == 3) return std::nullopt;
      const std::size_t run = std::min<std::size_t>(chunk & 0x1FFF, count - filled);
      for (std::size_t i = 0; i < run; ++i) put(symbol);
    } else if ((chunk & 0x4000) == 0) {
      for (std::size_t i = 0; i < kOneBitCapacity && filled < count; ++i) put((chunk >> (13 - i)) & 0x1);
    } else {
      for (std::size_t i = 0; i < kTwoBitCapacity && filled < count; ++i) {
        const auto symbol = static_cast<std::uint8_t>((chunk >> (2 * (6 - i))) & 0x3);
        if (symbol == 3) return std::nullopt;
        put(symbol);
      }
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (!out[i].received) continue;
    if (out[i].delta_ticks == kSmallDelta) {
      if (position + 1 > data.size()) return std::nullopt;
      out[i].delta_ticks = data[position];
      position += 1;
    } else {
      if (position + 2 > data.size()) return std::nullopt;
      out[i].delta_ticks = static_cast<std::int16_t>(load_u16(data, position));
      position += 2;
    }
  }
  return count;
}

std::optional<TransportCcWritten> write_transport_cc(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                                     std::uint32_t media_ssrc, std::uint16_t base_sequence,
                                                     std::uint8_t feedback_packet_count,
                                                     std::span<const std::int64_t> arrivals_us) {
  if (arrivals_us.empty() || arrivals_us[0] < 0) return std::nullopt;
  const std::int64_t reference = arrivals_us[0] / kReferenceUnitUs;
  std::int64_t last_us = reference * kReferenceUnitUs;

  std::array<std::uint16_t, kTransportCcMaxReported> chunks{};
  std::size_t chunk_count = 0;
  std::array<std::uint8_t, 2 * kTransportCcMaxReported> deltas{};
  std::size_t delta_bytes = 0;
  ChunkEncoder encoder;
  std::size_t reported = 0;

  const std::size_t limit = std::min(arrivals_us.size(), kTransportCcMaxReported);
  for (; reported < limit; ++reported) {
    const std::int64_t arrival = arrivals_us[reported];
    Symbol symbol = kNotReceivedSymbol;
    std::int64_t ticks = 0;
    if (arrival >= 0) {
      ticks = floor_div(arrival - last_us, kTickUs);
      if (ticks >= 0 && ticks <= 0xFF) {
        symbol = kSmallDelta;
      } else if (ticks >= INT16_MIN && ticks <= INT16_MAX) {
        symbol = kLargeDelta;
      } else {
        break;  // a gap this long starts a new feedback packet with its own reference time
      }
    }
    // Worst case after this symbol: two more chunks (a carried-over tail and a new one).
    const std::size_t delta_size = symbol == kLargeDelta ? 2 : symbol == kSmallDelta ? 1 : 0;
    const std::size_t projected = kFixedSize + 2 * (chunk_count + 2) + delta_bytes + delta_size;
    if ((projected + 3) / 4 * 4 > out.size()) break;

    if (!encoder.can_add(symbol)) chunks[chunk_count++] = encoder.emit();
    encoder.add(symbol);
    if (symbol == kSmallDelta) {
      deltas[delta_bytes++] = static_cast<std::uint8_t>(ticks);
    } else if (symbol == kLargeDelta) {
      store_u16(deltas, delta_bytes, static_cast<std::uint16_t>(static_cast<std::int16_t>(ticks)));
      delta_bytes += 2;
    }
    if (symbol != kNotReceivedSymbol) last_us += ticks * kTickUs;
  }
  if (reported == 0) return std::nullopt;
  if (!encoder.empty()) chunks[chunk_count++] = encoder.last();

  const std::size_t unpadded = kFixedSize + 2 * chunk_count + delta_bytes;
  const std::size_t total = (unpadded + 3) / 4 * 4;
  if (total > out.size()) return std::nullopt;  // unreachable: checked per symbol
  write_header(out, TransportCc::kFormat, kTransportFeedback, total);
  store_u32(out, 4, sender_ssrc);
  store_u32(out, 8, media_ssrc);
  store_u16(out, 12, base_sequence);
  store_u16(out, 14, static_cast<std::uint16_t>(reported));
  const auto reference24 = static_cast<std::uint32_t>(reference) & 0xFFFFFF;
  store_u32(out, 16, (reference24 << 8) | feedback_packet_count);
  std::size_t at = kFixedSize;
  for (std::size_t i = 0; i < chunk_count; ++i, at += 2) store_u16(out, at, chunks[i]);
  std::copy_n(deltas.begin(), delta_bytes, out.begin() + static_cast<std::ptrdiff_t>(at));
  at += delta_bytes;
  // RFC 3550 padding: P bit set, the last byte counts the padding bytes.
  const std::size_t padding = total - unpadded;
  if (padding > 0) {
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(at), out.begin() + static_cast<std::ptrdiff_t>(total), 0);
    out[total - 1] = static_cast<std::uint8_t>(padding);
    out[0] |= 0x20;
  }
  return TransportCcWritten{total, reported};
}

}  // namespace shoal::rtc::rtcp
