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

// Linear interpolation of one grid row to `out_width` samples, `cell` samples per grid cell
// (sample x sits at grid coordinate (x + 0.5) / cell - 0.5; clamped at both ends). Written
// segment by segment so that the inner loop has no divisions or gathers.
void expand_row(const float* row, int grid_width, float cell, int out_width, float* out);

// Every row of `in` expanded to `out_width` columns (expand_row); rows stay at grid spacing,
// so that the vertical interpolation per output row is a plain, vectorisable blend.
void expand_columns(const Grid& in, float cell, int out_width, Grid& out);

// out[x] = r0[x] + (r1[x] - r0[x]) * f
inline void lerp_rows(const float* r0, const float* r1, float f, int n, float* out) {
  for (int x = 0; x < n; ++x)
    out[x] = r0[x] + (r1[x] - r0[x]) * f;
}

// Rows of a grid (cell = `scale` output rows) that output row y interpolates, and the weight.
inline void grid_rows_for(int y, float cell, int grid_height, int& y0, int& y1, float& f) {
  float g = (y + 0.5f) / cell - 0.5f;
  g = g < 0 ? 0 : g > grid_height - 1 ? static_cast<float>(grid_height - 1) : g;
  y0 = static_cast<int>(g);
  y1 = y0 + 1 < grid_height ? y0 + 1 : grid_height - 1;
  f = g - y0;
}

// Bilinear resample of `in` to `out`'s size (pixel centres aligned, edges clamped).
void resample_bilinear(const Grid& in, Grid& out);

}  // namespace edgeinfer::gst
