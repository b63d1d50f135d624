#include "compositor.h"

#include <algorithm>

#include "vector_clones.h"

namespace edgeinfer::gst {

namespace {

inline uint8_t blend(int fg, int bg, int a) {
  // (fg * a + bg * (255 - a)) / 255, rounded exactly; every intermediate fits in 16 bits.
  const uint16_t v = static_cast<uint16_t>(fg * a + bg * (255 - a) + 128);
  return static_cast<uint8_t>((v + (v >> 8)) >> 8);
}

// A row of the background grid between grid rows r0 and r1, rounded to bytes.
EI_VECTOR_CLONES
void background_row(const float* __restrict r0, const float* __restrict r1, float f,
                    uint8_t* __restrict out, int n) {
  for (int x = 0; x < n; ++x) {
    out[x] = static_cast<uint8_t>(static_cast<int>(r0[x] + (r1[x] - r0[x]) * f + 0.5f));
  }
}

// Contiguous samples, branch-free so that the compiler vectorises it (16-bit lanes).
EI_VECTOR_CLONES
void blend_contiguous(const uint8_t* __restrict fg, const uint8_t* __restrict bg,
                      const uint8_t* __restrict alpha, uint8_t* __restrict out, int n) {
  for (int x = 0; x < n; ++x) {
    const uint16_t a = alpha[x];
    const uint16_t v = static_cast<uint16_t>(fg[x] * a + bg[x] * (255 - a) + 128);
    out[x] = static_cast<uint8_t>((v + (v >> 8)) >> 8);
  }
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

namespace {

// Packed RGB (RGB, BGR, RGBx, RGBA, ...): all colour components interleaved in one plane,
// no subsampling. One alpha test per pixel rather than per component.
bool packed_rgb(const FrameView& f) {
  if (f.yuv || f.components != 3) return false;
  for (int c = 0; c < 3; ++c) {
    if (f.comp[c].w_sub || f.comp[c].h_sub || f.comp[c].pixel_stride != f.comp[0].pixel_stride ||
        std::abs(f.comp[c].data - f.comp[0].data) >= f.comp[0].pixel_stride) {
      return false;
    }
  }
  return true;
}

void composite_packed(const FrameView& in, const std::vector<uint8_t>& alpha, const Background& bg,
                      const FrameView& out, bool in_place, CompositeScratch& scratch) {
  const int w = in.width;
  std::vector<uint8_t>* rows = scratch.background;
  for (int c = 0; c < 3; ++c)
    rows[c].resize(w);
  for (int c = 0; c < 3; ++c) {
    if (bg.kind == Background::Kind::kColour)
      std::fill(rows[c].begin(), rows[c].end(), bg.colour[c]);
  }
  const int ps = in.comp[0].pixel_stride, pd = out.comp[0].pixel_stride;
  int offset_in[3], offset_out[3];
  const uint8_t* base_in = std::min({in.comp[0].data, in.comp[1].data, in.comp[2].data});
  uint8_t* base_out = std::min({out.comp[0].data, out.comp[1].data, out.comp[2].data});
  for (int c = 0; c < 3; ++c) {
    offset_in[c] = static_cast<int>(in.comp[c].data - base_in);
    offset_out[c] = static_cast<int>(out.comp[c].data - base_out);
  }
  for (int y = 0; y < in.height; ++y) {
    if (bg.kind == Background::Kind::kGrid) {
      for (int c = 0; c < 3; ++c) {
        const Grid& g = *bg.grids[c];
        int y0, y1;
        float f;
        grid_rows_for(y, static_cast<float>(bg.grid_scale), g.height, y0, y1, f);
        background_row(g.row(y0), g.row(y1), f, rows[c].data(), w);
      }
    }
    const uint8_t* sr = base_in + static_cast<ptrdiff_t>(y) * in.comp[0].row_stride;
    uint8_t* dr = base_out + static_cast<ptrdiff_t>(y) * out.comp[0].row_stride;
    const uint8_t* ar = alpha.data() + static_cast<size_t>(y) * w;
    for (int x = 0; x < w; ++x) {
      const int a = ar[x];
      const uint8_t* sp = sr + x * ps;
      uint8_t* dp = dr + x * pd;
      if (a == 255) {
        if (!in_place) {
          for (int c = 0; c < 3; ++c)
            dp[offset_out[c]] = sp[offset_in[c]];
        }
      } else if (a == 0) {
        for (int c = 0; c < 3; ++c)
          dp[offset_out[c]] = rows[c][x];
      } else {
        for (int c = 0; c < 3; ++c)
          dp[offset_out[c]] = blend(sp[offset_in[c]], rows[c][x], a);
      }
    }
  }
}

void composite_planes(const FrameView& in, const std::vector<uint8_t>& alpha, const Background& bg,
                      const FrameView& out, bool in_place, CompositeScratch& scratch) {
  std::vector<uint8_t>& bg_row8 = scratch.background[0];
  std::vector<uint8_t>& alpha_row = scratch.alpha;
  std::vector<uint8_t>& result_row = scratch.result;
  for (int c = 0; c < in.components; ++c) {
    const PlaneView& s = in.comp[c];
    const PlaneView& d = out.comp[c];
    const int ps = s.pixel_stride, pd = d.pixel_stride, ws = s.w_sub;
    bg_row8.resize(s.width);
    alpha_row.resize(s.width);
    result_row.resize(s.width);
    if (bg.kind == Background::Kind::kColour) {
      std::fill(bg_row8.begin(), bg_row8.end(), bg.colour[c]);
    }
    for (int y = 0; y < s.height; ++y) {
      const uint8_t* sr = s.row(y);
      uint8_t* dr = d.row(y);
      // Alpha of the component's sample: the full-resolution pixel at its top-left.
      const uint8_t* ar = alpha.data() + static_cast<size_t>(y << s.h_sub) * in.width;
      // This row's background as contiguous bytes.
      if (bg.kind == Background::Kind::kFrame) {
        const uint8_t* br = bg.frame->comp[c].row(y);
        const int pb = bg.frame->comp[c].pixel_stride;
        for (int x = 0; x < s.width; ++x)
          bg_row8[x] = br[x * pb];
      } else if (bg.kind == Background::Kind::kGrid) {
        const Grid& g = *bg.grids[c];
        int y0, y1;
        float f;
        grid_rows_for(y, static_cast<float>(bg.grid_scale) / (1 << s.h_sub), g.height, y0, y1, f);
        // The grid holds values in [0,255] (BackgroundBlur clamps), so does their blend.
        background_row(g.row(y0), g.row(y1), f, bg_row8.data(), s.width);
      }
      if (ps == 1 && pd == 1) {
        const uint8_t* a = ar;
        if (ws != 0) {
          for (int x = 0; x < s.width; ++x)
            alpha_row[x] = ar[x << ws];
          a = alpha_row.data();
        }
        // Blend into a row buffer, then copy: no aliasing between input and output.
        blend_contiguous(sr, bg_row8.data(), a, result_row.data(), s.width);
        std::copy(result_row.begin(), result_row.begin() + s.width, dr);
        continue;
      }
      for (int x = 0; x < s.width; ++x) {
        const int a = ar[x << ws];
        if (a == 255) {
          if (!in_place) dr[x * pd] = sr[x * ps];
          continue;
        }
        dr[x * pd] = a == 0 ? bg_row8[x] : blend(sr[x * ps], bg_row8[x], a);
      }
    }
  }
}

}  // namespace

void composite(const FrameView& in, const std::vector<uint8_t>& alpha, const Background& bg,
               const FrameView& out, CompositeScratch& scratch) {
  // In place (the usual case): person pixels (alpha 255) need no write on the strided path.
  const bool in_place = in.comp[0].data == out.comp[0].data;
  if (bg.kind != Background::Kind::kFrame && packed_rgb(in) && packed_rgb(out)) {
    composite_packed(in, alpha, bg, out, in_place, scratch);
  } else {
    composite_planes(in, alpha, bg, out, in_place, scratch);
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
