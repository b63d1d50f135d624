// The AVX-512 8 x 32 SGEMM tile with register-resident accumulators (gemm_avx512_registers.h):
// 16 zmm accumulators, two B vectors and one broadcast A value per k step, as the kernel set's
// tile; the epilogue (bias, residual, clamp, HardSwish) is applied in registers for full and
// edge tiles alike, and edge tiles are stored through column masks.
#include <immintrin.h>

#include "cpu/kernels/gemm_avx512_registers.h"

namespace edgeinfer::cpu::kernels {
namespace {

constexpr int kMR = 8;
constexpr int kNR = 32;

// min(max(v, lo), hi). The masked forms take every operand explicitly: GCC 12 warns about the
// undefined pass-through of the unmasked _mm512_max_ps/_mm512_min_ps.
inline __m512 clamp(__m512 v, __m512 lo, __m512 hi) {
  const __mmask16 all = 0xFFFF;
  v = _mm512_mask_max_ps(v, all, v, lo);
  return _mm512_mask_min_ps(v, all, v, hi);
}

// Row i of the tile: the epilogue, then a store of its first nr columns (masks m0, m1).
__attribute__((always_inline)) inline void store_row(__m512 v0, __m512 v1, int i,
                                                     const GemmOutput& out, bool clamped,
                                                     __mmask16 m0, __mmask16 m1) {
  if (out.bias) {
    const __m512 bi = _mm512_set1_ps(out.bias[i]);
    v0 = _mm512_add_ps(v0, bi);
    v1 = _mm512_add_ps(v1, bi);
  }
  if (out.residual) {
    const float* r = out.residual + i * out.ldr;
    v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, r));
    v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, r + 16));
  }
  // Only a real clamp is applied: max/min turn a NaN into the bound, and without an
  // activation a NaN result must stay NaN.
  if (clamped) {
    const __m512 lo = _mm512_set1_ps(out.lo), hi = _mm512_set1_ps(out.hi);
    v0 = clamp(v0, lo, hi);
    v1 = clamp(v1, lo, hi);
  }
  if (out.hardswish) {
    const __m512 sixth = _mm512_set1_ps(1.f / 6.f), half = _mm512_set1_ps(0.5f);
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.f);
    v0 = _mm512_mul_ps(v0, clamp(_mm512_fmadd_ps(v0, sixth, half), zero, one));
    v1 = _mm512_mul_ps(v1, clamp(_mm512_fmadd_ps(v1, sixth, half), zero, one));
  }
  float* c = out.c + i * out.ldc;
  _mm512_mask_storeu_ps(c, m0, v0);
  _mm512_mask_storeu_ps(c + 16, m1, v1);
}

// B is either a packed panel (k steps of 32 floats) or, UNPACKED, the first column of k rows
// of a row-major matrix with row stride ldb, read through the column masks.
template <bool UNPACKED>
__attribute__((always_inline)) inline void tile(int64_t k, const float* a, const float* b,
                                                int64_t ldb, int mr, int nr,
                                                const GemmOutput& out) {
  __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
         c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00,
         c70 = c00, c71 = c00;
  // Columns [0, nr) of the two 16-lane halves.
  const __mmask16 m0 = nr >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nr) - 1);
  const __mmask16 m1 = nr >= kNR  ? 0xFFFF
                       : nr <= 16 ? 0
                                  : static_cast<__mmask16>((1u << (nr - 16)) - 1);
  for (int64_t p = 0; p < k; ++p) {
    const __m512 b0 = UNPACKED ? _mm512_maskz_loadu_ps(m0, b) : _mm512_loadu_ps(b);
    const __m512 b1 = UNPACKED ? _mm512_maskz_loadu_ps(m1, b + 16) : _mm512_loadu_ps(b + 16);
    if constexpr (UNPACKED) {
      // The rows of B lie far apart (one input plane each), too many streams for the hardware
      // prefetcher: fetch this row's next 32 columns (the next tile's) while this one runs.
      _mm_prefetch(reinterpret_cast<const char*>(b + kNR), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(b + kNR + 16), _MM_HINT_T0);
    }
    __m512 ai = _mm512_set1_ps(a[0]);
    c00 = _mm512_fmadd_ps(ai, b0, c00);
    c01 = _mm512_fmadd_ps(ai, b1, c01);
    ai = _mm512_set1_ps(a[1]);
    c10 = _mm512_fmadd_ps(ai, b0, c10);
    c11 = _mm512_fmadd_ps(ai, b1, c11);
    ai = _mm512_set1_ps(a[2]);
    c20 = _mm512_fmadd_ps(ai, b0, c20);
    c21 = _mm512_fmadd_ps(ai, b1, c21);
    ai = _mm512_set1_ps(a[3]);
    c30 = _mm512_fmadd_ps(ai, b0, c30);
    c31 = _mm512_fmadd_ps(ai, b1, c31);
    ai = _mm512_set1_ps(a[4]);
    c40 = _mm512_fmadd_ps(ai, b0, c40);
    c41 = _mm512_fmadd_ps(ai, b1, c41);
    ai = _mm512_set1_ps(a[5]);
    c50 = _mm512_fmadd_ps(ai, b0, c50);
    c51 = _mm512_fmadd_ps(ai, b1, c51);
    ai = _mm512_set1_ps(a[6]);
    c60 = _mm512_fmadd_ps(ai, b0, c60);
    c61 = _mm512_fmadd_ps(ai, b1, c61);
    ai = _mm512_set1_ps(a[7]);
    c70 = _mm512_fmadd_ps(ai, b0, c70);
    c71 = _mm512_fmadd_ps(ai, b1, c71);
    a += kMR;
    b += UNPACKED ? ldb : kNR;
  }
  const bool clamped = out.lo != -__builtin_inff() || out.hi != __builtin_inff();
  store_row(c00, c01, 0, out, clamped, m0, m1);
  if (mr > 1) store_row(c10, c11, 1, out, clamped, m0, m1);
  if (mr > 2) store_row(c20, c21, 2, out, clamped, m0, m1);
  if (mr > 3) store_row(c30, c31, 3, out, clamped, m0, m1);
  if (mr > 4) store_row(c40, c41, 4, out, clamped, m0, m1);
  if (mr > 5) store_row(c50, c51, 5, out, clamped, m0, m1);
  if (mr > 6) store_row(c60, c61, 6, out, clamped, m0, m1);
  if (mr > 7) store_row(c70, c71, 7, out, clamped, m0, m1);
}

}  // namespace

void avx512_gemm_8x32_registers(int64_t k, const float* a, const float* b, int mr, int nr,
                                const GemmOutput& out) {
  tile<false>(k, a, b, 0, mr, nr, out);
}

void avx512_gemm_8x32_unpacked_b(int64_t k, const float* a, const float* b, int64_t ldb, int mr,
                                 int nr, const GemmOutput& out) {
  tile<true>(k, a, b, ldb, mr, nr, out);
}

}  // namespace edgeinfer::cpu::kernels
