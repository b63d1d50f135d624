// AVX2+FMA kernel set: a 4 x 24 SGEMM tile (12 ymm accumulators, three B vectors and one
// broadcast A value per k step), plus the shared loops compiled for AVX2.
#include <immintrin.h>

#include <math.h>

#include "cpu/kernels/kernel_set.h"

namespace edgeinfer::cpu::kernels {
namespace avx2 {

constexpr int kMR = 4;
constexpr int kNR = 24;

#include "cpu/kernels/gemm_tail.inc"
#include "cpu/kernels/portable_loops.inc"

void gemm_4x24(int64_t k, const float* a, const float* b, int mr, int nr, const GemmOutput& out) {
  __m256 c[kMR][3];
  for (int i = 0; i < kMR; ++i)
    for (int j = 0; j < 3; ++j)
      c[i][j] = _mm256_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
    const __m256 b2 = _mm256_loadu_ps(b + 16);
    for (int i = 0; i < kMR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      c[i][0] = _mm256_fmadd_ps(ai, b0, c[i][0]);
      c[i][1] = _mm256_fmadd_ps(ai, b1, c[i][1]);
      c[i][2] = _mm256_fmadd_ps(ai, b2, c[i][2]);
    }
    a += kMR;
    b += kNR;
  }
  if (mr == kMR && nr == kNR) {
    const bool clamped = out.lo != -__builtin_inff() || out.hi != __builtin_inff();
    const __m256 lo = _mm256_set1_ps(out.lo);
    const __m256 hi = _mm256_set1_ps(out.hi);
    const __m256 sixth = _mm256_set1_ps(1.f / 6.f), half = _mm256_set1_ps(0.5f);
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.f);
    for (int i = 0; i < kMR; ++i) {
      const __m256 bi = _mm256_set1_ps(out.bias ? out.bias[i] : 0.f);
      const float* r = out.residual ? out.residual + i * out.ldr : nullptr;
      float* dst = out.c + i * out.ldc;
      for (int j = 0; j < 3; ++j) {
        __m256 v = _mm256_add_ps(c[i][j], bi);
        if (r) v = _mm256_add_ps(v, _mm256_loadu_ps(r + 8 * j));
        // Only a real clamp: max/min would turn a NaN result into the bound.
        if (clamped) v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
        if (out.hardswish) {
          const __m256 t = _mm256_fmadd_ps(v, sixth, half);
          v = _mm256_mul_ps(v, _mm256_min_ps(_mm256_max_ps(t, zero), one));
        }
        _mm256_storeu_ps(dst + 8 * j, v);
      }
    }
    return;
  }
  alignas(32) float acc[kMR * kNR];
  for (int i = 0; i < kMR; ++i)
    for (int j = 0; j < 3; ++j)
      _mm256_store_ps(acc + i * kNR + 8 * j, c[i][j]);
  store_tile_tail(acc, kNR, mr, nr, out);
}

}  // namespace avx2

const KernelSet& avx2_kernel_set() {
  static const KernelSet set{"avx2",          avx2::kMR,       avx2::kNR,
                             avx2::gemm_4x24, avx2::depthwise, avx2::activate_row};
  return set;
}

}  // namespace edgeinfer::cpu::kernels
