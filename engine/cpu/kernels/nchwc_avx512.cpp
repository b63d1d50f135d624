// AVX-512 strip kernels of the blocked convolution (nchwc_conv.h), block 16: 2 x 14 dense
// accumulators (28 of the 32 zmm registers), depthwise strips of up to 16 pixels.
#include <immintrin.h>

#include <cstddef>
#include <iterator>
#include <utility>

#include "cpu/kernels/nchwc_conv.h"

namespace edgeinfer::cpu::kernels {
namespace {

// The masked max/min forms take every operand explicitly (GCC 12 warns about the undefined
// pass-through of the unmasked ones); max and min return their second operand for a NaN.
struct V {
  using T = __m512;
  using Keep = __mmask16;
  static constexpr int kB = 16;
  static constexpr __mmask16 kAll = 0xFFFF;

  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T set1(float v) { return _mm512_set1_ps(v); }
  static T zero() { return _mm512_setzero_ps(); }
  static T fmadd(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  // v > 0 ? v : 0
  static T relu(T v) { return _mm512_mask_max_ps(v, kAll, v, zero()); }
  // v < lo ? lo : (v > hi ? hi : v), both comparisons on the unclamped value.
  static T clip(T v, T lo, T hi) {
    const __mmask16 below = _mm512_cmp_ps_mask(v, lo, _CMP_LT_OQ);
    const __mmask16 above = _mm512_cmp_ps_mask(v, hi, _CMP_GT_OQ);
    v = _mm512_mask_mov_ps(v, above, hi);
    return _mm512_mask_mov_ps(v, below, lo);
  }
  static T unit(T t) {
    t = _mm512_mask_min_ps(t, kAll, set1(1.f), t);
    return _mm512_mask_max_ps(t, kAll, zero(), t);
  }
  static T hardswish(T v) { return _mm512_mul_ps(v, unit(fmadd(v, set1(1.f / 6.f), set1(0.5f)))); }
  static T slope(T v, T s) {
    return _mm512_mask_mul_ps(v, _mm512_cmp_ps_mask(v, zero(), _CMP_LT_OQ), v, s);
  }
  static T hardsigmoid(T v, T alpha, T beta) { return unit(fmadd(alpha, v, beta)); }
  static Keep keep_mask(uint64_t bits) { return static_cast<__mmask16>(bits); }
  static T keep(Keep k, T v) { return _mm512_maskz_mov_ps(k, v); }
};

constexpr int kStripSizes[] = {14, 8, 4, 2, 1};
constexpr int kDepthwiseSizes[] = {16, 8, 4, 2, 1};
static_assert(kStripSizes[0] == kNchwcAvx512MaxStrip &&
              kDepthwiseSizes[0] == kNchwcAvx512MaxDepthwiseStrip);

#include "cpu/kernels/nchwc_strips.inc"

}  // namespace

void avx512_nchwc_conv_strip(const NchwcConvStrip& s, int out_blocks, int pixels) {
  conv_strip_any(s, out_blocks, pixels);
}

void avx512_nchwc_depthwise_strip(const NchwcDepthwiseStrip& s, int pixels) {
  depthwise_strip_any(s, pixels);
}

}  // namespace edgeinfer::cpu::kernels
