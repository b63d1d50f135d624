#include "compositor.h"

#include <algorithm>
#include <type_traits>

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

// The same with the result written over the foreground (in-place compositing).
EI_VECTOR_CLONES
void blend_in_place(uint8_t* __restrict fg, const uint8_t* __restrict bg,
                    const uint8_t* __restrict alpha, int n) {
  for (int x = 0; x < n; ++x) {
    const uint16_t a = alpha[x];
    const uint16_t v = static_cast<uint16_t>(fg[x] * a + bg[x] * (255 - a) + 128);
    fg[x] = static_cast<uint8_t>((v + (v >> 8)) >> 8);
  }
}

// The alpha of `n` subsampled samples (each the full-resolution pixel at its top-left). A
// function of its own: in a loop over vectors' bytes the compiler would reload the vectors'
// pointers at every store (a byte store may alias anything).
EI_VECTOR_CLONES
void subsample_alpha(const uint8_t* __restrict in, int shift, int n, uint8_t* __restrict out) {
  if (shift == 0) {
    for (int x = 0; x < n; ++x)
      out[x] = in[x];
  } else if (shift == 1) {
    for (int x = 0; x < n; ++x)
      out[x] = in[2 * x];
  } else {
    for (int x = 0; x < n; ++x)
      out[x] = in[x << shift];
  }
}

// Lowest and highest alpha of `n` samples.
EI_VECTOR_CLONES
void alpha_range(const uint8_t* __restrict a, int n, uint8_t& lo_out, uint8_t& hi_out) {
  uint8_t lo = 255, hi = 0;
  for (int x = 0; x < n; ++x) {
    lo = a[x] < lo ? a[x] : lo;
    hi = a[x] > hi ? a[x] : hi;
  }
  lo_out = lo;
  hi_out = hi;
}

constexpr int kChunk = 64;

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

// One chunk of a packed RGB row (every pointer at the chunk's first pixel).
struct PackedChunk {
  const uint8_t* src;
  uint8_t* dst;
  const uint8_t* alpha;
  const uint8_t* bg[3];
  const int* offset_in;
  const int* offset_out;
  int n;
  bool all_background;
};

template <typename Stride>
void blend_packed(const PackedChunk& k, Stride ps, int pd) {
  const uint8_t* __restrict src = k.src;
  uint8_t* __restrict dst = k.dst;
  const int oi[3] = {k.offset_in[0], k.offset_in[1], k.offset_in[2]};
  const int oo[3] = {k.offset_out[0], k.offset_out[1], k.offset_out[2]};
  const uint8_t* __restrict b0 = k.bg[0];
  const uint8_t* __restrict b1 = k.bg[1];
  const uint8_t* __restrict b2 = k.bg[2];
  if (k.all_background) {
    for (int x = 0; x < k.n; ++x) {
      uint8_t* dp = dst + x * pd;
      dp[oo[0]] = b0[x];
      dp[oo[1]] = b1[x];
      dp[oo[2]] = b2[x];
    }
    return;
  }
  // Branch-free: the blend is exact at alpha 0 and 255, and a mixed chunk changes class from
  // pixel to pixel, which branches would mispredict.
  for (int x = 0; x < k.n; ++x) {
    const int a = k.alpha[x];
    const uint8_t* sp = src + x * ps;
    uint8_t* dp = dst + x * pd;
    dp[oo[0]] = blend(sp[oi[0]], b0[x], a);
    dp[oo[1]] = blend(sp[oi[1]], b1[x], a);
    dp[oo[2]] = blend(sp[oi[2]], b2[x], a);
  }
}

template <int kStride>
void blend_packed(const PackedChunk& k, std::integral_constant<int, kStride> stride) {
  blend_packed(k, stride, kStride);
}

void blend_packed_strides(const PackedChunk& k, int ps, int pd) {
  blend_packed(k, ps, pd);
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
  uint8_t* bgr[3] = {rows[0].data(), rows[1].data(), rows[2].data()};
  for (int y = 0; y < in.height; ++y) {
    const uint8_t* sr = base_in + static_cast<ptrdiff_t>(y) * in.comp[0].row_stride;
    uint8_t* dr = base_out + static_cast<ptrdiff_t>(y) * out.comp[0].row_stride;
    const uint8_t* ar = alpha.data() + static_cast<size_t>(y) * w;
    // In chunks, as composite_planes does: person chunks need nothing in place, and the
    // background is computed only where it shows.
    for (int x0 = 0; x0 < w; x0 += kChunk) {
      const int n = std::min(kChunk, w - x0);
      uint8_t lo, hi;
      alpha_range(ar + x0, n, lo, hi);
      if (lo == 255) {
        // All person: nothing to do in place, a copy otherwise.
        if (!in_place) {
          for (int x = x0; x < x0 + n; ++x) {
            for (int c = 0; c < 3; ++c)
              dr[x * pd + offset_out[c]] = sr[x * ps + offset_in[c]];
          }
        }
        continue;
      }
      if (bg.kind == Background::Kind::kGrid) {
        for (int c = 0; c < 3; ++c) {
          const Grid& g = *bg.grids[c];
          int y0, y1;
          float f;
          grid_rows_for(y, static_cast<float>(bg.grid_scale), g.height, y0, y1, f);
          background_row(g.row(y0) + x0, g.row(y1) + x0, f, bgr[c] + x0, n);
        }
      }
      const PackedChunk chunk{
          sr + x0 * ps, dr + x0 * pd, ar + x0, {bgr[0] + x0, bgr[1] + x0, bgr[2] + x0},
          offset_in,    offset_out,   n,       hi == 0};
      // The usual pixel strides spelt out, so that the compiler knows them.
      if (ps == 4 && pd == 4) {
        blend_packed(chunk, std::integral_constant<int, 4>());
      } else if (ps == 3 && pd == 3) {
        blend_packed(chunk, std::integral_constant<int, 3>());
      } else {
        blend_packed_strides(chunk, ps, pd);
      }
    }
  }
}

void composite_planes(const FrameView& in, const std::vector<uint8_t>& alpha, const Background& bg,
                      const FrameView& out, bool in_place, CompositeScratch& scratch) {
  std::vector<uint8_t>& bg_row8 = scratch.background[0];
  std::vector<uint8_t>& alpha_row = scratch.alpha;
  for (int c = 0; c < in.components; ++c) {
    const PlaneView& s = in.comp[c];
    const PlaneView& d = out.comp[c];
    const int ps = s.pixel_stride, pd = d.pixel_stride, ws = s.w_sub;
    bg_row8.resize(s.width);
    alpha_row.resize(s.width);
    if (bg.kind == Background::Kind::kColour) {
      std::fill(bg_row8.begin(), bg_row8.end(), bg.colour[c]);
    }
    for (int y = 0; y < s.height; ++y) {
      const uint8_t* sr = s.row(y);
      uint8_t* dr = d.row(y);
      // Alpha of the component's sample: the full-resolution pixel at its top-left.
      const uint8_t* ar = alpha.data() + static_cast<size_t>(y << s.h_sub) * in.width;
      // The background of samples [x0, x0 + n) of this row as contiguous bytes.
      auto background = [&](int x0, int n) {
        if (bg.kind == Background::Kind::kFrame) {
          const uint8_t* br = bg.frame->comp[c].row(y);
          const int pb = bg.frame->comp[c].pixel_stride;
          for (int x = x0; x < x0 + n; ++x)
            bg_row8[x] = br[x * pb];
        } else if (bg.kind == Background::Kind::kGrid) {
          const Grid& g = *bg.grids[c];
          int y0, y1;
          float f;
          grid_rows_for(y, static_cast<float>(bg.grid_scale) / (1 << s.h_sub), g.height, y0, y1, f);
          // The grid holds values in [0,255] (BackgroundBlur clamps), so does their blend.
          background_row(g.row(y0) + x0, g.row(y1) + x0, f, bg_row8.data() + x0, n);
        }
      };
      if (ps == 1 && pd == 1) {
        const uint8_t* a = ar;
        if (ws != 0) {
          subsample_alpha(ar, ws, s.width, alpha_row.data());
          a = alpha_row.data();
        }
        // In chunks: most of a frame is all person (nothing to do in place) or all background
        // (no blend); the background is computed only where it shows.
        for (int x0 = 0; x0 < s.width; x0 += kChunk) {
          const int n = std::min(kChunk, s.width - x0);
          uint8_t lo, hi;
          alpha_range(a + x0, n, lo, hi);
          if (lo == 255) {
            if (sr != dr) std::copy(sr + x0, sr + x0 + n, dr + x0);
            continue;
          }
          background(x0, n);
          if (hi == 0) {
            std::copy(bg_row8.data() + x0, bg_row8.data() + x0 + n, dr + x0);
          } else if (sr == dr) {
            blend_in_place(dr + x0, bg_row8.data() + x0, a + x0, n);
          } else {
            blend_contiguous(sr + x0, bg_row8.data() + x0, a + x0, dr + x0, n);
          }
        }
        continue;
      }
      // Interleaved samples (NV12's chroma, YUY2): the same chunks, one sample at a time.
      subsample_alpha(ar, ws, s.width, alpha_row.data());
      const uint8_t* a = alpha_row.data();
      uint8_t* bgp = bg_row8.data();
      for (int x0 = 0; x0 < s.width; x0 += kChunk) {
        const int n = std::min(kChunk, s.width - x0);
        uint8_t lo, hi;
        alpha_range(a + x0, n, lo, hi);
        if (lo == 255 && in_place) continue;
        if (lo != 255) background(x0, n);
        for (int x = x0; x < x0 + n; ++x) {
          if (a[x] == 255) {
            if (!in_place) dr[x * pd] = sr[x * ps];
            continue;
          }
          dr[x * pd] = a[x] == 0 ? bgp[x] : blend(sr[x * ps], bgp[x], a[x]);
        }
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
