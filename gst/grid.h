// A small float image (the low-resolution working grid of the mask and the blur) and the
// separable box mean every filter here is built from.
#pragma once

#include <cstddef>
#include <vector>

namespace edgeinfer::gst {

struct Grid {
  int width = 0;
  int height = 0;
  std::vector<float> v;

  void resize(int w, int h) {
    width = w;
    height = h;
    v.resize(static_cast<size_t>(w) * h);
  }
  float* row(int y) { return v.data() + static_cast<size_t>(y) * width; }
  const float* row(int y) const { return v.data() + static_cast<size_t>(y) * width; }
  float at(int x, int y) const { return v[static_cast<size_t>(y) * width + x]; }
};

// Mean over a (2r+1)x(2r+1) window clipped at the borders (each output divided by the number
// of samples inside the frame). Running sums: cost independent of the radius. `out` may be `in`.
void box_mean(const Grid& in, int radius, Grid& out, std::vector<float>& scratch);

// Bilinear resample of `in` to `out`'s size (pixel centres aligned, edges clamped).
void resample_bilinear(const Grid& in, Grid& out);

}  // namespace edgeinfer::gst
