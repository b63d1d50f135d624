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

// Where each of `out_width` samples falls on a row of `grid_width` grid samples, `cell` output
// samples per grid sample (sample x sits at grid coordinate (x + 0.5) / cell - 0.5, clamped at
// both ends): the grid sample on its left and the weight of the one on its right. Computed
// once per geometry, so that expanding a row is a plain loop without divisions.
struct ExpandTaps {
  int grid_width = -1, out_width = -1;
  float cell = 0;
  std::vector<int> index;
  std::vector<float> weight;
  void prepare(int grid_width, float cell, int out_width);
};

// Every row of `in` interpolated to `out_width` columns; rows stay at grid spacing, so that the
// vertical interpolation per output row is a plain, vectorisable blend.
void expand_columns(const Grid& in, float cell, int out_width, Grid& out, ExpandTaps& taps);

// Rows of a grid (cell = `scale` output rows) that output row y interpolates, and the weight.
inline void grid_rows_for(int y, float cell, int grid_height, int& y0, int& y1, float& f) {
  float g = (y + 0.5f) / cell - 0.5f;
  g = g < 0 ? 0 : g > grid_height - 1 ? static_cast<float>(grid_height - 1) : g;
  y0 = static_cast<int>(g);
  y1 = y0 + 1 < grid_height ? y0 + 1 : grid_height - 1;
  f = g - y0;
}

// Bilinear resample of `in` to `out`'s size (pixel centres aligned, edges clamped).
void resample_bilinear(const Grid& in, Grid& out, ExpandTaps& taps, std::vector<float>& row);

}  // namespace edgeinfer::gst
