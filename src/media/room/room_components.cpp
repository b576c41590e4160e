// Components of a room. HLS: the broadcast runs on its own thread (components/hls); the room
// feeds it every published track's packets and answers what it reports back, on its loop.
// RTSP sources: room_rtsp.cpp.
#include "room/media_timer.hpp"
#include "room/room.hpp"

#include "core/uuid.hpp"
#include "log/log.hpp"

#include <boost/asio/post.hpp>

#include <filesystem>

namespace shoal::room {

core::Result<AddedComponent, RoomError> Room::start_hls(const ComponentOptions& options) {
  Component component{core::make_uuid_v4(), options, false, nullptr};
  components::hls::HlsComponentSettings settings;
  settings.room_id = id_;
  settings.component_id = component.id;
  settings.directory = std::filesystem::path(settings_.output_base_path) / "hls_output" / id_;
  settings.low_latency = options.low_latency;
  settings.persistent = options.persistent;
  settings.window_seconds = options.target_window_seconds;
  settings.min_free_bytes = settings_.hls_min_free_bytes;
  settings.live_index = settings_.hls_live_index;
  settings.notices = [&loop = loop_, alive = std::weak_ptr<bool>(alive_), this,
                      id = component.id](components::hls::HlsNotice notice) {
    boost::asio::post(loop, [alive, this, id, notice = std::move(notice)] {
      auto room_alive = alive.lock();
      if (!room_alive || !*room_alive) return;
      guard_room([&] { on_hls_notice(id, notice); });
    });
  };
  component.hls = std::make_unique<components::hls::HlsComponent>(std::move(settings));
  AddedComponent added{component.id, component_json(component)};
  hls_feed_ = std::make_unique<HlsFeed>(*component.hls);
  router_.attach(*hls_feed_);
  components_.push_back(std::move(component));
  for (auto& track : tracks_) hls_feed_->add(*track);
  logging::info(logging::component(id_, added.id), "Added component \"{}\" (hls{}) to room \"{}\"", added.id,
                options.low_latency ? ", low latency" : "", id_);
  publish_snapshot();
  return added;
}

void Room::on_hls_notice(const std::string& component_id, const components::hls::HlsNotice& notice) {
  auto it = std::find_if(components_.begin(), components_.end(),
                         [&](const Component& c) { return c.id == component_id; });
  if (it == components_.end() || !it->hls) return;  // removed or crashed meanwhile
  using Kind = components::hls::HlsNotice::Kind;
  switch (notice.kind) {
    case Kind::KeyframeNeeded:
      if (hls_feed_) hls_feed_->request_keyframe(notice.track_key, core::now());
      return;
    case Kind::Playable:
      if (it->playable) return;
      it->playable = true;
      publish_snapshot();
      if (settings_.bus) settings_.bus->publish({notifications::ServerEventKind::HlsPlayable, id_, component_id});
      return;
    case Kind::Crashed:
      logging::error(logging::component(id_, component_id), "Component \"{}\" of room \"{}\" crashed: {}", component_id,
                     id_, notice.reason);
      stop_hls(*it);
      if (settings_.bus) {
        settings_.bus->publish({notifications::ServerEventKind::ComponentCrashed, id_, component_id});
      }
      return;
  }
}

void Room::stop_hls(Component& component) {
  if (!component.hls) return;
  // One broadcast per room: every track's key belongs to it.
  if (hls_feed_) {
    router_.detach(*hls_feed_);
    hls_feed_.reset();
  }
  component.hls.reset();
}

void Room::stop_components() {
  for (auto& component : components_) {
    stop_hls(component);
    stop_rtsp(component, false);
  }
}

}  // namespace shoal::room
