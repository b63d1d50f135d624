#include "background_blur.h"

#include <algorithm>

namespace edgeinfer::gst {

namespace {

void blur3(Grid& g, int radius, std::vector<float>& scratch) {
  for (int pass = 0; pass < 3; ++pass)
    box_mean(g, radius, g, scratch);
}

// The component averaged at four points inside each grid cell.
void reduce_component(const PlaneView& p, int scale, Grid& out) {
  for (int gy = 0; gy < out.height; ++gy) {
    const int ya = std::min((gy * scale + scale / 4) >> p.h_sub, p.height - 1);
    const int yb = std::min((gy * scale + (3 * scale) / 4) >> p.h_sub, p.height - 1);
    const uint8_t* ra = p.row(ya);
    const uint8_t* rb = p.row(yb);
    float* o = out.row(gy);
    for (int gx = 0; gx < out.width; ++gx) {
      const int xa = std::min((gx * scale + scale / 4) >> p.w_sub, p.width - 1) * p.pixel_stride;
      const int xb =
          std::min((gx * scale + (3 * scale) / 4) >> p.w_sub, p.width - 1) * p.pixel_stride;
      o[gx] = (ra[xa] + ra[xb] + rb[xa] + rb[xb]) * 0.25f;
    }
  }
}

}  // namespace

void BackgroundBlur::compute(const FrameView& frame, const Grid& alpha, int alpha_scale, int factor,
                             int radius) {
  const int scale = alpha_scale * factor;
  const int gw = (frame.width + scale - 1) / scale, gh = (frame.height + scale - 1) / scale;
  weight_.resize(gw, gh);
  const bool all_background = alpha.v.empty();
  for (int y = 0; y < gh; ++y) {
    for (int x = 0; x < gw; ++x) {
      float sum = 0;
      int n = 0;
      for (int ay = y * factor; !all_background && ay < std::min(alpha.height, (y + 1) * factor);
           ++ay) {
        for (int ax = x * factor; ax < std::min(alpha.width, (x + 1) * factor); ++ax) {
          // Cubed so that half-person edge cells hardly count.
          const float w = 1.0f - alpha.at(ax, ay);
          sum += w * w * w;
          ++n;
        }
      }
      weight_.row(y)[x] = all_background || n == 0 ? 1.0f : sum / n;
    }
  }
  blurred_weight_ = weight_;  // a copy into kept storage: no allocation once sized
  blur3(blurred_weight_, radius, scratch_);
  // Where no background is within reach (deep inside the person, where alpha hides the
  // result anyway) a small floor on the weight keeps the division finite.
  constexpr float kMinWeight = 1e-4f;
  for (int c = 0; c < frame.components; ++c) {
    Grid& out = blurred_[c];
    out.resize(gw, gh);
    component_.resize(gw, gh);
    reduce_component(frame.comp[c], scale, component_);
    for (size_t i = 0; i < component_.v.size(); ++i)
      component_.v[i] *= weight_.v[i];
    blur3(component_, radius, scratch_);
    for (size_t i = 0; i < out.v.size(); ++i) {
      // Clamped: interpolating between these later needs no clamp per pixel.
      out.v[i] =
          std::clamp(component_.v[i] / std::max(blurred_weight_.v[i], kMinWeight), 0.0f, 254.9f);
    }
    const PlaneView& p = frame.comp[c];
    expand_columns(out, static_cast<float>(scale) / (1 << p.w_sub), p.width, wide_[c],
                   taps_[p.w_sub ? 1 : 0]);
  }
}

}  // namespace edgeinfer::gst
