#include "relay/track_imports.hpp"

#include "rtc/rtcp/picture_loss_indication.hpp"
#include "rtc/rtcp/rtcp_compound.hpp"
#include "rtc/rtcp/rtcp_header.hpp"

#include <algorithm>

namespace shoal::media {

TrackImports::TrackImports(std::shared_ptr<LoopRelay> relay, Router& router)
    : relay_(std::move(relay)), router_(router) {
  relay_->set_receiver(this);
}

TrackImports::~TrackImports() {
  relay_->set_receiver(nullptr);
  for (const auto& imported : imports_) router_.remove_producer(imported->producer());
}

Producer& TrackImports::add(std::uint32_t key, TrackDescription description, nlohmann::json metadata,
                            int transport_cc_extension_id) {
  if (Producer* known = find(key)) return *known;
  auto& imported =
      imports_.emplace_back(std::make_unique<Import>(*this, key, std::move(description), std::move(metadata)));
  imported->producer().set_transport_cc_extension_id(transport_cc_extension_id);
  return imported->producer();
}

void TrackImports::remove(std::uint32_t key) {
  auto found = std::find_if(imports_.begin(), imports_.end(), [&](const auto& imported) { return imported->key() == key; });
  if (found == imports_.end()) return;
  router_.remove_producer((*found)->producer());
  imports_.erase(found);
}

Producer* TrackImports::find(std::uint32_t key) {
  for (const auto& imported : imports_) {
    if (imported->key() == key) return &imported->producer();
  }
  return nullptr;
}

void TrackImports::on_relayed_packet(RelayedPacket& relayed) {
  Producer* producer = find(relayed.track);
  auto packet = rtc::rtp::RtpPacket::parse(std::span(relayed.bytes.data(), relayed.size));
  if (producer == nullptr || !packet || relayed.stream >= Producer::kMaxStreams) {
    ++unrouted_;
    return;
  }
  const int stream = relayed.stream;
  const auto ingest = producer->receive_relayed(stream, *packet, relayed.keyframe, relayed.retransmitted, relayed.arrival);
  if (!ingest.forward) return;
  router_.route(*producer, stream, *packet, ingest.keyframe, relayed.retransmitted, core::now(), forward_buffer_);
}

void TrackImports::Import::send_feedback(std::span<std::uint8_t> buffer, std::size_t length) {
  // The mirror only ever asks for keyframes (it tracks no losses: the origin NACKs its
  // publisher). Which stream is meant is found from the SSRC the PLI names.
  auto compound = rtc::rtcp::RtcpCompound::parse(buffer.first(std::min(length, buffer.size())));
  if (!compound) return;
  for (const auto& view : *compound) {
    if (view.type != rtc::rtcp::kPayloadFeedback || view.count != rtc::rtcp::PictureLossIndication::kFormat) continue;
    auto pli = rtc::rtcp::PictureLossIndication::parse(view);
    if (!pli) continue;
    int stream = -1;
    for (int i = 0; i < Producer::kMaxStreams; ++i) {
      if (producer_.stream(i).ssrc() == pli->media_ssrc()) stream = i;
    }
    // Before its first packet a plain track's stream is known by its SDP SSRC only.
    if (stream < 0 && !producer_.is_simulcast()) stream = 0;
    if (stream >= 0) owner_.relay_->request_keyframe(key_, stream);
  }
}

}  // namespace shoal::media
