#include "guided_upsample.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "vector_clones.h"

namespace edgeinfer::gst {

int grid_scale_for(int frame_width) {
  return std::max(1, (frame_width + 160) / 320);
}

namespace {

// Helpers of luma_plane; functions of their own with restrict pointers, since byte stores in
// a loop make the compiler assume any pointer may have changed.
EI_VECTOR_CLONES
void gather_luma(const uint8_t* __restrict in, int pixel_stride, int n, uint8_t* __restrict out) {
  if (pixel_stride == 2) {  // YUY2
    for (int x = 0; x < n; ++x)
      out[x] = in[2 * x];
  } else {
    for (int x = 0; x < n; ++x)
      out[x] = in[x * pixel_stride];
  }
}

EI_VECTOR_CLONES
void rgb_luma(const uint8_t* __restrict r, const uint8_t* __restrict g, const uint8_t* __restrict b,
              int pixel_stride, int n, uint8_t* __restrict out) {
  // The usual strides spelt out: a constant stride lets the compiler vectorise the gathers.
  auto luma = [&](auto stride) {
    for (int x = 0; x < n; ++x) {
      const int i = x * stride;
      out[x] = static_cast<uint8_t>((77 * r[i] + 150 * g[i] + 29 * b[i]) >> 8);
    }
  };
  if (pixel_stride == 4) {
    luma(std::integral_constant<int, 4>());
  } else if (pixel_stride == 3) {
    luma(std::integral_constant<int, 3>());
  } else {
    luma(pixel_stride);
  }
}

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
    const int ps = f.comp[0].pixel_stride;
    if (f.yuv || f.components == 1) {
      gather_luma(f.comp[0].row(y), ps, f.width, o);
    } else {
      rgb_luma(f.comp[0].row(y), f.comp[1].row(y), f.comp[2].row(y), ps, f.width, o);
    }
  }
  return storage.data();
}

// a' = a gain / 255, b' = (b - lo) gain + 0.5 (see alpha_plane)
EI_VECTOR_CLONES
void fold_curve(const float* __restrict a, const float* __restrict b, int n, float gain, float lo,
                float* __restrict fa, float* __restrict fb) {
  for (int i = 0; i < n; ++i) {
    fa[i] = a[i] * gain / 255.0f;
    fb[i] = (b[i] - lo) * gain + 0.5f;
  }
}

// Per grid point: the alpha values (before clamping) for luma 0 and 255, lowest and highest,
// and a margin for the rounding of the interpolation between points (large where a hard edge,
// softness 0, makes the coefficients huge).
EI_VECTOR_CLONES
void point_range(const float* __restrict a, const float* __restrict b, int n, float* __restrict lo,
                 float* __restrict hi, float* __restrict margin) {
  for (int i = 0; i < n; ++i) {
    const float dark = b[i], bright = a[i] * 255 + b[i];
    lo[i] = dark < bright ? dark : bright;
    hi[i] = dark < bright ? bright : dark;
    const float m = std::fabs(b[i]) + std::fabs(a[i] * 255);
    margin[i] = 0.01f + 1e-5f * m;
  }
}

// The class of the `n` cells between two rows of grid points.
EI_VECTOR_CLONES
void classify_row(const float* __restrict lo0, const float* __restrict lo1,
                  const float* __restrict hi0, const float* __restrict hi1,
                  const float* __restrict m0, const float* __restrict m1, int n,
                  uint8_t* __restrict out) {
  for (int c = 0; c < n; ++c) {
    const float lo = std::min(std::min(lo0[c], lo0[c + 1]), std::min(lo1[c], lo1[c + 1]));
    const float hi = std::max(std::max(hi0[c], hi0[c + 1]), std::max(hi1[c], hi1[c + 1]));
    const float m = std::max(std::max(m0[c], m0[c + 1]), std::max(m1[c], m1[c + 1]));
    const uint8_t zero = hi < 1 - m, one = lo >= 255 + m;
    // kAllZero 0, kAllOne 1, kMixed 2
    out[c] = static_cast<uint8_t>(zero ? 0 : one ? 1 : 2);
  }
}

// Grid rows y0 and y1 blended (weight fy of y1) on columns [c0, c1), for a and b at once.
EI_VECTOR_CLONES
void lerp_columns(const float* __restrict a0, const float* __restrict a1,
                  const float* __restrict b0, const float* __restrict b1, float fy, int c0, int c1,
                  float* __restrict a, float* __restrict b) {
  for (int c = c0; c < c1; ++c) {
    a[c] = a0[c] + (a1[c] - a0[c]) * fy;
    b[c] = b0[c] + (b1[c] - b0[c]) * fy;
  }
}

// Alpha of `n` pixels from the blended coefficient rows (indexed by grid column) and the luma;
// branch-free clamps so that the compiler vectorises it.
EI_VECTOR_CLONES
void alpha_span(const float* __restrict a, const float* __restrict b, const int* __restrict index,
                const float* __restrict weight, const uint8_t* __restrict luma, int n,
                uint8_t* __restrict out) {
  for (int x = 0; x < n; ++x) {
    const int i = index[x];
    const float av = a[i] + (a[i + 1] - a[i]) * weight[x];
    const float bv = b[i] + (b[i + 1] - b[i]) * weight[x];
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

// ip = I * p, ii = I * I
EI_VECTOR_CLONES
void products(const float* __restrict guide, const float* __restrict p, int n, float* __restrict ip,
              float* __restrict ii) {
  for (int i = 0; i < n; ++i) {
    ip[i] = guide[i] * p[i];
    ii[i] = guide[i] * guide[i];
  }
}

// From mean(I p) in `a` and mean(I I) in `b`: a = cov(I,p) / (var(I) + eps),
// b = mean(p) - a mean(I).
EI_VECTOR_CLONES
void coefficients(const float* __restrict mean_i, const float* __restrict mean_p, float eps, int n,
                  float* __restrict a, float* __restrict b) {
  for (int i = 0; i < n; ++i) {
    const float cov = a[i] - mean_i[i] * mean_p[i];
    const float var = b[i] - mean_i[i] * mean_i[i];
    a[i] = cov / (var + eps);
    b[i] = mean_p[i] - a[i] * mean_i[i];
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
  const int n = static_cast<int>(a_.v.size());
  products(guide_.v.data(), p_.v.data(), n, a_.v.data(), b_.v.data());
  box_mean(a_, radius, a_, scratch_);  // mean(I p)
  box_mean(b_, radius, b_, scratch_);  // mean(I I)
  coefficients(mean_i.v.data(), mean_p.v.data(), eps, n, a_.v.data(), b_.v.data());
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
  // Fold the curve into the coefficients once per grid cell: alpha = a' * luma + b', with the
  // luma in [0,255] (the guide was in [0,1]) and +0.5 for rounding.
  Grid& a = tmp1_;
  Grid& b = tmp2_;
  // At least two columns, so that every pixel interpolates between a column and the next.
  const int gw = std::max(2, a_.width), gh = a_.height;
  a.resize(gw, gh);
  b.resize(gw, gh);
  for (int y = 0; y < gh; ++y) {
    fold_curve(a_.row(y), b_.row(y), a_.width, curve.gain, curve.lo, a.row(y), b.row(y));
    if (a_.width < gw) {
      a.row(y)[1] = a.row(y)[0];
      b.row(y)[1] = b.row(y)[0];
    }
  }
  expand_taps_.prepare(gw, a_.width == gw ? static_cast<float>(scale_) : 0.5f * width_, width_);
  const std::vector<int>& index = expand_taps_.index;
  classify_cells(a, b);

  // The pixel columns of each cell (index is monotonic), then the runs of cells of one class
  // along each grid row.
  cell_begin_.assign(gw, width_);
  cell_end_.assign(gw, 0);
  for (int x = 0; x < width_; ++x) {
    cell_begin_[index[x]] = std::min(cell_begin_[index[x]], x);
    cell_end_[index[x]] = x + 1;
  }
  runs_.clear();
  run_start_.assign(gh + 1, 0);
  for (int gy = 0; gy < gh; ++gy) {
    run_start_[gy] = static_cast<int>(runs_.size());
    const uint8_t* cls = cell_class_.data() + static_cast<size_t>(gy) * (gw - 1);
    for (int c0 = 0; c0 + 1 < gw;) {
      Run run{cls[c0], c0, c0 + 1, cell_begin_[c0], cell_end_[c0]};
      while (run.c1 + 1 < gw && cls[run.c1] == run.cls) {
        run.x0 = std::min(run.x0, cell_begin_[run.c1]);
        run.x1 = std::max(run.x1, cell_end_[run.c1]);
        ++run.c1;
      }
      if (run.x1 > run.x0) runs_.push_back(run);
      c0 = run.c1;
    }
  }
  run_start_[gh] = static_cast<int>(runs_.size());

  row_a_.resize(gw);
  row_b_.resize(gw);
  for (int y = 0; y < height_; ++y) {
    int y0, y1;
    float fy;
    grid_rows_for(y, static_cast<float>(scale_), gh, y0, y1, fy);
    uint8_t* o = out.data() + static_cast<size_t>(y) * width_;
    const uint8_t* l = luma_ + static_cast<size_t>(y) * luma_stride_;
    for (int r = run_start_[y0]; r < run_start_[y0 + 1]; ++r) {
      const Run& run = runs_[r];
      if (run.cls == kAllZero) {
        std::fill(o + run.x0, o + run.x1, uint8_t{0});
      } else if (run.cls == kAllOne) {
        std::fill(o + run.x0, o + run.x1, uint8_t{255});
      } else {
        // Rows first on the grid columns the run reads, then along the row.
        lerp_columns(a.row(y0), a.row(y1), b.row(y0), b.row(y1), fy, run.c0, run.c1 + 1,
                     row_a_.data(), row_b_.data());
        alpha_span(row_a_.data(), row_b_.data(), index.data() + run.x0,
                   expand_taps_.weight.data() + run.x0, l + run.x0, run.x1 - run.x0, o + run.x0);
      }
    }
  }
}

void GuidedUpsampler::classify_cells(const Grid& a, const Grid& b) {
  // Every pixel's (a', b') is a convex combination of the four grid values around it, and
  // alpha is linear in them for a given luma: where all four give alpha 0 (or all 255) for
  // both luma 0 and 255, so does every pixel between them. Such cells are filled without
  // computing anything; in a video call most of the frame is person or background.
  const int gw = a.width, gh = a.height;
  point_lo_.resize(a.v.size());
  point_hi_.resize(a.v.size());
  point_margin_.resize(a.v.size());
  point_range(a.v.data(), b.v.data(), static_cast<int>(a.v.size()), point_lo_.data(),
              point_hi_.data(), point_margin_.data());
  cell_class_.resize(static_cast<size_t>(gh) * (gw - 1));
  for (int gy = 0; gy < gh; ++gy) {
    const size_t r0 = static_cast<size_t>(gy) * gw,
                 r1 = static_cast<size_t>(std::min(gy + 1, gh - 1)) * gw;
    classify_row(point_lo_.data() + r0, point_lo_.data() + r1, point_hi_.data() + r0,
                 point_hi_.data() + r1, point_margin_.data() + r0, point_margin_.data() + r1,
                 gw - 1, cell_class_.data() + static_cast<size_t>(gy) * (gw - 1));
  }
}

}  // namespace edgeinfer::gst
