#include "guided_upsample.h"

#include <algorithm>

#include "vector_clones.h"

namespace edgeinfer::gst {

int grid_scale_for(int frame_width) {
  return std::max(1, (frame_width + 160) / 320);
}

namespace {

// Points at the frame's Y (or grey) plane, or computes luma from RGB into `storage`.
const uint8_t* luma_plane(const FrameView& f, std::vector<uint8_t>& storage, int& stride) {
  if ((f.yuv || f.components == 1) && f.comp[0].pixel_stride == 1) {
    stride = f.comp[0].row_stride;
    return f.comp[0].data;
  }
  storage.resize(static_cast<size_t>(f.width) * f.height);
  stride = f.width;
  for (int y = 0; y < f.height; ++y) {
    uint8_t* o = storage.data() + static_cast<size_t>(y) * f.width;
    if (f.yuv || f.components == 1) {
      const uint8_t* r = f.comp[0].row(y);
      const int ps = f.comp[0].pixel_stride;
      for (int x = 0; x < f.width; ++x)
        o[x] = r[x * ps];
    } else {
      const uint8_t* r = f.comp[0].row(y);
      const uint8_t* g = f.comp[1].row(y);
      const uint8_t* b = f.comp[2].row(y);
      const int ps = f.comp[0].pixel_stride;
      for (int x = 0; x < f.width; ++x) {
        o[x] = static_cast<uint8_t>((77 * r[x * ps] + 150 * g[x * ps] + 29 * b[x * ps]) >> 8);
      }
    }
  }
  return storage.data();
}

// One row of alpha from the coefficient rows above and below; restrict and branch-free
// clamps let the compiler vectorise it.
EI_VECTOR_CLONES
void alpha_row(const float* __restrict a0, const float* __restrict a1, const float* __restrict b0,
               const float* __restrict b1, float fy, const uint8_t* __restrict luma,
               uint8_t* __restrict out, int n) {
  for (int x = 0; x < n; ++x) {
    const float av = a0[x] + (a1[x] - a0[x]) * fy;
    const float bv = b0[x] + (b1[x] - b0[x]) * fy;
    float v = av * luma[x] + bv;
    v = v < 0 ? 0 : v;
    v = v > 255 ? 255 : v;
    out[x] = static_cast<uint8_t>(static_cast<int>(v));
  }
}

// sums[x] = the sum over `rows` rows (from `first`, `stride` bytes apart) of column x.
EI_VECTOR_CLONES
void add_rows(const uint8_t* first, int stride, int rows, int width, uint16_t* __restrict sums) {
  std::fill(sums, sums + width, uint16_t{0});
  for (int r = 0; r < rows; ++r) {
    const uint8_t* __restrict l = first + static_cast<ptrdiff_t>(r) * stride;
    for (int x = 0; x < width; ++x)
      sums[x] = static_cast<uint16_t>(sums[x] + l[x]);
  }
}

}  // namespace

void GuidedUpsampler::prepare(const FrameView& frame, const Grid& prob, int radius, float eps) {
  width_ = frame.width;
  height_ = frame.height;
  scale_ = grid_scale_for(width_);
  const int gw = (width_ + scale_ - 1) / scale_, gh = (height_ + scale_ - 1) / scale_;
  luma_ = luma_plane(frame, luma_storage_, luma_stride_);

  // Guide: luma averaged over each grid cell, in [0,1]. The cell's rows are first added up
  // column by column (16 bits hold 255 * scale: scale stays below 257), a loop the compiler
  // vectorises, then each cell's columns.
  guide_.resize(gw, gh);
  column_sums_.resize(width_);
  for (int gy = 0; gy < gh; ++gy) {
    const int y0 = gy * scale_, y1 = std::min(height_, y0 + scale_);
    uint16_t* sums = column_sums_.data();
    add_rows(luma_ + static_cast<size_t>(y0) * luma_stride_, luma_stride_, y1 - y0, width_, sums);
    float* g = guide_.row(gy);
    for (int gx = 0; gx < gw; ++gx) {
      const int x0 = gx * scale_, x1 = std::min(width_, x0 + scale_);
      uint32_t sum = 0;
      for (int x = x0; x < x1; ++x)
        sum += sums[x];
      g[gx] = sum / (255.0f * ((x1 - x0) * (y1 - y0)));
    }
  }

  p_.resize(gw, gh);
  resample_bilinear(prob, p_, prob_taps_, scratch_);

  // a = cov(I,p) / (var(I) + eps), b = mean(p) - a mean(I), then both averaged.
  Grid& mean_i = tmp1_;
  Grid& mean_p = tmp2_;
  box_mean(guide_, radius, mean_i, scratch_);
  box_mean(p_, radius, mean_p, scratch_);
  a_.resize(gw, gh);
  b_.resize(gw, gh);
  for (size_t i = 0; i < a_.v.size(); ++i) {
    a_.v[i] = guide_.v[i] * p_.v[i];
    b_.v[i] = guide_.v[i] * guide_.v[i];
  }
  box_mean(a_, radius, a_, scratch_);  // mean(I p)
  box_mean(b_, radius, b_, scratch_);  // mean(I I)
  for (size_t i = 0; i < a_.v.size(); ++i) {
    const float cov = a_.v[i] - mean_i.v[i] * mean_p.v[i];
    const float var = b_.v[i] - mean_i.v[i] * mean_i.v[i];
    a_.v[i] = cov / (var + eps);
    b_.v[i] = mean_p.v[i] - a_.v[i] * mean_i.v[i];
  }
  box_mean(a_, radius, a_, scratch_);
  box_mean(b_, radius, b_, scratch_);
}

void GuidedUpsampler::alpha_grid(const SoftThreshold& curve, Grid& out) const {
  out.resize(guide_.width, guide_.height);
  for (size_t i = 0; i < out.v.size(); ++i) {
    out.v[i] = curve.alpha(a_.v[i] * guide_.v[i] + b_.v[i]) / 255.0f;
  }
}

void GuidedUpsampler::alpha_plane(const SoftThreshold& curve, std::vector<uint8_t>& out) {
  out.resize(static_cast<size_t>(width_) * height_);
  const float cell = static_cast<float>(scale_);
  // Fold the curve into the coefficients once per grid cell: alpha = a' * luma + b', with the
  // luma in [0,255] (the guide was in [0,1]) and +0.5 for rounding.
  Grid& a = tmp1_;
  Grid& b = tmp2_;
  a.resize(a_.width, a_.height);
  b.resize(b_.width, b_.height);
  for (size_t i = 0; i < a.v.size(); ++i) {
    a.v[i] = a_.v[i] * curve.gain / 255.0f;
    b.v[i] = (b_.v[i] - curve.lo) * curve.gain + 0.5f;
  }
  expand_columns(a, cell, width_, wide_a_, expand_taps_);
  expand_columns(b, cell, width_, wide_b_, expand_taps_);
  for (int y = 0; y < height_; ++y) {
    int y0, y1;
    float fy;
    grid_rows_for(y, cell, a_.height, y0, y1, fy);
    alpha_row(wide_a_.row(y0), wide_a_.row(y1), wide_b_.row(y0), wide_b_.row(y1), fy,
              luma_ + static_cast<size_t>(y) * luma_stride_,
              out.data() + static_cast<size_t>(y) * width_, width_);
  }
}

}  // namespace edgeinfer::gst
