#include "guided_upsample.h"

#include <algorithm>

namespace edgeinfer::gst {

int grid_scale_for(int frame_width) {
  return std::max(1, (frame_width + 160) / 320);
}

namespace {

void luma_plane(const FrameView& f, std::vector<uint8_t>& out) {
  out.resize(static_cast<size_t>(f.width) * f.height);
  for (int y = 0; y < f.height; ++y) {
    uint8_t* o = out.data() + static_cast<size_t>(y) * f.width;
    if (f.yuv || f.components == 1) {
      const PlaneView& p = f.comp[0];
      const uint8_t* r = p.row(y);
      if (p.pixel_stride == 1) {
        std::copy(r, r + f.width, o);
      } else {
        for (int x = 0; x < f.width; ++x)
          o[x] = r[x * p.pixel_stride];
      }
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
}

// Horizontal bilinear taps from full-resolution columns to grid columns.
struct ColumnTaps {
  std::vector<int> x0, x1;
  std::vector<float> f;
};

ColumnTaps column_taps(int width, int grid_width, int scale) {
  ColumnTaps t;
  t.x0.resize(width);
  t.x1.resize(width);
  t.f.resize(width);
  for (int x = 0; x < width; ++x) {
    const float g = std::clamp((x + 0.5f) / scale - 0.5f, 0.0f, static_cast<float>(grid_width - 1));
    t.x0[x] = static_cast<int>(g);
    t.x1[x] = std::min(t.x0[x] + 1, grid_width - 1);
    t.f[x] = g - t.x0[x];
  }
  return t;
}

}  // namespace

void GuidedUpsampler::prepare(const FrameView& frame, const Grid& prob, int radius, float eps) {
  width_ = frame.width;
  height_ = frame.height;
  scale_ = grid_scale_for(width_);
  const int gw = (width_ + scale_ - 1) / scale_, gh = (height_ + scale_ - 1) / scale_;
  luma_plane(frame, luma_);

  // Guide: luma averaged over each grid cell, in [0,1].
  guide_.resize(gw, gh);
  std::fill(guide_.v.begin(), guide_.v.end(), 0.0f);
  std::vector<int> counts(static_cast<size_t>(gw) * gh, 0);
  for (int y = 0; y < height_; ++y) {
    const uint8_t* l = luma_.data() + static_cast<size_t>(y) * width_;
    float* g = guide_.row(y / scale_);
    int* c = counts.data() + static_cast<size_t>(y / scale_) * gw;
    for (int x = 0; x < width_; ++x) {
      g[x / scale_] += l[x];
      ++c[x / scale_];
    }
  }
  for (size_t i = 0; i < guide_.v.size(); ++i)
    guide_.v[i] /= 255.0f * counts[i];

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

void GuidedUpsampler::alpha_plane(const SoftThreshold& curve, std::vector<uint8_t>& out) const {
  out.resize(static_cast<size_t>(width_) * height_);
  const int gw = a_.width, gh = a_.height;
  const ColumnTaps taps = column_taps(width_, gw, scale_);
  std::vector<float> row_a(gw), row_b(gw);
  for (int y = 0; y < height_; ++y) {
    const float gy = std::clamp((y + 0.5f) / scale_ - 0.5f, 0.0f, static_cast<float>(gh - 1));
    const int y0 = static_cast<int>(gy), y1 = std::min(y0 + 1, gh - 1);
    const float fy = gy - y0;
    for (int x = 0; x < gw; ++x) {
      row_a[x] = a_.at(x, y0) + (a_.at(x, y1) - a_.at(x, y0)) * fy;
      row_b[x] = b_.at(x, y0) + (b_.at(x, y1) - b_.at(x, y0)) * fy;
    }
    const uint8_t* l = luma_.data() + static_cast<size_t>(y) * width_;
    uint8_t* o = out.data() + static_cast<size_t>(y) * width_;
    for (int x = 0; x < width_; ++x) {
      const int x0 = taps.x0[x], x1 = taps.x1[x];
      const float f = taps.f[x];
      const float a = row_a[x0] + (row_a[x1] - row_a[x0]) * f;
      const float b = row_b[x0] + (row_b[x1] - row_b[x0]) * f;
      o[x] = curve.alpha(a * (l[x] * (1 / 255.0f)) + b);
    }
  }
}

}  // namespace edgeinfer::gst
