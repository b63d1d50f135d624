// AVX-512 depthwise channels read straight from the unpadded input (depthwise_direct.h).
//
// A channel is walked in blocks of eight (stride 1) or four output rows (independent FMA chains
// hide the FMA latency) and, inside a block, in strips of 16 output columns (a 16x16 plane has one
// strip). Each tap is one vector load per row: plain loads inside the input, masked loads at the
// left and right edges (lanes in the padding load 0), and rows in the padding read a row of zeros.
// At horizontal stride 2 a tap loads 32 consecutive input columns and keeps the even ones (one
// permute), which replaces the generic path's phase-split copy.
#include <immintrin.h>

#include "cpu/kernels/depthwise_direct.h"

namespace edgeinfer::cpu::kernels {
namespace {

constexpr int kLanes = 16;
// Output rows per block: each is an independent chain of FMAs. At stride 1 the first and last
// input rows of a block feed only one output row each, so eight rows keep enough chains going;
// at stride 2, four (more would spill the input-row pointers and the weights).
template <int KH, int SW>
constexpr int kRows = SW == 1 ? 8 : 4;

// The activation of DepthwiseDirect::activation, with the scalar loops' NaN behaviour
// (portable_loops.inc, depthwise_finish). The masked max/min forms take every operand
// explicitly: GCC 12 warns about the undefined pass-through of the unmasked ones.
template <int ACT>
inline __m512 finish(__m512 v, __m512 lo, __m512 hi) {
  const __mmask16 all = 0xFFFF;
  const __m512 zero = _mm512_setzero_ps();
  if constexpr (ACT == 1) {
    // max(v, 0) returns its second operand for a NaN, as v > 0 ? v : 0 does.
    return _mm512_mask_max_ps(v, all, v, zero);
  } else if constexpr (ACT == 2) {
    // v < lo ? lo : (v > hi ? hi : v), both comparisons on the unclamped value.
    const __mmask16 below = _mm512_cmp_ps_mask(v, lo, _CMP_LT_OQ);
    const __mmask16 above = _mm512_cmp_ps_mask(v, hi, _CMP_GT_OQ);
    v = _mm512_mask_mov_ps(v, above, hi);
    return _mm512_mask_mov_ps(v, below, lo);
  } else if constexpr (ACT == 3) {
    // v * max(0, min(1, v / 6 + 1/2)); min and max return the second operand for a NaN.
    __m512 t = _mm512_fmadd_ps(v, _mm512_set1_ps(1.f / 6.f), _mm512_set1_ps(0.5f));
    t = _mm512_mask_min_ps(t, all, _mm512_set1_ps(1.f), t);
    t = _mm512_mask_max_ps(t, all, zero, t);
    return _mm512_mul_ps(v, t);
  } else {
    return v;
  }
}

// Lanes [first, last) of a 32-lane window as a bit mask (empty when last <= first).
inline uint32_t lane_bits(int64_t first, int64_t last) {
  if (last <= first) return 0;
  const uint64_t below_last = (uint64_t{1} << last) - 1;
  const uint64_t below_first = (uint64_t{1} << first) - 1;
  return static_cast<uint32_t>(below_last & ~below_first);
}

// Tap column kx's vector at p: plain or masked loads, and at stride 2 the even lanes of 32.
template <int SW, bool MASKED>
__attribute__((always_inline)) inline __m512 load_tap(const float* p, __mmask16 mask_lo,
                                                      __mmask16 mask_hi) {
  if constexpr (SW == 1) {
    return MASKED ? _mm512_maskz_loadu_ps(mask_lo, p) : _mm512_loadu_ps(p);
  } else {
    const __m512i even =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512 a = MASKED ? _mm512_maskz_loadu_ps(mask_lo, p) : _mm512_loadu_ps(p);
    const __m512 b =
        MASKED ? _mm512_maskz_loadu_ps(mask_hi, p + kLanes) : _mm512_loadu_ps(p + kLanes);
    return _mm512_permutex2var_ps(a, even, b);
  }
}

// As accumulate, where the vertical stride equals SW and the vertical dilation is 1: the rows
// of the block overlap (row r's tap row ky is input row r * SW + ky of the block), so each
// input vector is loaded once and feeds every output row whose window holds it.
template <int KH, int KW, int SW, bool MASKED>
__attribute__((always_inline)) inline void accumulate_shared(
    const float* const (&in_rows)[(kRows<KH, SW> - 1) * SW + KH], int64_t col, int64_t dilation_w,
    const __m512* wv, const __mmask16* mask_lo, const __mmask16* mask_hi,
    __m512 (&acc)[kRows<KH, SW>]) {
#pragma GCC unroll 16
  for (int i = 0; i < (kRows<KH, SW> - 1) * SW + KH; ++i) {
#pragma GCC unroll 5
    for (int kx = 0; kx < KW; ++kx) {
      const __m512 v = load_tap<SW, MASKED>(in_rows[i] + col + kx * dilation_w,
                                            MASKED ? mask_lo[kx] : 0, MASKED ? mask_hi[kx] : 0);
#pragma GCC unroll 8
      for (int r = 0; r < kRows<KH, SW>; ++r) {
        const int ky = i - r * SW;
        if (ky >= 0 && ky < KH) acc[r] = _mm512_fmadd_ps(wv[ky * KW + kx], v, acc[r]);
      }
    }
  }
}

// acc[r] += the KH x KW window of output row r of the block at input column `col` (the strip's
// first tap). src[r][ky] is the input row that tap row ky of output row r reads (the zero row
// for rows in the padding). MASKED: mask_lo / mask_hi[kx] say which of the SW * 16 lanes of tap
// column kx lie inside the input; masked lanes are neither read nor faulted on, so the window
// may start left of the row (col < 0) or end past it.
template <int KH, int KW, int SW, bool MASKED>
__attribute__((always_inline)) inline void accumulate(const float* const (&src)[kRows<KH, SW>][KH],
                                                      int64_t col, int64_t dilation_w,
                                                      const __m512* wv, const __mmask16* mask_lo,
                                                      const __mmask16* mask_hi,
                                                      __m512 (&acc)[kRows<KH, SW>]) {
#pragma GCC unroll 5
  for (int ky = 0; ky < KH; ++ky) {
#pragma GCC unroll 5
    for (int kx = 0; kx < KW; ++kx) {
      const __m512 wk = wv[ky * KW + kx];
      const int64_t c = col + kx * dilation_w;
#pragma GCC unroll 8
      for (int r = 0; r < kRows<KH, SW>; ++r) {
        const __m512 v = load_tap<SW, MASKED>(src[r][ky] + c, MASKED ? mask_lo[kx] : 0,
                                              MASKED ? mask_hi[kx] : 0);
        acc[r] = _mm512_fmadd_ps(wk, v, acc[r]);
      }
    }
  }
}

// SHARED: the vertical stride is SW and the vertical dilation 1 (accumulate_shared).
template <int KH, int KW, int SW, bool SHARED, int ACT>
void depthwise_channel(const DepthwiseDirect& g, const float* x, const float* w, float bias,
                       float* y) {
  __m512 wv[KH * KW];
  for (int t = 0; t < KH * KW; ++t)
    wv[t] = _mm512_set1_ps(w[t]);
  const __m512 vbias = _mm512_set1_ps(bias);
  const __m512 lo = _mm512_set1_ps(g.clip_lo), hi = _mm512_set1_ps(g.clip_hi);
  for (int64_t oy0 = 0; oy0 < g.out_h; oy0 += kRows<KH, SW>) {
    const int64_t rows = g.out_h - oy0 < kRows<KH, SW> ? g.out_h - oy0 : kRows<KH, SW>;
    // Rows in the padding read the zero row (rows of outputs past the last one are computed,
    // never stored): the tap loops stay free of branches, so the accumulators stay in
    // registers.
    const float* src[kRows<KH, SW>][KH];
    const float* in_rows[(kRows<KH, SW> - 1) * SW + KH];
    if constexpr (SHARED) {
      for (int i = 0; i < (kRows<KH, SW> - 1) * SW + KH; ++i) {
        const int64_t iy = oy0 * SW + i - g.pad_top;
        in_rows[i] = iy >= 0 && iy < g.in_h ? x + iy * g.in_w : g.zero_row;
      }
    } else {
      for (int r = 0; r < kRows<KH, SW>; ++r) {
        for (int ky = 0; ky < KH; ++ky) {
          const int64_t iy = (oy0 + r) * g.stride_h + ky * g.dilation_h - g.pad_top;
          src[r][ky] = iy >= 0 && iy < g.in_h ? x + iy * g.in_w : g.zero_row;
        }
      }
    }
    for (int64_t ox0 = 0; ox0 < g.out_w; ox0 += kLanes) {
      const int64_t n = g.out_w - ox0 < kLanes ? g.out_w - ox0 : kLanes;
      const int64_t col = ox0 * SW - g.pad_left;
      __m512 acc[kRows<KH, SW>];
      for (int r = 0; r < kRows<KH, SW>; ++r)
        acc[r] = vbias;
      if (n == kLanes && col >= 0 && col + (KW - 1) * g.dilation_w + SW * kLanes <= g.in_w) {
        if constexpr (SHARED) {
          accumulate_shared<KH, KW, SW, false>(in_rows, col, g.dilation_w, wv, nullptr, nullptr,
                                               acc);
        } else {
          accumulate<KH, KW, SW, false>(src, col, g.dilation_w, wv, nullptr, nullptr, acc);
        }
      } else {
        // Which lanes of each tap column lie inside the input and feed a stored output.
        __mmask16 mask_lo[KW], mask_hi[KW];
        for (int kx = 0; kx < KW; ++kx) {
          const int64_t c = col + kx * g.dilation_w;
          const int64_t last = g.in_w - c < SW * n ? g.in_w - c : SW * n;
          const uint32_t bits = lane_bits(c < 0 ? -c : 0, last);
          mask_lo[kx] = static_cast<__mmask16>(bits & 0xFFFF);
          mask_hi[kx] = static_cast<__mmask16>(bits >> 16);
        }
        if constexpr (SHARED) {
          accumulate_shared<KH, KW, SW, true>(in_rows, col, g.dilation_w, wv, mask_lo, mask_hi,
                                              acc);
        } else {
          accumulate<KH, KW, SW, true>(src, col, g.dilation_w, wv, mask_lo, mask_hi, acc);
        }
      }
      const __mmask16 store_mask = static_cast<__mmask16>((1u << n) - 1);
      for (int r = 0; r < rows; ++r) {
        _mm512_mask_storeu_ps(y + (oy0 + r) * g.out_w + ox0, store_mask,
                              finish<ACT>(acc[r], lo, hi));
      }
    }
  }
}

template <int KH, int KW, int SW, bool SHARED>
void depthwise_any_activation(const DepthwiseDirect& g, const float* x, const float* w, float bias,
                              float* y) {
  switch (g.activation) {
    case 1:
      depthwise_channel<KH, KW, SW, SHARED, 1>(g, x, w, bias, y);
      break;
    case 2:
      depthwise_channel<KH, KW, SW, SHARED, 2>(g, x, w, bias, y);
      break;
    case 3:
      depthwise_channel<KH, KW, SW, SHARED, 3>(g, x, w, bias, y);
      break;
    default:
      depthwise_channel<KH, KW, SW, SHARED, 0>(g, x, w, bias, y);
  }
}

template <int KH, int KW, int SW>
void depthwise_any(const DepthwiseDirect& g, const float* x, const float* w, float bias, float* y) {
  if (g.stride_h == SW && g.dilation_h == 1) {
    depthwise_any_activation<KH, KW, SW, true>(g, x, w, bias, y);
  } else {
    depthwise_any_activation<KH, KW, SW, false>(g, x, w, bias, y);
  }
}

template <int K>
DepthwiseDirectFn for_stride(int64_t stride_w) {
  if (stride_w == 1) return depthwise_any<K, K, 1>;
  if (stride_w == 2) return depthwise_any<K, K, 2>;
  return nullptr;
}

}  // namespace

DepthwiseDirectFn avx512_depthwise_direct(int64_t kh, int64_t kw, int64_t stride_w) {
  if (kh == 3 && kw == 3) return for_stride<3>(stride_w);
  if (kh == 5 && kw == 5) return for_stride<5>(stride_w);
  return nullptr;
}

}  // namespace edgeinfer::cpu::kernels
