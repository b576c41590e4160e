#pragma once
// Lays the rooms' pictures out on one canvas (the HLS output's 1920x1080 I420 frame): a grid
// with as many cells as there are pictures, each scaled to fit its cell with its aspect kept.
#include "components/hls/av_handles.hpp"

#include <cstddef>
#include <vector>

namespace shoal::components::hls {

struct CellRect {
  int x = 0, y = 0, width = 0, height = 0;
};

// Where picture `index` of `count` (source size `source_width` x `source_height`) goes on a
// canvas: a near-square grid, filled row by row; all coordinates even, as I420 needs.
CellRect place_picture(std::size_t index, std::size_t count, int canvas_width, int canvas_height,
                       int source_width, int source_height);

class VideoCompositor {
 public:
  VideoCompositor(int width, int height);
  ~VideoCompositor();
  VideoCompositor(const VideoCompositor&) = delete;
  VideoCompositor& operator=(const VideoCompositor&) = delete;

  // Draws `pictures` (nulls are skipped) on a black canvas and returns it. The frame stays
  // owned by the compositor and is valid until the next compose().
  AVFrame* compose(const std::vector<const AVFrame*>& pictures);

 private:
  int width_, height_;
  FramePtr canvas_ = make_frame();
  std::vector<SwsContext*> scalers_;  // one per position, owned (freed in the destructor)
};

}  // namespace shoal::components::hls
