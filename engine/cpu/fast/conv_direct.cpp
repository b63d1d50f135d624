#include "cpu/fast/conv_direct.h"

#include <algorithm>
#include <string_view>

#include "cpu/fast/common.h"
#include "cpu/fast/transpose16_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace edgeinfer::cpu::fast {

namespace {

// Output columns and output channels computed together: one 16-float vector per channel.
constexpr int64_t kColumns = 16;
constexpr int64_t kChannels = 16;

// Distance between horizontally adjacent input elements of one channel: 1 in NCHW, C in NHWC.
int64_t pixel_step(const DirectConvGeometry& g) {
  return g.channels_last ? g.in_channels : 1;
}

// Furthest input column a column block reads, counted from its first one.
int64_t block_span(const DirectConvGeometry& g) {
  return (kColumns - 1) * g.stride_w + (g.kernel_w - 1) * g.dilation_w;
}

// Floats of a zero-padded copy of the pixels one column block of a channels-last input reads.
int64_t patch_floats(const DirectConvGeometry& g) {
  return g.kernel_h * (block_span(g) + 1) * g.in_channels;
}

// The input rows output row `oy` reads, one per (c, ky); nullptr for a row in the padding.
// Element ix of row (c, ky) is at rows[c * kh + ky][ix * pixel_step(g)].
void tap_rows(const DirectConvGeometry& g, const float* x, int64_t oy, const float** rows) {
  const int64_t channel_stride = g.channels_last ? 1 : g.in_h * g.in_w;
  const int64_t row_stride = g.channels_last ? g.in_w * g.in_channels : g.in_w;
  for (int64_t c = 0; c < g.in_channels; ++c) {
    for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
      const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
      rows[c * g.kernel_h + ky] =
          iy >= 0 && iy < g.in_h ? x + c * channel_stride + iy * row_stride : nullptr;
    }
  }
}

// The taps of columns [ox0, ox0 + kColumns) one by one: block[r][j] = input value that output
// column ox0 + j reads through tap r = (c, ky, kx), 0 in the padding (and past out_w).
void gather_block(const DirectConvGeometry& g, const float* const* rows, int64_t ox0,
                  float* block) {
  const int64_t step = pixel_step(g);
  for (int64_t cy = 0; cy < g.in_channels * g.kernel_h; ++cy) {
    for (int64_t kx = 0; kx < g.kernel_w; ++kx, block += kColumns) {
      const float* row = rows[cy];
      for (int64_t j = 0; j < kColumns; ++j) {
        const int64_t ix = (ox0 + j) * g.stride_w - g.pad_left + kx * g.dilation_w;
        block[j] = row && ox0 + j < g.out_w && ix >= 0 && ix < g.in_w ? row[ix * step] : 0.f;
      }
    }
  }
}

// The micro-kernels' shared edge-tile store (bias, residual, clamp, HardSwish), for the
// portable block below.
using kernels::GemmOutput;
#include "cpu/kernels/gemm_tail.inc"

// Output channels [m0, m0 + kb) of columns [ox0, ox0 + kColumns) from a gathered block, any
// kb <= kChannels: plain loops the compiler vectorises over the columns.
void block_portable(const float* block, int64_t taps, const float* w, const float* bias, int64_t m0,
                    int64_t kb, int64_t cols, float* y0, const float* res0, int64_t plane,
                    const GemmEpilogue& ep) {
  float acc[kChannels][kColumns];
  for (int64_t k = 0; k < kb; ++k) {
    const float b = bias ? bias[m0 + k] : 0.f;
    for (int64_t j = 0; j < kColumns; ++j)
      acc[k][j] = b;
  }
  for (int64_t r = 0; r < taps; ++r) {
    const float* xv = block + r * kColumns;
    for (int64_t k = 0; k < kb; ++k) {
      const float wv = w[(m0 + k) * taps + r];
      for (int64_t j = 0; j < kColumns; ++j)
        acc[k][j] += wv * xv[j];
    }
  }
  // The bias is already in the accumulators.
  const GemmOutput out{y0 + m0 * plane, plane, nullptr, res0 ? res0 + m0 * plane : nullptr,
                       plane,           ep.lo, ep.hi,   ep.hardswish ? 1 : 0};
  store_tile_tail(&acc[0][0], static_cast<int>(kColumns), static_cast<int>(kb),
                  static_cast<int>(cols), out);
}

// Whether the AVX-512 block kernel runs here: the CPU's kernel set is the AVX-512 one.
bool vector_kernel_here() {
  return std::string_view(kernels::best_kernel_set().isa) == "avx512";
}

#if defined(__x86_64__)

// min(max(v, lo), hi) in the masked forms: GCC 12 warns about the undefined pass-through of
// the unmasked _mm512_max_ps / _mm512_min_ps.
__attribute__((target("avx512f"))) inline __m512 clamp(__m512 v, __m512 lo, __m512 hi) {
  const __mmask16 all = 0xFFFF;
  v = _mm512_mask_max_ps(v, all, v, lo);
  return _mm512_mask_min_ps(v, all, v, hi);
}

// The first min(n, 16) lanes (none for n <= 0).
inline __mmask16 lanes_below(int64_t n) {
  return n >= kColumns ? static_cast<__mmask16>(0xFFFF)
         : n <= 0      ? static_cast<__mmask16>(0)
                       : static_cast<__mmask16>((1u << n) - 1u);
}

__attribute__((target("avx512f"), always_inline)) inline void store16(const __m512* acc,
                                                                      int64_t cols, float* y0,
                                                                      const float* res0,
                                                                      int64_t plane,
                                                                      const GemmEpilogue& ep) {
  const __mmask16 mask = lanes_below(cols);
  const __m512 lo = _mm512_set1_ps(ep.lo), hi = _mm512_set1_ps(ep.hi);
#pragma GCC unroll 16
  for (int k = 0; k < kChannels; ++k) {
    __m512 v = acc[k];
    if (res0) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, res0 + k * plane));
    v = clamp(v, lo, hi);
    if (ep.hardswish) {
      const __m512 t = clamp(_mm512_fmadd_ps(v, _mm512_set1_ps(1.f / 6.f), _mm512_set1_ps(0.5f)),
                             _mm512_setzero_ps(), _mm512_set1_ps(1.f));
      v = _mm512_mul_ps(v, t);
    }
    _mm512_mask_storeu_ps(y0 + k * plane, mask, v);
  }
}

// Where a column block's taps are: input rows (one per (c, ky), nullptr for a padding row),
// tap (c, ky, kx) of column j at rows[c * kh + ky][first + kx * step + j * stride], valid
// below `end` (what lies at or past it reads as 0: right padding, or the next row's data).
struct TapSource {
  const float* const* rows;
  int64_t row_count, kernel_w, step, first, end;
};

// 16 output channels x 16 columns in 16 registers; each tap is one vector (stride 2: two loads
// and a permute that keeps the even elements) shared by the 16 FMAs, whose weights
// (w_taps[r][k], tap-major) are broadcast from memory. kMasked: some tap reaches `end`.
template <int kStride, bool kMasked>
__attribute__((target("avx512f"))) void block16(const TapSource& src, const float* w_taps,
                                                const float* bias16, int64_t cols, float* y0,
                                                const float* res0, int64_t plane,
                                                const GemmEpilogue& ep) {
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  // Fully unrolled from the start, so that the accumulators become registers rather than an
  // array kept in memory.
  __m512 acc[kChannels];
#pragma GCC unroll 16
  for (int k = 0; k < kChannels; ++k)
    acc[k] = _mm512_set1_ps(bias16 ? bias16[k] : 0.f);
  for (int64_t cy = 0; cy < src.row_count; ++cy) {
    const float* row = src.rows[cy];
    if (!row) continue;  // a padding row adds nothing
    for (int64_t kx = 0; kx < src.kernel_w; ++kx) {
      const int64_t start = src.first + kx * src.step;
      __m512 x;
      if constexpr (kMasked) {
        const __mmask16 lo = lanes_below(src.end - start);
        const __mmask16 hi = lanes_below(src.end - start - kColumns);
        const float* p = row + std::min(start, src.end);  // never past the row's end
        x = _mm512_maskz_loadu_ps(lo, p);
        if constexpr (kStride == 2) {
          x = _mm512_permutex2var_ps(x, even, _mm512_maskz_loadu_ps(hi, hi ? p + kColumns : p));
        }
      } else {
        x = _mm512_loadu_ps(row + start);
        if constexpr (kStride == 2) {
          x = _mm512_permutex2var_ps(x, even, _mm512_loadu_ps(row + start + kColumns));
        }
      }
      const float* w_tap = w_taps + (cy * src.kernel_w + kx) * kChannels;
#pragma GCC unroll 16
      for (int k = 0; k < kChannels; ++k)
        acc[k] = _mm512_fmadd_ps(_mm512_set1_ps(w_tap[k]), x, acc[k]);
    }
  }
  store16(acc, cols, y0, res0, plane, ep);
}

// One output row of the 16 channels from m0, whose weights `w_taps` are tap-major
// (w_taps[r][k] = w[m0 + k][r]). Column blocks that start inside the input rows load their
// taps straight from them, masked only where a tap reaches a row's end; a block reaching into
// the left padding, or any stride but 1 and 2, is gathered first.
void row16_avx512(const DirectConvGeometry& g, const float* const* rows, const float* w_taps,
                  const float* bias, int64_t m0, float* y_row, const float* res_row, int64_t plane,
                  const GemmEpilogue& ep, float* block, const float** block_rows) {
  const int64_t cy_count = g.in_channels * g.kernel_h;
  const float* bias16 = bias ? bias + m0 : nullptr;
  const bool direct_stride = g.stride_w == 1 || g.stride_w == 2;
  for (int64_t ox0 = 0; ox0 < g.out_w; ox0 += kColumns) {
    const int64_t cols = std::min(kColumns, g.out_w - ox0);
    float* y0 = y_row + m0 * plane + ox0;
    const float* res0 = res_row ? res_row + m0 * plane + ox0 : nullptr;
    const int64_t first = ox0 * g.stride_w - g.pad_left;
    if (direct_stride && first >= 0) {
      const TapSource src{rows, cy_count, g.kernel_w, g.dilation_w, first, g.in_w};
      // The furthest float the unmasked loads touch.
      const bool masked = first + (g.kernel_w - 1) * g.dilation_w + kColumns * g.stride_w > g.in_w;
      if (g.stride_w == 1) {
        masked ? block16<1, true>(src, w_taps, bias16, cols, y0, res0, plane, ep)
               : block16<1, false>(src, w_taps, bias16, cols, y0, res0, plane, ep);
      } else {
        masked ? block16<2, true>(src, w_taps, bias16, cols, y0, res0, plane, ep)
               : block16<2, false>(src, w_taps, bias16, cols, y0, res0, plane, ep);
      }
      continue;
    }
    // Gathered: tap (cy, kx) is row cy of the block at kx * 16, already zero-padded.
    gather_block(g, rows, ox0, block);
    for (int64_t cy = 0; cy < cy_count; ++cy)
      block_rows[cy] = block + cy * g.kernel_w * kColumns;
    const TapSource src{block_rows, cy_count, g.kernel_w, kColumns, 0, g.kernel_w * kColumns};
    block16<1, false>(src, w_taps, bias16, cols, y0, res0, plane, ep);
  }
}

// 16 output columns x 16 output channels of a channels-last input whose taps all lie inside
// the input rows. One accumulator per output column, the 16 channels as its lanes: each tap's
// 16 weights are one vector, and each input element is broadcast straight from the interleaved
// row (kStep = stride_w x C floats apart from one column to the next, a constant so that the 16
// addresses are immediate offsets of one pointer). The block is then transposed into 16
// channel rows for the shared store. `rows[ky]`: channel 0 of input row ky (nullptr: padding).
template <int kStep>
__attribute__((target("avx512f"))) void block16_nhwc(const DirectConvGeometry& g,
                                                     const float* const* rows, int64_t first,
                                                     const float* w_taps, const float* bias16,
                                                     int64_t cols, float* y0, const float* res0,
                                                     int64_t plane, const GemmEpilogue& ep) {
  const __m512 b = bias16 ? _mm512_loadu_ps(bias16) : _mm512_setzero_ps();
  __m512 acc[kColumns];
#pragma GCC unroll 16
  for (int j = 0; j < kColumns; ++j)
    acc[j] = b;
  const int64_t channels = g.in_channels;
  for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
    if (!rows[ky]) continue;  // a padding row adds nothing
    for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
      const float* pixel = rows[ky] + (first + kx * g.dilation_w) * channels;
      for (int64_t c = 0; c < channels; ++c) {
        const __m512 w =
            _mm512_loadu_ps(w_taps + ((c * g.kernel_h + ky) * g.kernel_w + kx) * kChannels);
        const float* p = pixel + c;
#pragma GCC unroll 16
        for (int j = 0; j < kColumns; ++j)
          acc[j] = _mm512_fmadd_ps(_mm512_set1_ps(p[j * kStep]), w, acc[j]);
      }
    }
  }
  transpose16(acc);
  store16(acc, cols, y0, res0, plane, ep);
}

using NhwcBlockFn = void (*)(const DirectConvGeometry&, const float* const*, int64_t, const float*,
                             const float*, int64_t, float*, const float*, int64_t,
                             const GemmEpilogue&);

// The in-place block for this column step (stride_w x C floats): 2 to 4 channels (RGB, RGBA,
// two planes) at stride 1 or 2; null for other layers, whose blocks are all gathered.
NhwcBlockFn nhwc_block_for(int64_t step) {
  switch (step) {
    case 2:
      return block16_nhwc<2>;
    case 3:
      return block16_nhwc<3>;
    case 4:
      return block16_nhwc<4>;
    case 6:
      return block16_nhwc<6>;
    case 8:
      return block16_nhwc<8>;
    default:
      return nullptr;
  }
}

// The pixels [first, first + span] of each input row `rows[ky]` (channel 0's; nullptr for a
// padding row), copied into `patch` with zeros where they lie outside the row: each row's
// inside part is one contiguous run of the channels-last row. patch_rows[ky] gets the copies.
void copy_padded_patch(const DirectConvGeometry& g, const float* const* rows, int64_t first,
                       float* patch, const float** patch_rows) {
  const int64_t channels = g.in_channels, width = block_span(g) + 1;
  const int64_t lo = std::clamp<int64_t>(-first, 0, width);
  const int64_t hi = std::clamp<int64_t>(g.in_w - first, lo, width);
  for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
    patch_rows[ky] = nullptr;
    if (!rows[ky]) continue;
    float* dst = patch + ky * width * channels;
    std::fill(dst, dst + lo * channels, 0.f);
    if (hi > lo)
      std::copy(rows[ky] + (first + lo) * channels, rows[ky] + (first + hi) * channels,
                dst + lo * channels);
    std::fill(dst + hi * channels, dst + width * channels, 0.f);
    patch_rows[ky] = dst;
  }
}

// row16_avx512 for a channels-last input: column blocks whose taps all lie inside the input
// rows read them in place; blocks reaching into the padding (or past the row's end, where the
// broadcasts would read the next row or past the tensor) read a zero-padded copy of their
// pixels. Column steps without an in-place kernel gather every block.
void row16_avx512_nhwc(const DirectConvGeometry& g, const float* const* rows, const float* w_taps,
                       const float* bias, int64_t m0, float* y_row, const float* res_row,
                       int64_t plane, const GemmEpilogue& ep, float* block,
                       const float** block_rows) {
  const int64_t cy_count = g.in_channels * g.kernel_h;
  const float* bias16 = bias ? bias + m0 : nullptr;
  const NhwcBlockFn in_place = nhwc_block_for(g.stride_w * g.in_channels);
  const int64_t span = block_span(g);
  for (int64_t ox0 = 0; ox0 < g.out_w; ox0 += kColumns) {
    const int64_t cols = std::min(kColumns, g.out_w - ox0);
    float* y0 = y_row + m0 * plane + ox0;
    const float* res0 = res_row ? res_row + m0 * plane + ox0 : nullptr;
    const int64_t first = ox0 * g.stride_w - g.pad_left;
    if (in_place) {
      // rows[c * kh + ky] is channel 0's row plus c: rows[ky] holds channel 0's.
      if (first >= 0 && first + span < g.in_w) {
        in_place(g, rows, first, w_taps, bias16, cols, y0, res0, plane, ep);
      } else {
        copy_padded_patch(g, rows, first, block, block_rows);
        in_place(g, block_rows, 0, w_taps, bias16, cols, y0, res0, plane, ep);
      }
      continue;
    }
    gather_block(g, rows, ox0, block);
    for (int64_t cy = 0; cy < cy_count; ++cy)
      block_rows[cy] = block + cy * g.kernel_w * kColumns;
    const TapSource src{block_rows, cy_count, g.kernel_w, kColumns, 0, g.kernel_w * kColumns};
    block16<1, false>(src, w_taps, bias16, cols, y0, res0, plane, ep);
  }
}
#endif

}  // namespace

bool direct_conv_applies(int64_t group, int64_t in_channels, int64_t kernel_h, int64_t kernel_w) {
  return group == 1 && in_channels * kernel_h * kernel_w <= kDirectConvMaxTaps;
}

bool direct_conv_preferred(int64_t group, int64_t in_channels, int64_t out_channels,
                           int64_t kernel_h, int64_t kernel_w) {
  return group == 1 && in_channels * kernel_h * kernel_w <= kDirectConvRuleTaps &&
         out_channels >= kChannels && vector_kernel_here();
}

size_t direct_conv_weight_floats(int64_t out_channels, int64_t taps) {
  if (!vector_kernel_here()) return 0;
  return static_cast<size_t>(out_channels / kChannels * taps * kChannels);
}

void pack_direct_conv_weights(const float* w, int64_t out_channels, int64_t taps, float* w_taps) {
  const int64_t full = out_channels / kChannels * kChannels;
  for (int64_t m = 0; m < full; ++m) {
    for (int64_t r = 0; r < taps; ++r)
      w_taps[((m / kChannels) * taps + r) * kChannels + m % kChannels] = w[m * taps + r];
  }
}

void run_direct_conv(ThreadPool* pool, const DirectConvGeometry& g, const float* x, const float* w,
                     const float* w_taps, const float* bias, float* y, const GemmEpilogue& ep,
                     const kernels::KernelSet& ks) {
  const int64_t cy_count = g.in_channels * g.kernel_h;
  const int64_t taps = cy_count * g.kernel_w;
  const int64_t plane = g.out_h * g.out_w;
  const float* residual = ep.epilogue.residual;
  // Per thread: a gathered block of taps x 16 columns (or a channels-last input's padded patch),
  // then the input row pointers and the block's (pointer-aligned: the block's size is a
  // multiple of 16 floats).
  const int64_t block_floats =
      round_up(std::max(taps * kColumns, g.channels_last ? patch_floats(g) : 0), 16);
  const size_t pointer_floats =
      static_cast<size_t>(2 * cy_count * sizeof(float*)) / sizeof(float) + 1;
  const JobScratch scratch(pool, 0, static_cast<size_t>(block_floats) + pointer_floats);
  parallel_for(pool, g.batch * g.out_h, [&](int64_t task, int thread) {
    const int64_t n = task / g.out_h, oy = task % g.out_h;
    float* block = scratch.at(thread);
    // Pointer storage inside the float scratch: 64-byte aligned start, pointer-sized slots.
    auto** rows = reinterpret_cast<const float**>(block + block_floats);
    const float** block_rows = rows + cy_count;
    tap_rows(g, x + n * g.in_channels * g.in_h * g.in_w, oy, rows);
    float* y_row = y + n * g.out_channels * plane + oy * g.out_w;
    const float* res_row =
        residual ? residual + n * g.out_channels * plane + oy * g.out_w : nullptr;
    for (int64_t m0 = 0; m0 < g.out_channels; m0 += kChannels) {
      const int64_t kb = std::min(kChannels, g.out_channels - m0);
#if defined(__x86_64__)
      if (kb == kChannels && w_taps) {
        (g.channels_last ? row16_avx512_nhwc : row16_avx512)(
            g, rows, w_taps + m0 * taps, bias, m0, y_row, res_row, plane, ep, block, block_rows);
        continue;
      }
#endif
      for (int64_t ox0 = 0; ox0 < g.out_w; ox0 += kColumns) {
        gather_block(g, rows, ox0, block);
        block_portable(block, taps, w, bias, m0, kb, std::min(kColumns, g.out_w - ox0), y_row + ox0,
                       res_row ? res_row + ox0 : nullptr, plane, ep);
      }
    }
    if (ep.needs_row_pass) {
      for (int64_t m = 0; m < g.out_channels; ++m)
        ks.activate_row(ep.row(m), y_row + m * plane, nullptr, g.out_w);
    }
  });
}

}  // namespace edgeinfer::cpu::fast
