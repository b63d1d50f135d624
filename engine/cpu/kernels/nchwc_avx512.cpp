// AVX-512 strip kernels of the blocked convolution (nchwc_conv.h), block 16.
//
// Dense: one zmm accumulator per strip pixel and output block (2 x 14 = 28 registers), and for
// each input channel the two weight vectors of the output blocks times the input value broadcast
// from memory. With a blocked input at horizontal stride 1 or 2 the pixel stride is a constant,
// so every broadcast is an embedded-broadcast operand at a fixed displacement from one pointer.
//
// Depthwise: one accumulator per strip pixel, a vector FMA per tap; with the whole 3x3 or 5x5
// window inside the input (dilation 1), each input row's vectors are loaded once and shared by
// the taps and pixels that read them.
#include <immintrin.h>

#include <utility>

#include "cpu/kernels/nchwc_conv.h"

namespace edgeinfer::cpu::kernels {
namespace {

constexpr int kB = 16;

// The activation of NchwcActivation on one vector (NaN behaviour as the reference's scalar
// comparisons). The masked max/min forms take every operand explicitly (GCC 12 warns about the
// undefined pass-through of the unmasked ones).
template <int ACT>
__attribute__((always_inline)) inline __m512 finish(__m512 v, __m512 lo, __m512 hi, __m512 slope) {
  const __mmask16 all = 0xFFFF;
  const __m512 zero = _mm512_setzero_ps();
  if constexpr (ACT == kNchwcActRelu) {
    return _mm512_mask_max_ps(v, all, v, zero);
  } else if constexpr (ACT == kNchwcActClip) {
    const __mmask16 below = _mm512_cmp_ps_mask(v, lo, _CMP_LT_OQ);
    const __mmask16 above = _mm512_cmp_ps_mask(v, hi, _CMP_GT_OQ);
    v = _mm512_mask_mov_ps(v, above, hi);
    return _mm512_mask_mov_ps(v, below, lo);
  } else if constexpr (ACT == kNchwcActHardSwish) {
    __m512 t = _mm512_fmadd_ps(v, _mm512_set1_ps(1.f / 6.f), _mm512_set1_ps(0.5f));
    t = _mm512_mask_min_ps(t, all, _mm512_set1_ps(1.f), t);
    t = _mm512_mask_max_ps(t, all, zero, t);
    return _mm512_mul_ps(v, t);
  } else if constexpr (ACT == kNchwcActSlope) {
    const __mmask16 negative = _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ);
    return _mm512_mask_mul_ps(v, negative, v, slope);
  } else if constexpr (ACT == kNchwcActHardSigmoid) {
    __m512 t = _mm512_fmadd_ps(lo, v, hi);
    t = _mm512_mask_min_ps(t, all, _mm512_set1_ps(1.f), t);
    return _mm512_mask_max_ps(t, all, zero, t);
  } else {
    return v;
  }
}

// Adds the residual, applies the activation and stores acc[o][j] at y[o] + j * 16.
// Padding lanes (not in `keep`) are stored as 0.
template <int NOC, int S, int ACT>
__attribute__((always_inline)) inline void store_strip(__m512 (&acc)[NOC][S],
                                                       const float* const* residual,
                                                       float* const* y, const float* const* slope,
                                                       const uint64_t* keep, float lo_s,
                                                       float hi_s) {
  const __m512 lo = _mm512_set1_ps(lo_s), hi = _mm512_set1_ps(hi_s);
#pragma GCC unroll 2
  for (int o = 0; o < NOC; ++o) {
    const __m512 sl = ACT == kNchwcActSlope ? _mm512_loadu_ps(slope[o]) : _mm512_setzero_ps();
    const __mmask16 k = static_cast<__mmask16>(keep[o]);
#pragma GCC unroll 14
    for (int j = 0; j < S; ++j) {
      __m512 v = acc[o][j];
      if (residual[o]) v = _mm512_add_ps(v, _mm512_loadu_ps(residual[o] + j * kB));
      _mm512_storeu_ps(y[o] + j * kB, _mm512_maskz_mov_ps(k, finish<ACT>(v, lo, hi, sl)));
    }
  }
}

template <int NOC, int S>
__attribute__((always_inline)) inline void finish_strip(__m512 (&acc)[NOC][S], int activation,
                                                        const float* const* residual,
                                                        float* const* y, const float* const* slope,
                                                        const uint64_t* keep, float lo, float hi) {
  switch (activation) {
    case kNchwcActRelu:
      return store_strip<NOC, S, kNchwcActRelu>(acc, residual, y, slope, keep, lo, hi);
    case kNchwcActClip:
      return store_strip<NOC, S, kNchwcActClip>(acc, residual, y, slope, keep, lo, hi);
    case kNchwcActHardSwish:
      return store_strip<NOC, S, kNchwcActHardSwish>(acc, residual, y, slope, keep, lo, hi);
    case kNchwcActSlope:
      return store_strip<NOC, S, kNchwcActSlope>(acc, residual, y, slope, keep, lo, hi);
    case kNchwcActHardSigmoid:
      return store_strip<NOC, S, kNchwcActHardSigmoid>(acc, residual, y, slope, keep, lo, hi);
    default:
      return store_strip<NOC, S, kNchwcActNone>(acc, residual, y, slope, keep, lo, hi);
  }
}

// PS: the input pixel stride when constant (a blocked input at stride 1 or 2), else 0.
// BLOCKED: input blocks of 16 channels, 1 float apart (else `lanes` channels x_lane apart).
template <int NOC, int S, int PS, bool BLOCKED>
void conv_strip(const NchwcConvStrip& s) {
  __m512 acc[NOC][S];
#pragma GCC unroll 2
  for (int o = 0; o < NOC; ++o) {
    const __m512 b = _mm512_loadu_ps(s.bias[o]);
#pragma GCC unroll 14
    for (int j = 0; j < S; ++j)
      acc[o][j] = b;
  }
  const int64_t xp = PS ? PS : s.x_pixel;
  const float* w1_base = NOC == 2 ? s.w[1] : s.w[0];
  for (int64_t ib = 0; ib < s.in_blocks; ++ib) {
    for (int64_t ky = 0; ky < s.ky_count; ++ky) {
      for (int64_t kx = 0; kx < s.kx_count; ++kx) {
        const int64_t w_off = ib * s.w_block + ky * s.w_ky + kx * s.w_kx;
        const float* w0 = s.w[0] + w_off;
        const float* w1 = w1_base + w_off;
        const float* xt = s.x + (ib * s.x_block + ky * s.x_ky + kx * s.x_kx);
        if constexpr (BLOCKED) {
#pragma GCC unroll 16
          for (int i = 0; i < kB; ++i) {
            const __m512 wa = _mm512_loadu_ps(w0 + i * kB);
            const __m512 wb = NOC == 2 ? _mm512_loadu_ps(w1 + i * kB) : wa;
#pragma GCC unroll 14
            for (int j = 0; j < S; ++j) {
              const __m512 xv = _mm512_set1_ps(xt[j * xp + i]);
              acc[0][j] = _mm512_fmadd_ps(wa, xv, acc[0][j]);
              if constexpr (NOC == 2) acc[NOC - 1][j] = _mm512_fmadd_ps(wb, xv, acc[NOC - 1][j]);
            }
          }
        } else {
          for (int64_t i = 0; i < s.lanes; ++i) {
            const __m512 wa = _mm512_loadu_ps(w0 + i * kB);
            const __m512 wb = NOC == 2 ? _mm512_loadu_ps(w1 + i * kB) : wa;
            const float* xi = xt + i * s.x_lane;
#pragma GCC unroll 14
            for (int j = 0; j < S; ++j) {
              const __m512 xv = _mm512_set1_ps(xi[j * xp]);
              acc[0][j] = _mm512_fmadd_ps(wa, xv, acc[0][j]);
              if constexpr (NOC == 2) acc[NOC - 1][j] = _mm512_fmadd_ps(wb, xv, acc[NOC - 1][j]);
            }
          }
        }
      }
    }
  }
  finish_strip<NOC, S>(acc, s.activation, s.residual, s.y, s.slope, s.keep, s.lo, s.hi);
}

using ConvStripFn = void (*)(const NchwcConvStrip&);

template <int PS, bool BLOCKED, int... I>
constexpr std::pair<ConvStripFn, ConvStripFn> conv_entry(int pixels,
                                                         std::integer_sequence<int, I...>) {
  constexpr ConvStripFn one[] = {conv_strip<1, I + 1, PS, BLOCKED>...};
  constexpr ConvStripFn two[] = {conv_strip<2, I + 1, PS, BLOCKED>...};
  return {one[pixels - 1], two[pixels - 1]};
}

template <int PS, bool BLOCKED>
void run_conv(const NchwcConvStrip& s, int out_blocks, int pixels) {
  const auto fns =
      conv_entry<PS, BLOCKED>(pixels, std::make_integer_sequence<int, kNchwcMaxStrip>());
  (out_blocks == 2 ? fns.second : fns.first)(s);
}

// Depthwise, any window: taps read one by one.
template <int S, int PS>
void depthwise_strip(const NchwcDepthwiseStrip& s) {
  __m512 acc[1][S];
  const __m512 b = _mm512_loadu_ps(s.bias);
#pragma GCC unroll 8
  for (int j = 0; j < S; ++j)
    acc[0][j] = b;
  const int64_t xp = PS ? PS : s.x_pixel;
  for (int64_t ky = 0; ky < s.ky_count; ++ky) {
    for (int64_t kx = 0; kx < s.kx_count; ++kx) {
      const __m512 wv = _mm512_loadu_ps(s.w + ky * s.w_ky + kx * s.w_kx);
      const float* xt = s.x + (ky * s.x_ky + kx * s.x_kx);
#pragma GCC unroll 8
      for (int j = 0; j < S; ++j)
        acc[0][j] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(xt + j * xp), acc[0][j]);
    }
  }
  finish_strip<1, S>(acc, s.activation, &s.residual, &s.y, &s.slope, &s.keep, s.lo, s.hi);
}

// Depthwise with the whole KW-wide window inside the input, horizontal stride SW and dilation
// 1: input column c of a tap row (16 floats apart) feeds pixel j's tap kx where c = j * SW + kx.
template <int S, int SW, int KW>
void depthwise_strip_shared(const NchwcDepthwiseStrip& s) {
  constexpr int kColumns = (S - 1) * SW + KW;
  __m512 acc[1][S];
  const __m512 b = _mm512_loadu_ps(s.bias);
#pragma GCC unroll 8
  for (int j = 0; j < S; ++j)
    acc[0][j] = b;
  for (int64_t ky = 0; ky < s.ky_count; ++ky) {
    const float* row = s.x + ky * s.x_ky;
    const float* wr = s.w + ky * s.w_ky;
    __m512 wv[KW];
#pragma GCC unroll 5
    for (int kx = 0; kx < KW; ++kx)
      wv[kx] = _mm512_loadu_ps(wr + kx * kB);
#pragma GCC unroll 20
    for (int c = 0; c < kColumns; ++c) {
      const __m512 v = _mm512_loadu_ps(row + c * kB);
#pragma GCC unroll 5
      for (int kx = 0; kx < KW; ++kx) {
        const int d = c - kx;
        if (d >= 0 && d % SW == 0 && d / SW < S) {
          acc[0][d / SW] = _mm512_fmadd_ps(wv[kx], v, acc[0][d / SW]);
        }
      }
    }
  }
  finish_strip<1, S>(acc, s.activation, &s.residual, &s.y, &s.slope, &s.keep, s.lo, s.hi);
}

using DepthwiseStripFn = void (*)(const NchwcDepthwiseStrip&);

template <int PS, int... I>
constexpr DepthwiseStripFn depthwise_entry(int pixels, std::integer_sequence<int, I...>) {
  constexpr DepthwiseStripFn fns[] = {depthwise_strip<I + 1, PS>...};
  return fns[pixels - 1];
}

template <int SW, int KW, int... I>
constexpr DepthwiseStripFn shared_entry(int pixels, std::integer_sequence<int, I...>) {
  constexpr DepthwiseStripFn fns[] = {depthwise_strip_shared<I + 1, SW, KW>...};
  return fns[pixels - 1];
}

}  // namespace

void avx512_nchwc_conv_strip(const NchwcConvStrip& s, int out_blocks, int pixels) {
  if (s.lanes == kB && s.x_lane == 1) {
    if (s.x_pixel == kB) return run_conv<kB, true>(s, out_blocks, pixels);
    if (s.x_pixel == 2 * kB) return run_conv<2 * kB, true>(s, out_blocks, pixels);
    return run_conv<0, true>(s, out_blocks, pixels);
  }
  run_conv<0, false>(s, out_blocks, pixels);
}

void avx512_nchwc_depthwise_strip(const NchwcDepthwiseStrip& s, int pixels) {
  constexpr auto seq = std::make_integer_sequence<int, kNchwcMaxDepthwiseStrip>();
  // The shared-row kernels need the whole window at dilation 1 (taps 16 floats apart).
  if (s.x_kx == kB && s.w_kx == kB && (s.kx_count == 3 || s.kx_count == 5) &&
      (s.x_pixel == kB || s.x_pixel == 2 * kB)) {
    const bool s1 = s.x_pixel == kB;
    if (s.kx_count == 3)
      return (s1 ? shared_entry<1, 3>(pixels, seq) : shared_entry<2, 3>(pixels, seq))(s);
    return (s1 ? shared_entry<1, 5>(pixels, seq) : shared_entry<2, 5>(pixels, seq))(s);
  }
  if (s.x_pixel == kB) return depthwise_entry<kB>(pixels, seq)(s);
  if (s.x_pixel == 2 * kB) return depthwise_entry<2 * kB>(pixels, seq)(s);
  depthwise_entry<0>(pixels, seq)(s);
}

}  // namespace edgeinfer::cpu::kernels
