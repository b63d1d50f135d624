#include "grid.h"

#include <algorithm>
#include <cmath>

#include "vector_clones.h"

namespace edgeinfer::gst {

namespace {

// Window sums along a line of `n` samples, divided by the number of samples inside the line.
// The interior (full windows) is summed tap by tap across the whole line, a loop the compiler
// vectorises; a running sum would be a chain of dependent additions, one per sample. Wide
// windows (blur radii) use the running sum with the difference taken off the chain.
EI_VECTOR_CLONES
void box_line(const float* __restrict in, float* __restrict out, int n, int r) {
  const float full = 1.0f / (2 * r + 1);
  const int lo = std::min(r, n), hi = std::max(lo, n - r);  // full windows: [lo, hi)
  auto clipped = [&](int i) {
    const int a = std::max(0, i - r), b = std::min(n - 1, i + r);
    float sum = 0;
    for (int j = a; j <= b; ++j)
      sum += in[j];
    out[i] = sum / static_cast<float>(b - a + 1);
  };
  for (int i = 0; i < lo; ++i)
    clipped(i);
  for (int i = hi; i < n; ++i)
    clipped(i);
  if (hi <= lo) return;
  if (r <= 12) {
    for (int i = lo; i < hi; ++i)
      out[i] = in[i - r];
    for (int k = 1 - r; k <= r; ++k) {
      const float* __restrict tap = in + k;
      for (int i = lo; i < hi; ++i)
        out[i] += tap[i];
    }
    for (int i = lo; i < hi; ++i)
      out[i] *= full;
    return;
  }
  float sum = 0;
  for (int j = 0; j <= 2 * r; ++j)
    sum += in[j];
  out[lo] = sum * full;
  for (int i = lo + 1; i < hi; ++i) {
    sum += in[i + r] - in[i - r - 1];
    out[i] = sum * full;
  }
}

// The vertical pass a whole row at a time: running column sums, sequential memory access.
EI_VECTOR_CLONES
void box_columns(const float* __restrict rows, int w, int h, int r, float* __restrict sums,
                 Grid& out) {
  const auto srow = [&](int y) { return rows + static_cast<size_t>(y) * w; };
  std::fill(sums, sums + w, 0.0f);
  for (int y = 0; y <= std::min(r, h - 1); ++y) {
    const float* s = srow(y);
    for (int x = 0; x < w; ++x)
      sums[x] += s[x];
  }
  const float full = 1.0f / (2 * r + 1);
  for (int y = 0; y < h; ++y) {
    const int lo = std::max(0, y - r), hi = std::min(h - 1, y + r);
    const float inv = hi - lo == 2 * r ? full : 1.0f / (hi - lo + 1);
    float* __restrict o = out.row(y);
    for (int x = 0; x < w; ++x)
      o[x] = sums[x] * inv;
    const float* add = y + r + 1 < h ? srow(y + r + 1) : nullptr;
    const float* sub = y - r >= 0 ? srow(y - r) : nullptr;
    if (add && sub) {
      for (int x = 0; x < w; ++x)
        sums[x] += add[x] - sub[x];
    } else if (add) {
      for (int x = 0; x < w; ++x)
        sums[x] += add[x];
    } else if (sub) {
      for (int x = 0; x < w; ++x)
        sums[x] -= sub[x];
    }
  }
}

}  // namespace

void box_mean(const Grid& in, int radius, Grid& out, std::vector<float>& scratch) {
  const int w = in.width, h = in.height, r = radius;
  // The horizontal pass's rows, then the running column sums: one buffer, reused every frame.
  scratch.resize(in.v.size() + w);
  for (int y = 0; y < h; ++y) {
    box_line(in.row(y), scratch.data() + static_cast<size_t>(y) * w, w, r);
  }
  if (&out != &in) out.resize(w, h);
  box_columns(scratch.data(), w, h, r, scratch.data() + in.v.size(), out);
}

void ExpandTaps::prepare(int gw, float c, int ow) {
  if (gw == grid_width && c == cell && ow == out_width) return;
  grid_width = gw;
  cell = c;
  out_width = ow;
  index.resize(ow);
  weight.resize(ow);
  const float inv = 1.0f / c;
  for (int x = 0; x < ow; ++x) {
    float g = (x + 0.5f) * inv - 0.5f;
    g = std::clamp(g, 0.0f, static_cast<float>(gw - 1));
    // The left sample is at most the second to last, so that index + 1 is inside the row.
    const int i = std::min(static_cast<int>(g), std::max(0, gw - 2));
    index[x] = i;
    weight[x] = gw > 1 ? g - i : 0.0f;
  }
}

namespace {

EI_VECTOR_CLONES
void expand_row(const float* __restrict row, const int* __restrict index,
                const float* __restrict weight, int n, float* __restrict out) {
  for (int x = 0; x < n; ++x) {
    const float v0 = row[index[x]], v1 = row[index[x] + 1];
    out[x] = v0 + (v1 - v0) * weight[x];
  }
}

EI_VECTOR_CLONES
void lerp_into(const float* __restrict r0, const float* __restrict r1, float f, int n,
               float* __restrict out) {
  for (int x = 0; x < n; ++x)
    out[x] = r0[x] + (r1[x] - r0[x]) * f;
}

}  // namespace

void expand_columns(const Grid& in, float cell, int out_width, Grid& out, ExpandTaps& taps) {
  out.resize(out_width, in.height);
  if (in.width == 1) {
    for (int y = 0; y < in.height; ++y)
      std::fill(out.row(y), out.row(y) + out_width, in.row(y)[0]);
    return;
  }
  taps.prepare(in.width, cell, out_width);
  for (int y = 0; y < in.height; ++y)
    expand_row(in.row(y), taps.index.data(), taps.weight.data(), out_width, out.row(y));
}

void resample_bilinear(const Grid& in, Grid& out, ExpandTaps& taps, std::vector<float>& row) {
  // Rows first (a blend of two input rows), then along the row: separable, same result as
  // interpolating the four neighbours.
  const float sy = static_cast<float>(in.height) / out.height;
  row.resize(in.width);
  if (in.width > 1) taps.prepare(in.width, static_cast<float>(out.width) / in.width, out.width);
  for (int y = 0; y < out.height; ++y) {
    const float py = std::clamp((y + 0.5f) * sy - 0.5f, 0.0f, static_cast<float>(in.height - 1));
    const int y0 = static_cast<int>(py), y1 = std::min(y0 + 1, in.height - 1);
    lerp_into(in.row(y0), in.row(y1), py - y0, in.width, row.data());
    if (in.width == 1) {
      std::fill(out.row(y), out.row(y) + out.width, row[0]);
    } else {
      expand_row(row.data(), taps.index.data(), taps.weight.data(), out.width, out.row(y));
    }
  }
}

}  // namespace edgeinfer::gst
