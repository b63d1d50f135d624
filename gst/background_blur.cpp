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

void BackgroundBlur::compute(const FrameView& frame, const Grid& alpha, int scale, int gw, int gh,
                             int radius) {
  weight_.resize(gw, gh);
  const bool all_background = alpha.v.empty();
  for (size_t i = 0; i < weight_.v.size(); ++i) {
    // Cubed so that half-person edge cells hardly count.
    const float w = all_background ? 1.0f : 1.0f - alpha.v[i];
    weight_.v[i] = w * w * w;
  }
  Grid blurred_weight = weight_;
  blur3(blurred_weight, radius, scratch_);
  constexpr float kEps = 1e-3f;  // where no background is near, fall back to the plain blur
  for (int c = 0; c < frame.components; ++c) {
    Grid& out = blurred_[c];
    out.resize(gw, gh);
    plain_.resize(gw, gh);
    reduce_component(frame.comp[c], scale, plain_);
    weighted_.resize(gw, gh);
    for (size_t i = 0; i < plain_.v.size(); ++i)
      weighted_.v[i] = plain_.v[i] * weight_.v[i];
    blur3(weighted_, radius, scratch_);
    blur3(plain_, radius, scratch_);
    for (size_t i = 0; i < out.v.size(); ++i) {
      out.v[i] = (weighted_.v[i] + kEps * plain_.v[i]) / (blurred_weight.v[i] + kEps);
    }
  }
}

}  // namespace edgeinfer::gst
