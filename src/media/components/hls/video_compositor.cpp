#include "components/hls/video_compositor.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

extern "C" {
#include <libavutil/imgutils.h>
}

namespace shoal::components::hls {

CellRect place_picture(std::size_t index, std::size_t count, int canvas_width, int canvas_height,
                       int source_width, int source_height) {
  if (count == 0 || index >= count || source_width <= 0 || source_height <= 0) return {};
  const auto columns = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(count))));
  const std::size_t rows = (count + columns - 1) / columns;
  const int cell_width = canvas_width / static_cast<int>(columns);
  const int cell_height = canvas_height / static_cast<int>(rows);
  const std::size_t row = index / columns;
  // A last row that is not full is centred.
  const std::size_t in_row = row + 1 == rows ? count - row * columns : columns;
  const int row_offset = (canvas_width - static_cast<int>(in_row) * cell_width) / 2;
  const int cell_x = row_offset + static_cast<int>(index % columns) * cell_width;
  const int cell_y = static_cast<int>(row) * cell_height;

  const double scale = std::min(static_cast<double>(cell_width) / source_width,
                                static_cast<double>(cell_height) / source_height);
  auto even = [](double v) { return std::max(2, static_cast<int>(v) & ~1); };
  CellRect rect;
  rect.width = std::min(even(source_width * scale), cell_width & ~1);
  rect.height = std::min(even(source_height * scale), cell_height & ~1);
  rect.x = (cell_x + (cell_width - rect.width) / 2) & ~1;
  rect.y = (cell_y + (cell_height - rect.height) / 2) & ~1;
  return rect;
}

VideoCompositor::VideoCompositor(int width, int height) : width_(width), height_(height) {
  canvas_->format = AV_PIX_FMT_YUV420P;
  canvas_->width = width;
  canvas_->height = height;
  check_av(av_frame_get_buffer(canvas_.get(), 0), "allocating the canvas");
}

VideoCompositor::~VideoCompositor() {
  for (SwsContext* scaler : scalers_) sws_freeContext(scaler);
}

AVFrame* VideoCompositor::compose(const std::vector<const AVFrame*>& pictures) {
  // The encoder may still hold the previous canvas: draw on a buffer of our own.
  check_av(av_frame_make_writable(canvas_.get()), "reusing the canvas");
  // Black in limited-range YUV.
  std::memset(canvas_->data[0], 16, static_cast<std::size_t>(canvas_->linesize[0]) * height_);
  std::memset(canvas_->data[1], 128, static_cast<std::size_t>(canvas_->linesize[1]) * (height_ / 2));
  std::memset(canvas_->data[2], 128, static_cast<std::size_t>(canvas_->linesize[2]) * (height_ / 2));

  std::size_t count = 0;
  for (const AVFrame* picture : pictures) count += picture != nullptr;
  if (scalers_.size() < count) scalers_.resize(count, nullptr);
  std::size_t index = 0;
  for (const AVFrame* picture : pictures) {
    if (picture == nullptr) continue;
    const CellRect rect = place_picture(index, count, width_, height_, picture->width, picture->height);
    SwsContext*& scaler = scalers_[index++];
    if (rect.width <= 0 || rect.height <= 0) continue;
    scaler = sws_getCachedContext(scaler, picture->width, picture->height,
                                  static_cast<AVPixelFormat>(picture->format), rect.width, rect.height,
                                  AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr, nullptr);
    if (scaler == nullptr) continue;  // a format swscale cannot read: leave the cell black
    std::uint8_t* planes[3] = {
        canvas_->data[0] + rect.y * canvas_->linesize[0] + rect.x,
        canvas_->data[1] + (rect.y / 2) * canvas_->linesize[1] + rect.x / 2,
        canvas_->data[2] + (rect.y / 2) * canvas_->linesize[2] + rect.x / 2,
    };
    sws_scale(scaler, picture->data, picture->linesize, 0, picture->height, planes, canvas_->linesize);
  }
  return canvas_.get();
}

}  // namespace shoal::components::hls
