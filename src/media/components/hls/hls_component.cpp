#include "components/hls/hls_component.hpp"

#include "components/hls/hls_storage.hpp"
#include "components/hls/av_handles.hpp"
#include "components/hls/hls_pipeline.hpp"
#include "core/time.hpp"
#include "log/log.hpp"

#include <algorithm>
#include <cstring>

namespace shoal::components::hls {

namespace {

// About five seconds of a 2 Mbit/s camera plus its sound.
constexpr std::size_t kQueuePackets = 1024;
constexpr auto kMaxSleep = std::chrono::milliseconds(5);

class NoticeForwarder final : public HlsPipelineEvents {
 public:
  explicit NoticeForwarder(const std::function<void(HlsNotice)>& notices) : notices_(notices) {}
  void on_keyframe_needed(std::uint32_t track_key) override {
    notices_({HlsNotice::Kind::KeyframeNeeded, track_key, {}});
  }
  void on_playable() override { notices_({HlsNotice::Kind::Playable, 0, {}}); }

 private:
  const std::function<void(HlsNotice)>& notices_;
};

}  // namespace

HlsComponent::HlsComponent(HlsComponentSettings settings)
    : settings_(std::move(settings)), packets_(kQueuePackets), thread_((route_ffmpeg_log(), [this] { run(); })) {}

HlsComponent::~HlsComponent() {
  stopping_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
  if (!settings_.persistent) HlsStorage(settings_.directory).remove_all();
}

std::uint32_t HlsComponent::add_track(bool video) {
  const std::uint32_t key = next_key_++;
  std::lock_guard lock(control_mutex_);
  control_.push_back({true, video, key});
  return key;
}

void HlsComponent::remove_track(std::uint32_t key) {
  std::lock_guard lock(control_mutex_);
  control_.push_back({false, false, key});
}

void HlsComponent::push(std::uint32_t key, std::uint32_t ssrc, std::uint16_t sequence_number,
                        std::uint32_t timestamp, bool marker, std::span<const std::uint8_t> payload) {
  if (payload.size() > TrackPacket::kMaxPayload) {
    ++dropped_;
    return;
  }
  staging_.track_key = key;
  staging_.ssrc = ssrc;
  staging_.sequence_number = sequence_number;
  staging_.timestamp = timestamp;
  staging_.marker = marker;
  staging_.size = static_cast<std::uint16_t>(payload.size());
  std::memcpy(staging_.payload.data(), payload.data(), payload.size());
  if (!packets_.push(staging_)) ++dropped_;
}

void HlsComponent::run() noexcept {
  // Every line of this thread (the pipeline's, ffmpeg's) is about this component.
  const logging::Scope log_scope(logging::component(settings_.room_id, settings_.component_id));
  NoticeForwarder forwarder(settings_.notices);
  try {
    HlsPipeline pipeline({settings_.directory, settings_.low_latency, settings_.room_id, settings_.live_index,
                          settings_.window_seconds, settings_.min_free_bytes},
                         forwarder);
    std::vector<Control> control;
    while (!stopping_.load(std::memory_order_acquire)) {
      {
        std::lock_guard lock(control_mutex_);
        control.swap(control_);
      }
      for (const Control& change : control) {
        if (change.add) {
          pipeline.add_track(change.key, change.video);
        } else {
          pipeline.remove_track(change.key);
        }
      }
      control.clear();
      auto now = core::now();
      packets_.consume_all([&](const TrackPacket& packet) { pipeline.on_packet(packet, now); });
      now = core::now();
      const auto next = pipeline.run_until(now);
      std::this_thread::sleep_until(std::min(next, now + kMaxSleep));
    }
    pipeline.finish();
  } catch (const std::exception& error) {
    spdlog::error("HLS component of room \"{}\" crashed: {}", settings_.room_id, error.what());
    settings_.notices({HlsNotice::Kind::Crashed, 0, error.what()});
  } catch (...) {
    spdlog::error("HLS component of room \"{}\" crashed: unknown exception", settings_.room_id);
    settings_.notices({HlsNotice::Kind::Crashed, 0, "unknown exception"});
  }
}

}  // namespace shoal::components::hls
