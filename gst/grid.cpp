#include "grid.h"

#include <algorithm>

namespace edgeinfer::gst {

namespace {

// One running-sum pass along a line of `n` samples spaced `stride` apart.
void box_line(const float* in, float* out, int n, int stride, int r) {
  double sum = 0;
  const int first = std::min(r, n - 1);
  for (int i = 0; i <= first; ++i)
    sum += in[i * stride];
  for (int i = 0; i < n; ++i) {
    const int lo = std::max(0, i - r), hi = std::min(n - 1, i + r);
    out[i * stride] = static_cast<float>(sum / (hi - lo + 1));
    if (i + r + 1 < n) sum += in[(i + r + 1) * stride];
    if (i - r >= 0) sum -= in[(i - r) * stride];
  }
}

}  // namespace

void box_mean(const Grid& in, int radius, Grid& out, std::vector<float>& scratch) {
  const int w = in.width, h = in.height;
  scratch.resize(in.v.size());
  for (int y = 0; y < h; ++y)
    box_line(in.row(y), scratch.data() + static_cast<size_t>(y) * w, w, 1, radius);
  if (&out != &in) out.resize(w, h);
  for (int x = 0; x < w; ++x)
    box_line(scratch.data() + x, out.v.data() + x, h, w, radius);
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
