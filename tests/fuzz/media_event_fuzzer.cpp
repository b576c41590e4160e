// Media events arrive as JSON text from any connected peer.
#include "core/json_limits.hpp"
#include "signaling/media_event.hpp"
#include "signaling/negotiation_event.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = shoal::signaling::parse_client_event(text);
  if (parsed) {
    const shoal::signaling::ClientEvent* event = &*parsed;
    // Whatever metadata a client sends is echoed to others: the builders must take it.
    if (auto* connect = std::get_if<shoal::signaling::Connect>(event)) {
      shoal::signaling::connected_event("me", {{"other", "webrtc", connect->metadata}});
      shoal::signaling::endpoint_added_event({"me", "webrtc", connect->metadata});
    } else if (auto* update = std::get_if<shoal::signaling::UpdateEndpointMetadata>(event)) {
      shoal::signaling::endpoint_updated_event("me", update->metadata);
      (void)shoal::signaling::oversized_metadata(update->metadata);
    } else if (auto* custom = std::get_if<shoal::signaling::CustomEvent>(event)) {
      // sdpOffer's envelope: the SDP text itself goes through sdp_fuzzer.
      if (auto offer = shoal::signaling::parse_sdp_offer(custom->data)) {
        for (const auto& [track_id, metadata] : offer->track_metadata) {
          (void)shoal::signaling::oversized_metadata(metadata);
        }
      }
    }
  }
  shoal::core::parse_untrusted_json(text);
  return 0;
}
