// Arbitrary TCP byte streams, cut into chunks chosen by the input, through the TURN framer; every
// frame must be within bounds and self-consistent.
#include <cstddef>
#include <cstdint>
#include <span>

#include "rtc/stun/channel_data.hpp"
#include "rtc/stun/stun_message.hpp"
#include "rtc/turn/turn_stream_framer.hpp"

using namespace shoal::rtc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = std::size_t{data[0]} + 1;
  std::span<const std::uint8_t> stream(data + 1, size - 1);
  turn::TurnStreamFramer framer;
  std::size_t framed = 0;
  while (!stream.empty()) {
    const auto piece = stream.first(std::min(chunk, stream.size()));
    const auto error = framer.feed(piece, [&](std::span<const std::uint8_t> frame) {
      if (frame.size() < 4 || frame.size() > turn::TurnStreamFramer::kMaxFrame) __builtin_trap();
      framed += frame.size();
      if ((frame[0] & 0xC0) == 0x40) {
        const auto cd = stun::ChannelData::parse(frame);
        if (!cd || stun::ChannelData::frame_size(cd->payload().size(), true) != frame.size()) __builtin_trap();
      } else {
        (void)stun::StunMessage::parse(frame);
      }
    });
    if (error != turn::FramingError::None) break;
    stream = stream.subspan(piece.size());
  }
  if (framer.buffered() > turn::TurnStreamFramer::kMaxFrame) __builtin_trap();
  return 0;
}
