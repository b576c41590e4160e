#include <gtest/gtest.h>

#include <vector>

#include "rtc/stun/channel_data.hpp"
#include "rtc/stun/stun_message_builder.hpp"
#include "rtc/turn/turn_stream_framer.hpp"

namespace shoal::rtc::turn {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes stream_of_frames(std::vector<Bytes>& frames) {
  Bytes stun;
  stun::StunMessageBuilder(stun, stun::StunMethod::Binding, stun::StunClass::Request, stun::TransactionId{})
      .add_string(stun::StunAttr::Username, "abc")
      .add_fingerprint();
  Bytes channel;
  const Bytes payload = {1, 2, 3, 4, 5};
  stun::ChannelData::build(channel, 0x4001, payload, true);
  Bytes empty_channel;
  stun::ChannelData::build(empty_channel, 0x4002, {}, true);
  frames = {stun, channel, empty_channel, stun};
  Bytes all;
  for (const auto& f : frames) all.insert(all.end(), f.begin(), f.end());
  return all;
}

TEST(RtcTurnStreamFramer, ConcatenatedAndSplitInput) {
  std::vector<Bytes> frames;
  const Bytes all = stream_of_frames(frames);
  // Every chunk size, including one byte at a time and all at once.
  for (std::size_t chunk = 1; chunk <= all.size(); ++chunk) {
    TurnStreamFramer framer;
    std::vector<Bytes> got;
    for (std::size_t at = 0; at < all.size(); at += chunk) {
      const auto piece = std::span(all).subspan(at, std::min(chunk, all.size() - at));
      EXPECT_EQ(framer.feed(piece, [&](std::span<const std::uint8_t> f) { got.emplace_back(f.begin(), f.end()); }),
                FramingError::None);
    }
    EXPECT_EQ(got, frames) << chunk;
    EXPECT_EQ(framer.buffered(), 0u);
  }
}

TEST(RtcTurnStreamFramer, ReportsErrors) {
  TurnStreamFramer framer;
  int frames = 0;
  const Bytes bad = {0x80, 0x00, 0x00, 0x00};
  EXPECT_EQ(framer.feed(bad, [&](auto) { ++frames; }), FramingError::UnknownFrameType);
  const Bytes good = {0x40, 0x00, 0x00, 0x00};
  EXPECT_EQ(framer.feed(good, [&](auto) { ++frames; }), FramingError::UnknownFrameType);  // stays failed
  EXPECT_EQ(frames, 0);

  TurnStreamFramer stun_length;
  const Bytes odd = {0x00, 0x01, 0x00, 0x05};
  EXPECT_EQ(stun_length.feed(std::span(odd).first(2), [&](auto) { ++frames; }), FramingError::None);
  EXPECT_EQ(stun_length.feed(std::span(odd).subspan(2), [&](auto) { ++frames; }), FramingError::BadStunLength);
}

TEST(RtcTurnStreamFramer, LargestFrameIsBounded) {
  TurnStreamFramer framer;
  Bytes big(4 + 0xFFFF + 1, 0xAA);  // ChannelData max length + 1 byte padding
  big[0] = 0x40;
  big[1] = 0x00;
  big[2] = 0xFF;
  big[3] = 0xFF;
  std::size_t size = 0;
  EXPECT_EQ(framer.feed(std::span(big).first(1000), [&](auto f) { size = f.size(); }), FramingError::None);
  EXPECT_EQ(framer.buffered(), 1000u);
  EXPECT_EQ(framer.feed(std::span(big).subspan(1000), [&](auto f) { size = f.size(); }), FramingError::None);
  EXPECT_EQ(size, big.size());
  EXPECT_LE(big.size(), TurnStreamFramer::kMaxFrame);
}

}  // namespace
}  // namespace shoal::rtc::turn
