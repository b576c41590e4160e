#include "rtc/rtcp/rtcp_compound.hpp"

#include "rtc/common/big_endian.hpp"

namespace shoal::rtc::rtcp {

std::optional<RtcpPacketView> read_packet(std::span<const std::uint8_t> buffer, std::size_t position) {
  if (position > buffer.size() || buffer.size() - position < 4) return std::nullopt;
  auto rest = buffer.subspan(position);
  if ((rest[0] >> 6) != 2) return std::nullopt;
  const std::size_t total = (std::size_t{load_u16(rest, 2)} + 1) * 4;
  if (total > rest.size()) return std::nullopt;
  RtcpPacketView view;
  view.count = rest[0] & 0x1F;
  view.type = rest[1];
  view.offset = position;
  view.packet = rest.first(total);
  std::size_t body_size = total - 4;
  if (rest[0] & 0x20) {
    // Padding count is the packet's last byte and includes itself (RFC 3550 6.4.1).
    const std::size_t padding = view.packet.back();
    if (padding == 0 || padding > body_size) return std::nullopt;
    body_size -= padding;
  }
  view.body = view.packet.subspan(4, body_size);
  return view;
}

std::optional<RtcpCompound> RtcpCompound::parse(std::span<const std::uint8_t> buffer) {
  if (buffer.empty()) return std::nullopt;
  RtcpCompound compound(buffer);
  std::size_t position = 0;
  while (position < buffer.size()) {
    auto view = read_packet(buffer, position);
    if (!view) return std::nullopt;
    position += view->packet.size();
    ++compound.packet_count_;
  }
  return compound;
}

RtcpCompound::Iterator::Iterator(std::span<const std::uint8_t> buffer, std::size_t position)
    : buffer_(buffer), position_(position) {
  load();
}

void RtcpCompound::Iterator::load() {
  // parse() already validated every header, so a failure here only means "at the end".
  if (auto view = read_packet(buffer_, position_)) {
    view_ = *view;
  } else {
    position_ = buffer_.size();
    view_ = RtcpPacketView{};
  }
}

RtcpCompound::Iterator& RtcpCompound::Iterator::operator++() {
  position_ += view_.packet.size();
  load();
  return *this;
}

}  // namespace shoal::rtc::rtcp
