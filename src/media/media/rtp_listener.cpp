#include "media/rtp_listener.hpp"

#include "media/simulcast_layer.hpp"

#include <algorithm>
#include <string_view>

namespace shoal::media {

namespace {

std::string_view extension_text(const rtc::rtp::RtpPacket& packet, int extension_id) {
  if (extension_id <= 0) return {};
  auto value = packet.extension(extension_id);
  return {reinterpret_cast<const char*>(value.data()), value.size()};
}

}  // namespace

InboundBinding& RtpListener::binding(const std::string& mid) {
  auto found = std::find_if(bindings_.begin(), bindings_.end(), [&](const InboundBinding& b) { return b.mid == mid; });
  if (found != bindings_.end()) return *found;
  bindings_.push_back({});
  bindings_.back().mid = mid;
  return bindings_.back();
}

void RtpListener::rebuild() {
  by_ssrc_.clear();
  transport_cc_extension_id_ = 0;
  for (std::size_t i = 0; i < bindings_.size(); ++i) {
    const InboundBinding& binding = bindings_[i];
    if (transport_cc_extension_id_ == 0) transport_cc_extension_id_ = binding.transport_cc_extension_id;
    if (binding.producer == nullptr) continue;
    const auto streams = binding.producer->streams();
    for (int s = 0; s < static_cast<int>(streams.size()); ++s) {
      const ReceiveStream& stream = streams[static_cast<std::size_t>(s)];
      if (stream.ssrc() != 0) by_ssrc_[stream.ssrc()] = {i, s, false};
      if (stream.rtx_ssrc() != 0) by_ssrc_[stream.rtx_ssrc()] = {i, s, true};
    }
  }
}

RtpListener::Route RtpListener::to_route(const Entry& entry) const {
  const InboundBinding& binding = bindings_[entry.binding];
  return {binding.producer, &binding, entry.stream, entry.rtx};
}

RtpListener::Route RtpListener::find(std::uint32_t ssrc) const {
  if (ssrc == 0) return {};
  auto found = by_ssrc_.find(ssrc);
  return found == by_ssrc_.end() ? Route{} : to_route(found->second);
}

RtpListener::Route RtpListener::route(const rtc::rtp::RtpPacket& packet) {
  const std::uint32_t ssrc = packet.ssrc();
  if (ssrc == 0) return {};  // 0 marks streams not learned yet
  if (auto found = by_ssrc_.find(ssrc); found != by_ssrc_.end()) return to_route(found->second);
  return learn(packet);
}

RtpListener::Route RtpListener::learn(const rtc::rtp::RtpPacket& packet) {
  const std::uint32_t ssrc = packet.ssrc();
  for (std::size_t i = 0; i < bindings_.size(); ++i) {
    const InboundBinding& binding = bindings_[i];
    if (binding.producer == nullptr) continue;
    const Producer& producer = *binding.producer;
    const bool rtx_type = binding.rtx_payload_type && packet.payload_type() == *binding.rtx_payload_type;
    if (!rtx_type && packet.payload_type() != binding.payload_type) continue;
    if (producer.is_simulcast()) {
      const auto rid =
          extension_text(packet, rtx_type ? binding.repaired_rid_extension_id : binding.rid_extension_id);
      const auto& rids = producer.description().rids;
      if (rid.empty() || std::find(rids.begin(), rids.end(), rid) == rids.end()) continue;
      const auto stream = layer_of_rid(rid);
      if (!stream) continue;
      return bind(i, *stream, rtx_type, ssrc);
    }
    const bool listed = std::find(binding.ssrcs.begin(), binding.ssrcs.end(), ssrc) != binding.ssrcs.end() ||
                        (binding.rtx_ssrc && *binding.rtx_ssrc == ssrc);
    const auto mid = extension_text(packet, binding.mid_extension_id);
    if (listed || (!mid.empty() && mid == binding.mid)) return bind(i, 0, rtx_type, ssrc);
  }
  return {};
}

RtpListener::Route RtpListener::bind(std::size_t binding, int stream_index, bool rtx, std::uint32_t ssrc) {
  ReceiveStream& stream = bindings_[binding].producer->stream(stream_index);
  // The stream's previous SSRC (an encoder restart) no longer leads to it.
  const std::uint32_t previous = rtx ? stream.rtx_ssrc() : stream.ssrc();
  if (previous != 0) by_ssrc_.erase(previous);
  if (rtx) {
    stream.bind_rtx(ssrc);
  } else {
    stream.bind(ssrc, bindings_[binding].producer->description().clock_rate);
  }
  const Entry entry{binding, stream_index, rtx};
  by_ssrc_[ssrc] = entry;
  return to_route(entry);
}

}  // namespace shoal::media
