// RTP from an RTSP source is untrusted: run arbitrary packets (2-byte length prefix each) through
// the parameter-set inserter and the depacketizer behind it, as the RTSP component's packet path
// does, checking that every inserted packet parses and carries the configured sets.
#include "rtc/rtp/h264_depacketizer.hpp"
#include "rtc/rtp/h264_parameter_sets.hpp"
#include "rtc/rtp/rtp_packet.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

using namespace shoal::rtc::rtp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  H264ParameterSetInserter inserter({{0x67, 0x42, 0xc0, 0x1e}, {0x68, 0xce, 0x3c, 0x80}});
  H264Depacketizer depacketizer(64 * 1024);
  std::array<std::uint8_t, 1500> inserted{};
  std::vector<std::uint8_t> packet;
  std::span<const std::uint8_t> input(data, size);
  while (input.size() >= 2) {
    const std::size_t length = std::min<std::size_t>((std::size_t{input[0]} << 8 | input[1]) % 1500, input.size() - 2);
    packet.assign(input.begin() + 2, input.begin() + 2 + static_cast<std::ptrdiff_t>(length));
    input = input.subspan(2 + length);
    auto parsed = RtpPacket::parse(packet);
    if (!parsed) continue;
    if (const std::size_t extra = inserter.process(*parsed, inserted)) {
      auto stap = RtpPacket::parse(std::span(inserted.data(), extra));
      if (!stap || h264_nal_types(stap->payload()) != ((1u << 7) | (1u << 8))) std::abort();
      (void)depacketizer.push(stap->sequence_number(), stap->timestamp(), stap->marker(), stap->payload());
    }
    (void)depacketizer.push(parsed->sequence_number(), parsed->timestamp(), parsed->marker(), parsed->payload());
  }
  return 0;
}
