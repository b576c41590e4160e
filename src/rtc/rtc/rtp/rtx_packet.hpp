#pragma once
// RTX retransmission format (RFC 4588 section 4): the RTX packet has its own PT/SSRC/seq and its
// payload starts with the original sequence number (OSN), followed by the original payload.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtp {

// Turns a received RTX packet back into the original in place, without copying the payload: the
// header (incl. CSRCs/extensions) is moved 2 bytes forward over the OSN, then seq = OSN and
// PT/SSRC are set to the original stream's. Returns the span of the restored packet (a suffix
// of `rtx`), or nullopt when it is not a valid RTP packet or carries no OSN (an RTX padding
// probe, which the caller just drops).
std::optional<std::span<std::uint8_t>> rtx_unwrap(std::span<std::uint8_t> rtx, std::uint8_t original_payload_type,
                                                  std::uint32_t original_ssrc);

// Builds the RTX packet for a stored original into `out`: same header fields and extensions,
// RTX PT/SSRC/seq, OSN prepended to the payload, original padding dropped. Returns the length,
// or nullopt when `original` does not parse or `out` is too small.
std::optional<std::size_t> rtx_wrap(std::span<const std::uint8_t> original, std::span<std::uint8_t> out,
                                    std::uint8_t rtx_payload_type, std::uint32_t rtx_ssrc,
                                    std::uint16_t rtx_sequence_number);

}  // namespace shoal::rtc::rtp
