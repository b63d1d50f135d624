// Background blur built from background pixels only: each colour component is reduced to the
// mask grid, multiplied by a background weight (1 - alpha, sharpened), blurred with three box
// passes (close to a Gaussian, cost independent of the radius), and divided by the blurred
// weight. Person pixels contribute nothing, so no halo of the person leaks into the blur.
#pragma once

#include <vector>

#include "grid.h"
#include "video_planes.h"

namespace edgeinfer::gst {

class BackgroundBlur {
 public:
  // `alpha` is the mask on the grid (cell = `alpha_scale` frame pixels); an empty grid means
  // "all background" (blur the whole frame). The blur runs on a grid `factor` times coarser
  // (cell = alpha_scale * factor frame pixels); `radius` is in those cells.
  void compute(const FrameView& frame, const Grid& alpha, int alpha_scale, int factor, int radius);
  // Blurred component `c`, expanded to the component's width (see Background::grids).
  const Grid& component(int c) const { return wide_[c]; }

 private:
  Grid blurred_[3], wide_[3], weight_, blurred_weight_, component_;
  std::vector<float> scratch_;
  ExpandTaps taps_[2];  // full-width and subsampled components
};

}  // namespace edgeinfer::gst
