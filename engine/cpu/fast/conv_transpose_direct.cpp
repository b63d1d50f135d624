#include "cpu/fast/conv_transpose_direct.h"

#include <algorithm>
#include <string_view>

#include "cpu/fast/common.h"
#include "cpu/fast/transpose16_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace edgeinfer::cpu::fast {

namespace {

// Input pixels summed together: four 16-float vectors (AVX-512), or one block of the portable
// loops. With the 2x2 kernel's 4 taps that is 16 accumulators, enough independent FMAs to hide
// their latency.
constexpr int kLanes = 16;
constexpr int kVectors = 4;
constexpr int64_t kBlockPixels = kLanes * kVectors;
// Taps the portable loops sum at once (their accumulators live on the stack: 4 KB).
constexpr int64_t kPortableTaps = 16;

// One input row and where its outputs go. Tap r = (m * kernel_h + ky) * kernel_w + kx; output
// row q = r / kernel_w = m * kernel_h + ky of this input row starts at row_start(q).
struct InputRow {
  const float* x;  // x[n][0][iy][0]
  int64_t in_plane, in_w, channels;
  const float* w;  // C x taps, as ONNX stores it
  int64_t taps, kernel_h, kernel_w;
  const float* bias;  // per output channel, or null
  float* y;           // y[n][0][iy * kernel_h][0]
  int64_t out_plane, out_w;

  float* row_start(int64_t q) const {
    return y + (q / kernel_h) * out_plane + (q % kernel_h) * out_w;
  }
  float bias_of_row(int64_t q) const { return bias ? bias[q / kernel_h] : 0.f; }
};

// Taps [r0, r0 + count) over input pixels [ix0, ix0 + cols) with plain loops, stored with the
// bias (count <= kPortableTaps, cols <= kBlockPixels). Compiled for AVX2 too (EI_VECTOR_CLONES).
EI_VECTOR_CLONES void taps_portable(const InputRow& row, int64_t r0, int64_t count, int64_t ix0,
                                    int64_t cols) {
  float acc[kPortableTaps][kBlockPixels];
  for (int64_t t = 0; t < count; ++t) {
    const float b = row.bias_of_row((r0 + t) / row.kernel_w);
    for (int64_t j = 0; j < cols; ++j)
      acc[t][j] = b;
  }
  for (int64_t c = 0; c < row.channels; ++c) {
    const float* __restrict xr = row.x + c * row.in_plane + ix0;
    const float* wc = row.w + c * row.taps + r0;
    for (int64_t t = 0; t < count; ++t) {
      const float wv = wc[t];
      float* __restrict a = acc[t];
      for (int64_t j = 0; j < cols; ++j)
        a[j] += wv * xr[j];
    }
  }
  const int64_t kw = row.kernel_w;
  for (int64_t t = 0; t < count;) {
    const int64_t r = r0 + t, q = r / kw, kx = r % kw;
    float* __restrict out = row.row_start(q) + ix0 * kw;
    if (kw == 2 && kx == 0 && t + 1 < count) {
      // Both taps of a 2-wide kernel: a constant stride, which vectorises.
      const float* a = acc[t];
      const float* b = acc[t + 1];
      for (int64_t j = 0; j < cols; ++j) {
        out[2 * j] = a[j];
        out[2 * j + 1] = b[j];
      }
      t += 2;
      continue;
    }
    for (int64_t j = 0; j < cols; ++j)
      out[j * kw + kx] = acc[t][j];
    ++t;
  }
}

void row_portable(const InputRow& row) {
  for (int64_t r0 = 0; r0 < row.taps; r0 += kPortableTaps) {
    const int64_t count = std::min(kPortableTaps, row.taps - r0);
    for (int64_t ix0 = 0; ix0 < row.in_w; ix0 += kBlockPixels)
      taps_portable(row, r0, count, ix0, std::min(kBlockPixels, row.in_w - ix0));
  }
}

// One input row of a blocked tensor into planes: xt[c * ld + ix] = x[cb][ix][lane] for channel
// c = cb * block + lane < channels, ix < in_w. x points at the row in block 0; blocks are
// `block_stride` floats apart.
void unblock_row_portable(const float* x, int64_t block_stride, int block, int64_t channels,
                          int64_t in_w, float* __restrict xt, int64_t ld) {
  for (int64_t c0 = 0; c0 < channels; c0 += block) {
    const float* __restrict xb = x + (c0 / block) * block_stride;
    const int64_t lanes = std::min<int64_t>(block, channels - c0);
    for (int64_t lane = 0; lane < lanes; ++lane) {
      float* __restrict out = xt + (c0 + lane) * ld;
      for (int64_t ix = 0; ix < in_w; ++ix)
        out[ix] = xb[ix * block + lane];
    }
  }
}

#if defined(__x86_64__)

// The first min(n, 16) lanes (none for n <= 0).
inline __mmask16 lanes_below(int64_t n) {
  return n >= kLanes ? static_cast<__mmask16>(0xFFFF)
         : n <= 0    ? static_cast<__mmask16>(0)
                     : static_cast<__mmask16>((1u << n) - 1u);
}

// Output vector k (of three) of a 3-wide kernel's 16 pixels: lane l is output 16k + l, tap
// (16k + l) % 3 of pixel (16k + l) / 3. Taps 0 and 1 come from one two-source permute of a and
// b, tap 2 from a masked permute of c.
struct ThreeWay {
  int32_t from_ab[kLanes];  // pixel in a, or 16 + pixel in b
  int32_t pixel[kLanes];
  __mmask16 take_c;
};
constexpr ThreeWay three_way(int k) {
  ThreeWay way{};
  for (int l = 0; l < kLanes; ++l) {
    const int out = k * kLanes + l, pixel = out / 3, tap = out % 3;
    way.from_ab[l] = tap == 1 ? kLanes + pixel : pixel;
    way.pixel[l] = pixel;
    if (tap == 2) way.take_c = static_cast<__mmask16>(way.take_c | (1u << l));
  }
  return way;
}
constexpr ThreeWay kThreeWay[3] = {three_way(0), three_way(1), three_way(2)};

// kGroups output rows (q0 ...) of kKw taps each over input pixels [ix0, ix0 + cols), cols <= 64:
// kGroups x kKw x 4 accumulators; each input vector is loaded once per channel and shared by
// every tap, each weight broadcast once and shared by the four vectors. A 2-wide kernel's two
// taps are interleaved by two permutes into 32 contiguous outputs, a 3-wide kernel's three by
// six into 48. kMasked: cols < 64.
template <int kKw, int kGroups, bool kMasked>
__attribute__((target("avx512f"))) void taps_avx512(const InputRow& row, int64_t q0, int64_t ix0,
                                                    int64_t cols) {
  constexpr int kTaps = kKw * kGroups;
  __mmask16 mask[kVectors];
#pragma GCC unroll 4
  for (int p = 0; p < kVectors; ++p)
    mask[p] = kMasked ? lanes_below(cols - p * kLanes) : static_cast<__mmask16>(0xFFFF);
  // Fully unrolled, so that the accumulators are registers rather than an array in memory.
  __m512 acc[kTaps][kVectors];
#pragma GCC unroll 8
  for (int t = 0; t < kTaps; ++t) {
    const __m512 b = _mm512_set1_ps(row.bias_of_row(q0 + t / kKw));
#pragma GCC unroll 4
    for (int p = 0; p < kVectors; ++p)
      acc[t][p] = b;
  }
  const float* xc = row.x + ix0;
  const float* wc = row.w + q0 * kKw;
  for (int64_t c = 0; c < row.channels; ++c, xc += row.in_plane, wc += row.taps) {
    __m512 xv[kVectors];
#pragma GCC unroll 4
    for (int p = 0; p < kVectors; ++p)
      xv[p] = kMasked ? _mm512_maskz_loadu_ps(mask[p], xc + p * kLanes)
                      : _mm512_loadu_ps(xc + p * kLanes);
#pragma GCC unroll 8
    for (int t = 0; t < kTaps; ++t) {
      const __m512 wv = _mm512_set1_ps(wc[t]);
#pragma GCC unroll 4
      for (int p = 0; p < kVectors; ++p)
        acc[t][p] = _mm512_fmadd_ps(wv, xv[p], acc[t][p]);
    }
  }
  const __m512i first_halves =
      _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const __m512i second_halves =
      _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
#pragma GCC unroll 8
  for (int g = 0; g < kGroups; ++g) {
    float* out = row.row_start(q0 + g) + ix0 * kKw;
#pragma GCC unroll 4
    for (int p = 0; p < kVectors; ++p) {
      if constexpr (kKw == 1) {
        _mm512_mask_storeu_ps(out + p * kLanes, mask[p], acc[g][p]);
      } else if constexpr (kKw == 3) {
        const __m512 a = acc[3 * g][p], b = acc[3 * g + 1][p], c = acc[3 * g + 2][p];
        float* o = out + p * 3 * kLanes;
        const int64_t left = 3 * (cols - p * kLanes);
#pragma GCC unroll 3
        for (int k = 0; k < 3; ++k) {
          const ThreeWay& way = kThreeWay[k];
          const __m512 ab = _mm512_permutex2var_ps(a, _mm512_loadu_si512(way.from_ab), b);
          const __m512 v =
              _mm512_mask_permutexvar_ps(ab, way.take_c, _mm512_loadu_si512(way.pixel), c);
          _mm512_mask_storeu_ps(o + k * kLanes, lanes_below(left - k * kLanes), v);
        }
      } else {
        const __m512 a = acc[2 * g][p], b = acc[2 * g + 1][p];
        float* o = out + p * 2 * kLanes;
        const int64_t left = 2 * (cols - p * kLanes);  // outputs from o on
        _mm512_mask_storeu_ps(o, lanes_below(left), _mm512_permutex2var_ps(a, first_halves, b));
        _mm512_mask_storeu_ps(o + kLanes, lanes_below(left - kLanes),
                              _mm512_permutex2var_ps(a, second_halves, b));
      }
    }
  }
}

// Output rows [q0, q0 + groups) over one block of input pixels, groups <= kMaxGroups.
template <int kKw, bool kMasked>
void groups_avx512(const InputRow& row, int64_t q0, int64_t groups, int64_t ix0, int64_t cols) {
  switch (groups) {
    case 1:
      return taps_avx512<kKw, 1, kMasked>(row, q0, ix0, cols);
    case 2:
      if constexpr (kKw <= 2) return taps_avx512<kKw, 2, kMasked>(row, q0, ix0, cols);
      break;
    case 3:
      if constexpr (kKw == 1) return taps_avx512<kKw, 3, kMasked>(row, q0, ix0, cols);
      break;
    case 4:
      if constexpr (kKw == 1) return taps_avx512<kKw, 4, kMasked>(row, q0, ix0, cols);
      break;
  }
}

// kernel_w 1, 2 or 3: four output rows at a time (16 accumulators) for kernel_w 1, two for 2,
// one for 3.
template <int kKw>
void row_avx512(const InputRow& row) {
  constexpr int64_t kMaxGroups = kKw == 1 ? 4 : kKw == 2 ? 2 : 1;
  const int64_t rows = row.taps / kKw;
  for (int64_t q0 = 0; q0 < rows; q0 += kMaxGroups) {
    const int64_t groups = std::min(kMaxGroups, rows - q0);
    for (int64_t ix0 = 0; ix0 < row.in_w; ix0 += kBlockPixels) {
      const int64_t cols = std::min(kBlockPixels, row.in_w - ix0);
      if (cols == kBlockPixels) {
        groups_avx512<kKw, false>(row, q0, groups, ix0, cols);
      } else {
        groups_avx512<kKw, true>(row, q0, groups, ix0, cols);
      }
    }
  }
}

// dst[2 * i] = a[i], dst[2 * i + 1] = b[i] for i < n: two channels interleaved, 32 outputs a
// step (the baseline build's loop gets SSE2 and costs as much as the kernel's stores).
__attribute__((target("avx512f"))) void interleave_pair_avx512(const float* a, const float* b,
                                                               int64_t n, float* dst) {
  const __m512i first_halves =
      _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const __m512i second_halves =
      _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
  for (int64_t i = 0; i < n; i += kLanes) {
    const __mmask16 m = lanes_below(n - i);
    const __m512 av = _mm512_maskz_loadu_ps(m, a + i), bv = _mm512_maskz_loadu_ps(m, b + i);
    const int64_t left = 2 * (n - i);
    _mm512_mask_storeu_ps(dst + 2 * i, lanes_below(left),
                          _mm512_permutex2var_ps(av, first_halves, bv));
    _mm512_mask_storeu_ps(dst + 2 * i + kLanes, lanes_below(left - kLanes),
                          _mm512_permutex2var_ps(av, second_halves, bv));
  }
}

// unblock_row_portable for block 16: each 16 pixels x 16 lanes go through the 16 x 16 register
// transpose (transpose16_avx512.h) and are stored as 16 channel vectors. Writes
// every lane of a block that holds a channel (padding lanes' planes are written, never read)
// and whole vectors past in_w up to ld (a multiple of 16).
__attribute__((target("avx512f"))) void unblock_row_avx512(const float* x, int64_t block_stride,
                                                           int64_t channels, int64_t in_w,
                                                           float* __restrict xt, int64_t ld) {
  for (int64_t c0 = 0; c0 < channels; c0 += kLanes) {
    const float* xb = x + (c0 / kLanes) * block_stride;
    float* out = xt + c0 * ld;
    for (int64_t ix0 = 0; ix0 < in_w; ix0 += kLanes) {
      const int64_t pixels = std::min<int64_t>(kLanes, in_w - ix0);
      __m512 r[kLanes];
#pragma GCC unroll 16
      for (int i = 0; i < kLanes; ++i)
        r[i] = i < pixels ? _mm512_loadu_ps(xb + (ix0 + i) * kLanes) : _mm512_setzero_ps();
      transpose16(r);  // r[c]: channel c of the 16 pixels
#pragma GCC unroll 16
      for (int c = 0; c < kLanes; ++c)
        _mm512_storeu_ps(out + c * ld + ix0, r[c]);
    }
  }
}

#endif

// Whether the AVX-512 kernel runs here: the CPU's kernel set is the AVX-512 one.
bool vector_kernel_here() {
  return std::string_view(kernels::best_kernel_set().isa) == "avx512";
}

// The outputs of input row iy of batch item n, `rows` as the row kernel wrote them (out_channels
// x kernel_h rows of out_w), into the NHWC y_channels_last.
void copy_row_channels_last(const UpsampleGeometry& g, const float* rows, int64_t n, int64_t iy,
                            float* __restrict y_channels_last,
                            [[maybe_unused]] bool vector_kernel) {
  const int64_t out_w = g.in_w * g.kernel_w, m_count = g.out_channels;
  const int64_t out_h = g.in_h * g.kernel_h, channel_rows = g.kernel_h * out_w;
  for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
    const float* src = rows + ky * out_w;
    float* __restrict dst = y_channels_last + (n * out_h + iy * g.kernel_h + ky) * out_w * m_count;
    if (m_count == 2) {
      // The selfie decoders' two channels.
      const float* a = src;
      const float* b = src + channel_rows;
#if defined(__x86_64__)
      if (vector_kernel) {
        interleave_pair_avx512(a, b, out_w, dst);
        continue;
      }
#endif
      for (int64_t ox = 0; ox < out_w; ++ox) {
        dst[2 * ox] = a[ox];
        dst[2 * ox + 1] = b[ox];
      }
      continue;
    }
    for (int64_t m = 0; m < m_count; ++m)
      for (int64_t ox = 0; ox < out_w; ++ox)
        dst[ox * m_count + m] = src[m * channel_rows + ox];
  }
}

}  // namespace

bool conv_transpose_direct_preferred(int64_t out_channels, int64_t kernel_h, int64_t kernel_w) {
  return out_channels * kernel_h * kernel_w <= kDirectConvTransposeRuleTaps && kernel_w >= 1 &&
         kernel_w <= 3 && vector_kernel_here();
}

void run_conv_transpose_direct(KernelContext& ctx, const UpsampleGeometry& g, const float* x,
                               const float* w, const float* bias, float* y, const GemmEpilogue& ep,
                               const kernels::KernelSet& ks, bool vector_kernel,
                               float* y_channels_last, int block, float* x_rows) {
  const int64_t taps = g.out_channels * g.kernel_h * g.kernel_w;
  const int64_t out_w = g.in_w * g.kernel_w;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = in_plane * taps / g.out_channels;
  void (*row_kernel)(const InputRow&) = row_portable;
  vector_kernel = vector_kernel && vector_kernel_here();
#if defined(__x86_64__)
  if (vector_kernel) {
    if (g.kernel_w == 1) row_kernel = row_avx512<1>;
    if (g.kernel_w == 2) row_kernel = row_avx512<2>;
    if (g.kernel_w == 3) row_kernel = row_avx512<3>;
  }
#endif
  const float* residual = ep.epilogue.residual;
  // Blocked input: channel blocks and the thread's row of planes.
  const int64_t blocks = block > 0 ? (g.in_channels + block - 1) / block : 0;
  const int64_t row_floats = block > 0 ? direct_blocked_row_floats(g, block) : 0;
  const int64_t row_ld = (g.in_w + 15) / 16 * 16;
  // Work per input row: its C input values read and taps x in_w outputs written.
  const int64_t row_elements = g.in_w * (g.in_channels + taps);
  auto run_rows = [&](int64_t begin, int64_t end, int thread) {
    // Channels-last: each row's outputs go to the thread's block of scratch (planes of kernel_h
    // rows), which stays in cache until it is copied out interleaved.
    float* const rows = y_channels_last ? y + thread * taps * g.in_w : nullptr;
    float* const out = rows ? rows : y;
    const int64_t plane = rows ? g.kernel_h * out_w : out_plane;
    for (int64_t input_row = begin; input_row < end; ++input_row) {
      const int64_t n = input_row / g.in_h, iy = input_row % g.in_h;
      const int64_t out_offset =
          rows ? 0 : n * g.out_channels * out_plane + iy * g.kernel_h * out_w;
      const float* x_row = x + n * g.in_channels * in_plane + iy * g.in_w;
      int64_t x_plane = in_plane;
      if (block > 0) {
        // The row's channels out of their blocks into the thread's planes (stride row_ld).
        float* const xt = x_rows + thread * row_floats;
        const float* xb = x + (n * blocks * in_plane + iy * g.in_w) * block;
#if defined(__x86_64__)
        if (vector_kernel && block == kLanes) {
          unblock_row_avx512(xb, in_plane * block, g.in_channels, g.in_w, xt, row_ld);
        } else {
          unblock_row_portable(xb, in_plane * block, block, g.in_channels, g.in_w, xt, row_ld);
        }
#else
        unblock_row_portable(xb, in_plane * block, block, g.in_channels, g.in_w, xt, row_ld);
#endif
        x_row = xt;
        x_plane = row_ld;
      }
      const InputRow row{x_row,      x_plane,    g.in_w, g.in_channels,    w,     taps,
                         g.kernel_h, g.kernel_w, bias,   out + out_offset, plane, out_w};
      row_kernel(row);
      if (!ep.epilogue.empty()) {
        // The residual and activation over the row's finished outputs while they are in cache
        // (no residual with a channels-last output: the caller runs the reference kernel then).
        for (int64_t q = 0; q < g.out_channels * g.kernel_h; ++q) {
          const int64_t offset = out_offset + (q / g.kernel_h) * plane + (q % g.kernel_h) * out_w;
          ks.activate_row(ep.row(q / g.kernel_h), out + offset,
                          residual ? residual + offset : nullptr, out_w);
        }
      }
      if (rows) copy_row_channels_last(g, rows, n, iy, y_channels_last, vector_kernel);
    }
  };
  for_rows_on_threads(ctx, g.batch * g.in_h, row_elements, run_rows);
}

}  // namespace edgeinfer::cpu::fast
