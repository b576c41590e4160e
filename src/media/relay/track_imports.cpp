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
  for (const auto& imported : imports_) {
    if (imported->mirror() != nullptr) router_.remove_producer(*imported->mirror());
  }
}

PublisherLink& TrackImports::link(std::uint32_t key) {
  if (Import* known = find_import(key)) return *known;
  return *imports_.emplace_back(std::make_unique<Import>(*this, key));
}

void TrackImports::attach(std::uint32_t key, Producer& mirror) {
  static_cast<void>(link(key));
  find_import(key)->set_mirror(&mirror);
}

void TrackImports::remove(std::uint32_t key) {
  auto found = std::find_if(imports_.begin(), imports_.end(), [&](const auto& imported) { return imported->key() == key; });
  if (found == imports_.end()) return;
  if ((*found)->mirror() != nullptr) router_.remove_producer(*(*found)->mirror());
  imports_.erase(found);
}

TrackImports::Import* TrackImports::find_import(std::uint32_t key) {
  for (const auto& imported : imports_) {
    if (imported->key() == key) return imported.get();
  }
  return nullptr;
}

Producer* TrackImports::find(std::uint32_t key) {
  Import* imported = find_import(key);
  return imported != nullptr ? imported->mirror() : nullptr;
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
    if (!pli || mirror_ == nullptr) continue;
    int stream = mirror_->stream_index(pli->media_ssrc());
    // Before its first packet a plain track's stream is known by its SDP SSRC only.
    if (stream < 0 && !mirror_->is_simulcast()) stream = 0;
    if (stream >= 0) owner_.relay_->request_keyframe(key_, stream);
  }
}

}  // namespace shoal::media
