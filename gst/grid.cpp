#include "grid.h"

#include <algorithm>
#include <cmath>

namespace edgeinfer::gst {

namespace {

// One running-sum pass along a line of `n` samples spaced `stride` apart.
void box_line(const float* in, float* out, int n, int stride, int r) {
  float sum = 0;
  const int first = std::min(r, n - 1);
  for (int i = 0; i <= first; ++i)
    sum += in[i * stride];
  const float full = 1.0f / (2 * r + 1);
  for (int i = 0; i < n; ++i) {
    const int lo = std::max(0, i - r), hi = std::min(n - 1, i + r);
    const float inv = hi - lo == 2 * r ? full : 1.0f / (hi - lo + 1);
    out[i * stride] = sum * inv;
    if (i + r + 1 < n) sum += in[(i + r + 1) * stride];
    if (i - r >= 0) sum -= in[(i - r) * stride];
  }
}

}  // namespace

void box_mean(const Grid& in, int radius, Grid& out, std::vector<float>& scratch) {
  const int w = in.width, h = in.height, r = radius;
  scratch.resize(in.v.size());
  for (int y = 0; y < h; ++y) {
    box_line(in.row(y), scratch.data() + static_cast<size_t>(y) * w, w, 1, r);
  }
  if (&out != &in) out.resize(w, h);
  // Vertical pass a whole row at a time: running column sums, sequential memory access.
  std::vector<float> sums(w, 0.0f);
  const auto srow = [&](int y) { return scratch.data() + static_cast<size_t>(y) * w; };
  for (int y = 0; y <= std::min(r, h - 1); ++y) {
    const float* s = srow(y);
    for (int x = 0; x < w; ++x)
      sums[x] += s[x];
  }
  const float full = 1.0f / (2 * r + 1);
  for (int y = 0; y < h; ++y) {
    const int lo = std::max(0, y - r), hi = std::min(h - 1, y + r);
    const float inv = hi - lo == 2 * r ? full : 1.0f / (hi - lo + 1);
    float* o = out.row(y);
    for (int x = 0; x < w; ++x)
      o[x] = sums[x] * inv;
    if (y + r + 1 < h) {
      const float* s = srow(y + r + 1);
      for (int x = 0; x < w; ++x)
        sums[x] += s[x];
    }
    if (y - r >= 0) {
      const float* s = srow(y - r);
      for (int x = 0; x < w; ++x)
        sums[x] -= s[x];
    }
  }
}

void expand_row(const float* row, int grid_width, float cell, int out_width, float* out) {
  const float inv = 1.0f / cell;
  int x = 0;
  while (x < out_width && (x + 0.5f) * inv - 0.5f <= 0)
    out[x++] = row[0];
  for (int c = 0; c + 1 < grid_width && x < out_width; ++c) {
    const float v0 = row[c], dv = row[c + 1] - row[c];
    // Samples whose grid coordinate lies in (c, c + 1].
    const int end = std::min(out_width, static_cast<int>(std::floor((c + 1.5f) * cell - 0.5f)) + 1);
    const float base = 0.5f * inv - 0.5f - c;
    for (; x < end; ++x)
      out[x] = v0 + dv * (x * inv + base);
  }
  while (x < out_width)
    out[x++] = row[grid_width - 1];
}

void expand_columns(const Grid& in, float cell, int out_width, Grid& out) {
  out.resize(out_width, in.height);
  for (int y = 0; y < in.height; ++y)
    expand_row(in.row(y), in.width, cell, out_width, out.row(y));
}

void resample_bilinear(const Grid& in, Grid& out) {
  const float sx = static_cast<float>(in.width) / out.width;
  const float sy = static_cast<float>(in.height) / out.height;
  for (int y = 0; y < out.height; ++y) {
    const float py = std::clamp((y + 0.5f) * sy - 0.5f, 0.0f, static_cast<float>(in.height - 1));
    const int y0 = static_cast<int>(py), y1 = std::min(y0 + 1, in.height - 1);
    const float fy = py - y0;
    float* o = out.row(y);
    for (int x = 0; x < out.width; ++x) {
      const float px = std::clamp((x + 0.5f) * sx - 0.5f, 0.0f, static_cast<float>(in.width - 1));
      const int x0 = static_cast<int>(px), x1 = std::min(x0 + 1, in.width - 1);
      const float fx = px - x0;
      const float top = in.at(x0, y0) * (1 - fx) + in.at(x1, y0) * fx;
      const float bottom = in.at(x0, y1) * (1 - fx) + in.at(x1, y1) * fx;
      o[x] = top * (1 - fy) + bottom * fy;
    }
  }
}

}  // namespace edgeinfer::gst
