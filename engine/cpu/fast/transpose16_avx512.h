// The 16 x 16 float transpose in AVX-512 registers that the fast kernels share: the direct
// conv's channels-last tiles, the blocked layout's reorders (NCHW <-> NCHW16c) and the
// ConvTranspose reading a blocked input. Always inlined into its AVX-512 callers (functions with
// the avx512f target, or inside an AVX-512 target region), so nothing here runs on a CPU without
// AVX-512 unless a caller does.
#pragma once

#if defined(__x86_64__)
#include <immintrin.h>

namespace edgeinfer::cpu::fast {
namespace transpose16_detail {

// The masked forms of the permutes transpose16 uses, all lanes on: GCC 12 warns about the
// undefined pass-through of the unmasked ones.
constexpr __mmask16 kAll16 = 0xFFFF;
constexpr __mmask8 kAll8 = 0xFF;
__attribute__((target("avx512f"), always_inline)) inline __m512 unpack_lo(__m512 a, __m512 b) {
  return _mm512_mask_unpacklo_ps(a, kAll16, a, b);
}
__attribute__((target("avx512f"), always_inline)) inline __m512 unpack_hi(__m512 a, __m512 b) {
  return _mm512_mask_unpackhi_ps(a, kAll16, a, b);
}
// 64-bit pairs: per 128-bit quarter, the low (or high) pair of a, then that of b.
__attribute__((target("avx512f"), always_inline)) inline __m512 unpack_lo_pairs(__m512 a,
                                                                                __m512 b) {
  const __m512d x = _mm512_castps_pd(a), y = _mm512_castps_pd(b);
  return _mm512_castpd_ps(_mm512_mask_unpacklo_pd(x, kAll8, x, y));
}
__attribute__((target("avx512f"), always_inline)) inline __m512 unpack_hi_pairs(__m512 a,
                                                                                __m512 b) {
  const __m512d x = _mm512_castps_pd(a), y = _mm512_castps_pd(b);
  return _mm512_castpd_ps(_mm512_mask_unpackhi_pd(x, kAll8, x, y));
}
// Quarters 0 and 2 (kImm 0x88) or 1 and 3 (0xdd) of a, then the same of b.
template <int kImm>
__attribute__((target("avx512f"), always_inline)) inline __m512 quarters(__m512 a, __m512 b) {
  return _mm512_mask_shuffle_f32x4(a, kAll16, a, b, kImm);
}

}  // namespace transpose16_detail

// v[i] lane j becomes v[j] lane i: pairs of rows interleaved, then pairs of pairs, then the
// 128-bit quarters gathered from the four groups of four rows.
__attribute__((target("avx512f"), always_inline)) inline void transpose16(__m512* v) {
  using namespace transpose16_detail;
  __m512 t[16];
#pragma GCC unroll 8
  for (int i = 0; i < 16; i += 2) {
    t[i] = unpack_lo(v[i], v[i + 1]);
    t[i + 1] = unpack_hi(v[i], v[i + 1]);
  }
  // v[i + e], i a multiple of 4: in quarter q, column 4q + e of rows i .. i + 3.
#pragma GCC unroll 4
  for (int i = 0; i < 16; i += 4) {
    v[i] = unpack_lo_pairs(t[i], t[i + 2]);
    v[i + 1] = unpack_hi_pairs(t[i], t[i + 2]);
    v[i + 2] = unpack_lo_pairs(t[i + 1], t[i + 3]);
    v[i + 3] = unpack_hi_pairs(t[i + 1], t[i + 3]);
  }
  // Column 4q + e takes quarter q of v[e], v[4 + e], v[8 + e], v[12 + e].
#pragma GCC unroll 4
  for (int e = 0; e < 4; ++e) {
    const __m512 s0 = quarters<0x88>(v[e], v[4 + e]);
    const __m512 s1 = quarters<0xdd>(v[e], v[4 + e]);
    const __m512 s2 = quarters<0x88>(v[8 + e], v[12 + e]);
    const __m512 s3 = quarters<0xdd>(v[8 + e], v[12 + e]);
    t[e] = quarters<0x88>(s0, s2);
    t[4 + e] = quarters<0x88>(s1, s3);
    t[8 + e] = quarters<0xdd>(s0, s2);
    t[12 + e] = quarters<0xdd>(s1, s3);
  }
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i)
    v[i] = t[i];
}

}  // namespace edgeinfer::cpu::fast

#endif  // __x86_64__
