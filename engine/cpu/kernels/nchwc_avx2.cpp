// AVX2 strip kernels of the blocked convolution (nchwc_conv.h), block 8: 2 x 6 dense
// accumulators (12 of the 16 ymm registers), depthwise strips of up to 8 pixels.
#include <immintrin.h>

#include <cstddef>
#include <iterator>
#include <utility>

#include "cpu/kernels/nchwc_conv.h"

namespace edgeinfer::cpu::kernels {
namespace {

// max and min return their second operand for a NaN, as the AVX-512 forms.
struct V {
  using T = __m256;
  using Keep = __m256;
  static constexpr int kB = 8;

  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T set1(float v) { return _mm256_set1_ps(v); }
  static T zero() { return _mm256_setzero_ps(); }
  static T fmadd(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T relu(T v) { return _mm256_max_ps(v, zero()); }
  static T clip(T v, T lo, T hi) {
    const T below = _mm256_cmp_ps(v, lo, _CMP_LT_OQ);
    const T above = _mm256_cmp_ps(v, hi, _CMP_GT_OQ);
    v = _mm256_blendv_ps(v, hi, above);
    return _mm256_blendv_ps(v, lo, below);
  }
  static T unit(T t) { return _mm256_max_ps(zero(), _mm256_min_ps(set1(1.f), t)); }
  static T hardswish(T v) { return _mm256_mul_ps(v, unit(fmadd(v, set1(1.f / 6.f), set1(0.5f)))); }
  static T slope(T v, T s) {
    return _mm256_blendv_ps(v, _mm256_mul_ps(v, s), _mm256_cmp_ps(v, zero(), _CMP_LT_OQ));
  }
  static T hardsigmoid(T v, T alpha, T beta) { return unit(fmadd(alpha, v, beta)); }
  // All ones in the lanes of `bits`.
  static Keep keep_mask(uint64_t bits) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i set =
        _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(static_cast<int>(bits & 0xFF)), lane),
                         _mm256_set1_epi32(1));
    return _mm256_castsi256_ps(_mm256_cmpeq_epi32(set, _mm256_set1_epi32(1)));
  }
  static T keep(Keep k, T v) { return _mm256_and_ps(k, v); }
};

constexpr int kStripSizes[] = {6, 4, 2, 1};
constexpr int kDepthwiseSizes[] = {8, 4, 2, 1};
static_assert(kStripSizes[0] == kNchwcAvx2MaxStrip &&
              kDepthwiseSizes[0] == kNchwcAvx2MaxDepthwiseStrip);

#include "cpu/kernels/nchwc_strips.inc"

}  // namespace

void avx2_nchwc_conv_strip(const NchwcConvStrip& s, int out_blocks, int pixels) {
  conv_strip_any(s, out_blocks, pixels);
}

void avx2_nchwc_depthwise_strip(const NchwcDepthwiseStrip& s, int pixels) {
  depthwise_strip_any(s, pixels);
}

}  // namespace edgeinfer::cpu::kernels
