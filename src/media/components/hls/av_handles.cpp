#include "components/hls/av_handles.hpp"

#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace shoal::components::hls {

namespace {

std::string describe(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof(text));
  return text;
}

}  // namespace

AvError::AvError(const std::string& what, int code) : std::runtime_error(what + ": " + describe(code)) {}

int check_av(int code, const char* what) {
  if (code < 0) throw AvError(what, code);
  return code;
}

void route_ffmpeg_log() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_callback([](void* object, int level, const char* format, va_list arguments) {
      if (level > AV_LOG_VERBOSE) return;
      char line[1024];
      int prefix = 1;
      av_log_format_line2(object, level, format, arguments, line, sizeof(line), &prefix);
      std::string_view text(line);
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
      if (text.empty()) return;
      if (level <= AV_LOG_ERROR) {
        spdlog::error("ffmpeg: {}", text);
      } else if (level <= AV_LOG_WARNING) {
        spdlog::warn("ffmpeg: {}", text);
      } else {
        spdlog::debug("ffmpeg: {}", text);
      }
    });
  });
}

FramePtr make_frame() {
  FramePtr frame(av_frame_alloc());
  if (!frame) throw std::bad_alloc();
  return frame;
}

PacketPtr make_packet() {
  PacketPtr packet(av_packet_alloc());
  if (!packet) throw std::bad_alloc();
  return packet;
}

}  // namespace shoal::components::hls
