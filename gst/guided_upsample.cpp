#include "guided_upsample.h"

#include <algorithm>

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

}  // namespace

void GuidedUpsampler::prepare(const FrameView& frame, const Grid& prob, int radius, float eps) {
  width_ = frame.width;
  height_ = frame.height;
  scale_ = grid_scale_for(width_);
  const int gw = (width_ + scale_ - 1) / scale_, gh = (height_ + scale_ - 1) / scale_;
  luma_ = luma_plane(frame, luma_storage_, luma_stride_);

  // Guide: luma averaged over each grid cell, in [0,1].
  guide_.resize(gw, gh);
  std::vector<uint32_t> sums(gw);
  for (int gy = 0; gy < gh; ++gy) {
    std::fill(sums.begin(), sums.end(), 0u);
    const int y0 = gy * scale_, y1 = std::min(height_, y0 + scale_);
    for (int y = y0; y < y1; ++y) {
      const uint8_t* l = luma_ + static_cast<size_t>(y) * luma_stride_;
      for (int gx = 0; gx < gw; ++gx) {
        const int x0 = gx * scale_, x1 = std::min(width_, x0 + scale_);
        uint32_t sum = 0;
        for (int x = x0; x < x1; ++x)
          sum += l[x];
        sums[gx] += sum;
      }
    }
    float* g = guide_.row(gy);
    for (int gx = 0; gx < gw; ++gx) {
      const int cells = (std::min(width_, (gx + 1) * scale_) - gx * scale_) * (y1 - y0);
      g[gx] = sums[gx] / (255.0f * cells);
    }
  }

  p_.resize(gw, gh);
  resample_bilinear(prob, p_);

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
  expand_columns(a_, cell, width_, wide_a_);
  expand_columns(b_, cell, width_, wide_b_);
  full_a_.resize(width_);
  full_b_.resize(width_);
  // The luma below is in [0,255]: fold the guide's 1/255 and the curve into a and b.
  const float gain = curve.gain;
  const float a_scale = gain / 255.0f;
  for (int y = 0; y < height_; ++y) {
    int y0, y1;
    float fy;
    grid_rows_for(y, cell, a_.height, y0, y1, fy);
    lerp_rows(wide_a_.row(y0), wide_a_.row(y1), fy, width_, full_a_.data());
    lerp_rows(wide_b_.row(y0), wide_b_.row(y1), fy, width_, full_b_.data());
    const uint8_t* l = luma_ + static_cast<size_t>(y) * luma_stride_;
    uint8_t* o = out.data() + static_cast<size_t>(y) * width_;
    const float* fa = full_a_.data();
    const float* fb = full_b_.data();
    const float offset = -curve.lo * gain + 0.5f;
    for (int x = 0; x < width_; ++x) {
      const float v = fa[x] * a_scale * l[x] + fb[x] * gain + offset;
      o[x] = static_cast<uint8_t>(std::min(std::max(v, 0.0f), 255.0f));
    }
  }
}

}  // namespace edgeinfer::gst
