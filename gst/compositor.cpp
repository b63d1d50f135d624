#include "compositor.h"

#include <algorithm>

namespace edgeinfer::gst {

namespace {

inline uint8_t blend(int fg, int bg, int a) {
  // (fg * a + bg * (255 - a)) / 255, rounded, with a shift instead of a division.
  const int v = bg * 255 + (fg - bg) * a;
  return static_cast<uint8_t>((v + 128 + ((v + 128) >> 8)) >> 8);
}

// One row of a grid component interpolated to the component's width.
void grid_row(const Grid& g, int scale, const PlaneView& p, int y, std::vector<int>& x0,
              std::vector<int>& x1, std::vector<int>& fx, std::vector<float>& vrow,
              std::vector<uint8_t>& out) {
  const float full_y = (y + 0.5f) * (1 << p.h_sub);
  const float gy = std::clamp(full_y / scale - 0.5f, 0.0f, static_cast<float>(g.height - 1));
  const int y0 = static_cast<int>(gy), y1 = std::min(y0 + 1, g.height - 1);
  const float f = gy - y0;
  vrow.resize(g.width);
  const float* r0 = g.row(y0);
  const float* r1 = g.row(y1);
  for (int x = 0; x < g.width; ++x)
    vrow[x] = r0[x] + (r1[x] - r0[x]) * f;
  out.resize(p.width);
  for (int x = 0; x < p.width; ++x) {
    const float v = vrow[x0[x]] + (vrow[x1[x]] - vrow[x0[x]]) * (fx[x] * (1 / 256.0f));
    out[x] = static_cast<uint8_t>(std::clamp(v + 0.5f, 0.0f, 255.0f));
  }
}

}  // namespace

void copy_components(const FrameView& in, const FrameView& out) {
  for (int c = 0; c < in.components; ++c) {
    const PlaneView& s = in.comp[c];
    const PlaneView& d = out.comp[c];
    for (int y = 0; y < s.height; ++y) {
      const uint8_t* sr = s.row(y);
      uint8_t* dr = d.row(y);
      for (int x = 0; x < s.width; ++x)
        dr[x * d.pixel_stride] = sr[x * s.pixel_stride];
    }
  }
}

void composite(const FrameView& in, const std::vector<uint8_t>& alpha, const Background& bg,
               const FrameView& out) {
  std::vector<int> x0, x1, fx;
  std::vector<float> vrow;
  std::vector<uint8_t> bg_row;
  for (int c = 0; c < in.components; ++c) {
    const PlaneView& s = in.comp[c];
    const PlaneView& d = out.comp[c];
    if (bg.kind == Background::Kind::kGrid) {
      const Grid& g = *bg.grids[c];
      x0.resize(s.width);
      x1.resize(s.width);
      fx.resize(s.width);
      for (int x = 0; x < s.width; ++x) {
        const float full_x = (x + 0.5f) * (1 << s.w_sub);
        const float gx =
            std::clamp(full_x / bg.grid_scale - 0.5f, 0.0f, static_cast<float>(g.width - 1));
        x0[x] = static_cast<int>(gx);
        x1[x] = std::min(x0[x] + 1, g.width - 1);
        fx[x] = static_cast<int>((gx - x0[x]) * 256);
      }
    }
    for (int y = 0; y < s.height; ++y) {
      const uint8_t* sr = s.row(y);
      uint8_t* dr = d.row(y);
      // Alpha of the component's sample: the full-resolution pixel at its top-left.
      const uint8_t* ar = alpha.data() + static_cast<size_t>(y << s.h_sub) * in.width;
      const int ps = s.pixel_stride, pd = d.pixel_stride, ws = s.w_sub;
      switch (bg.kind) {
        case Background::Kind::kColour: {
          const int b = bg.colour[c];
          for (int x = 0; x < s.width; ++x)
            dr[x * pd] = blend(sr[x * ps], b, ar[x << ws]);
          break;
        }
        case Background::Kind::kFrame: {
          const uint8_t* br = bg.frame->comp[c].row(y);
          const int pb = bg.frame->comp[c].pixel_stride;
          for (int x = 0; x < s.width; ++x)
            dr[x * pd] = blend(sr[x * ps], br[x * pb], ar[x << ws]);
          break;
        }
        case Background::Kind::kGrid: {
          grid_row(*bg.grids[c], bg.grid_scale, s, y, x0, x1, fx, vrow, bg_row);
          for (int x = 0; x < s.width; ++x)
            dr[x * pd] = blend(sr[x * ps], bg_row[x], ar[x << ws]);
          break;
        }
      }
    }
  }
  if (in.has_alpha && out.has_alpha && in.alpha.data != out.alpha.data) {
    for (int y = 0; y < in.height; ++y) {
      for (int x = 0; x < in.width; ++x) {
        out.alpha.row(y)[x * out.alpha.pixel_stride] = in.alpha.at(x, y);
      }
    }
  }
}

}  // namespace edgeinfer::gst
