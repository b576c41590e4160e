// H264 RTP payloads reach the HLS pipeline from any publisher: reinterpret the input as a run of
// packets (a 4-byte header each: sequence step, timestamp step and marker, payload length) and
// feed them to the depacketizer, checking that every access unit it hands out is Annex B.
#include "rtc/rtp/h264_depacketizer.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

using namespace shoal::rtc::rtp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  H264Depacketizer depacketizer(64 * 1024);
  std::span<const std::uint8_t> input(data, size);
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  while (input.size() >= 4) {
    const std::uint8_t step = input[0];
    const bool marker = (input[1] & 0x80) != 0;
    timestamp += (input[1] & 0x7f) * 90u;
    const std::size_t length = (std::size_t{input[2]} << 8 | input[3]) % 1500;
    input = input.subspan(4);
    const auto payload = input.first(std::min(length, input.size()));
    input = input.subspan(payload.size());
    sequence = static_cast<std::uint16_t>(sequence + (step % 4 == 0 ? 1 : step % 4));
    if (auto unit = depacketizer.push(sequence, timestamp, marker, payload)) {
      const auto bytes = unit->annex_b;
      if (bytes.size() < 5 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0 || bytes[3] != 1) std::abort();
    }
  }
  return 0;
}
