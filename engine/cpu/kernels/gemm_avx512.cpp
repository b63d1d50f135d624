// AVX-512 kernel set: an 8 x 32 SGEMM tile (16 zmm accumulators, two B vectors and one
// broadcast A value per k step), plus the shared loops compiled for AVX-512.
#include <immintrin.h>

#include <math.h>

#include "cpu/kernels/kernel_set.h"

namespace edgeinfer::cpu::kernels {
namespace avx512 {

constexpr int kMR = 8;
constexpr int kNR = 32;

#include "cpu/kernels/gemm_tail.inc"
#include "cpu/kernels/portable_loops.inc"

// min(max(v, lo), hi). The masked forms take every operand explicitly: GCC 12 warns about the
// undefined pass-through of the unmasked _mm512_max_ps/_mm512_min_ps.
inline __m512 clamp(__m512 v, __m512 lo, __m512 hi) {
  const __mmask16 all = 0xFFFF;
  v = _mm512_mask_max_ps(v, all, v, lo);
  return _mm512_mask_min_ps(v, all, v, hi);
}

void gemm_8x32(int64_t k, const float* a, const float* b, int mr, int nr, const GemmOutput& out) {
  __m512 c0[kMR], c1[kMR];
  for (int i = 0; i < kMR; ++i) {
    c0[i] = _mm512_setzero_ps();
    c1[i] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < k; ++p) {
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
    for (int i = 0; i < kMR; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);
    }
    a += kMR;
    b += kNR;
  }
  if (mr == kMR && nr == kNR) {
    const bool clamped = out.lo != -__builtin_inff() || out.hi != __builtin_inff();
    const __m512 lo = _mm512_set1_ps(out.lo);
    const __m512 hi = _mm512_set1_ps(out.hi);
    const __m512 sixth = _mm512_set1_ps(1.f / 6.f), half = _mm512_set1_ps(0.5f);
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.f);
    for (int i = 0; i < kMR; ++i) {
      __m512 v0 = c0[i], v1 = c1[i];
      if (out.bias) {
        const __m512 bi = _mm512_set1_ps(out.bias[i]);
        v0 = _mm512_add_ps(v0, bi);
        v1 = _mm512_add_ps(v1, bi);
      }
      if (out.residual) {
        const float* r = out.residual + i * out.ldr;
        v0 = _mm512_add_ps(v0, _mm512_loadu_ps(r));
        v1 = _mm512_add_ps(v1, _mm512_loadu_ps(r + 16));
      }
      // Only a real clamp is applied: max/min turn a NaN into the bound, and without an
      // activation a NaN result must stay NaN (as the tail store keeps it).
      if (clamped) {
        v0 = clamp(v0, lo, hi);
        v1 = clamp(v1, lo, hi);
      }
      if (out.hardswish) {
        v0 = _mm512_mul_ps(v0, clamp(_mm512_fmadd_ps(v0, sixth, half), zero, one));
        v1 = _mm512_mul_ps(v1, clamp(_mm512_fmadd_ps(v1, sixth, half), zero, one));
      }
      float* c = out.c + i * out.ldc;
      _mm512_storeu_ps(c, v0);
      _mm512_storeu_ps(c + 16, v1);
    }
    return;
  }
  alignas(64) float acc[kMR * kNR];
  for (int i = 0; i < kMR; ++i) {
    _mm512_store_ps(acc + i * kNR, c0[i]);
    _mm512_store_ps(acc + i * kNR + 16, c1[i]);
  }
  store_tile_tail(acc, kNR, mr, nr, out);
}

}  // namespace avx512

const KernelSet& avx512_kernel_set() {
  static const KernelSet set{"avx512",          avx512::kMR,       avx512::kNR,
                             avx512::gemm_8x32, avx512::depthwise, avx512::activate_row};
  return set;
}

}  // namespace edgeinfer::cpu::kernels
