#include "compositor.h"

#include <algorithm>

namespace edgeinfer::gst {

namespace {

inline uint8_t blend(int fg, int bg, int a) {
  // (fg * a + bg * (255 - a)) / 255, rounded, with a shift instead of a division.
  const int v = bg * 255 + (fg - bg) * a;
  return static_cast<uint8_t>((v + 128 + ((v + 128) >> 8)) >> 8);
}

}  // namespace

void copy_components(const FrameView& in, const FrameView& out) {
  if (in.comp[0].data == out.comp[0].data) return;  // in place
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
  // In place (the usual case): person pixels (alpha 255) need no write at all.
  const bool in_place = in.comp[0].data == out.comp[0].data;
  std::vector<float> bg_row;
  for (int c = 0; c < in.components; ++c) {
    const PlaneView& s = in.comp[c];
    const PlaneView& d = out.comp[c];
    const int ps = s.pixel_stride, pd = d.pixel_stride, ws = s.w_sub;
    for (int y = 0; y < s.height; ++y) {
      const uint8_t* sr = s.row(y);
      uint8_t* dr = d.row(y);
      // Alpha of the component's sample: the full-resolution pixel at its top-left.
      const uint8_t* ar = alpha.data() + static_cast<size_t>(y << s.h_sub) * in.width;
      const uint8_t* br = nullptr;
      int pb = 0, colour = bg.colour[c];
      if (bg.kind == Background::Kind::kFrame) {
        br = bg.frame->comp[c].row(y);
        pb = bg.frame->comp[c].pixel_stride;
      } else if (bg.kind == Background::Kind::kGrid) {
        const Grid& g = *bg.grids[c];
        int y0, y1;
        float f;
        grid_rows_for(y, static_cast<float>(bg.grid_scale) / (1 << s.h_sub), g.height, y0, y1, f);
        bg_row.resize(s.width);
        lerp_rows(g.row(y0), g.row(y1), f, s.width, bg_row.data());
      }
      for (int x = 0; x < s.width; ++x) {
        const int a = ar[x << ws];
        if (a == 255) {
          if (!in_place) dr[x * pd] = sr[x * ps];
          continue;
        }
        const int b = bg.kind == Background::Kind::kColour ? colour
                      : bg.kind == Background::Kind::kFrame
                          ? br[x * pb]
                          : static_cast<int>(std::clamp(bg_row[x], 0.0f, 255.0f) + 0.5f);
        dr[x * pd] = a == 0 ? static_cast<uint8_t>(b) : blend(sr[x * ps], b, a);
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
