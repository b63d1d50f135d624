// SIMD pieces of the fast kernels on blocked channel layouts (cpu/blocked_layout.h): which
// instruction set a kernel may use, regions of code compiled for one, and the vector of b lanes
// those kernels work with (one vector per pixel of a block).
//
// The library itself is baseline x86-64, so the AVX-512 and AVX2 loops live in regions of their
// file compiled for that instruction set (EI_NCHWC_AVX512_BEGIN ... EI_NCHWC_ISA_END: a target
// pragma, which only gives the functions defined inside it the flags; library templates defined
// elsewhere keep the baseline, so nothing compiled with AVX-512 can be shared by the linker with
// baseline code). Nothing in a region may run unless nchwc_isa() says the CPU has it.
//
// Loops written once for any vector type go in a .inc file included once per region, each time
// in its own namespace with `V` naming that region's vector (VecAvx512, VecAvx2, VecScalar).
#pragma once

#include <cstdint>
#include <limits>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define EI_NCHWC_X86 1
#else
#define EI_NCHWC_X86 0
#endif

#define EI_NCHWC_PRAGMA(x) _Pragma(#x)
#if EI_NCHWC_X86 && defined(__clang__)
#define EI_NCHWC_ISA_BEGIN(isa) \
  EI_NCHWC_PRAGMA(clang attribute push(__attribute__((target(isa))), apply_to = function))
#define EI_NCHWC_ISA_END EI_NCHWC_PRAGMA(clang attribute pop)
#elif EI_NCHWC_X86
#define EI_NCHWC_ISA_BEGIN(isa) EI_NCHWC_PRAGMA(GCC push_options) EI_NCHWC_PRAGMA(GCC target(isa))
#define EI_NCHWC_ISA_END EI_NCHWC_PRAGMA(GCC pop_options)
#endif
#if EI_NCHWC_X86
#define EI_NCHWC_AVX512_BEGIN EI_NCHWC_ISA_BEGIN("avx512f,avx2,fma")
#define EI_NCHWC_AVX2_BEGIN EI_NCHWC_ISA_BEGIN("avx2,fma")
#endif

namespace edgeinfer::cpu::fast {

enum class NchwcIsa { kPortable = 0, kAvx2 = 1, kAvx512 = 2 };

// The best of the three this CPU runs, capped by set_nchwc_isa_limit.
NchwcIsa nchwc_isa();
// For tests: use nothing better than `limit` (kAvx512: no cap). Not thread-safe with kernels
// running.
void set_nchwc_isa_limit(NchwcIsa limit);

// Portable lanes: one float at a time (the compiler vectorises what it can).
struct VecScalar {
  using T = float;
  static constexpr int kLanes = 1;
  static T zero() { return 0.0f; }
  static T set1(float v) { return v; }
  static T load(const float* p) { return *p; }
  static void store(float* p, T v) { *p = v; }
  static T add(T a, T b) { return a + b; }
  static T mul(T a, T b) { return a * b; }
  static T fmadd(T a, T b, T c) { return a * b + c; }  // a * b + c
  static T max(T a, T b) { return a < b ? b : a; }
};

#if EI_NCHWC_X86
EI_NCHWC_AVX512_BEGIN
struct VecAvx512 {
  using T = __m512;
  static constexpr int kLanes = 16;
  static T zero() { return _mm512_setzero_ps(); }
  static T set1(float v) { return _mm512_set1_ps(v); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T fmadd(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  // Masked with every lane set: GCC 12 warns about the undefined pass-through of the unmasked
  // form.
  static T max(T a, T b) { return _mm512_mask_max_ps(a, 0xFFFF, a, b); }
};
EI_NCHWC_ISA_END

EI_NCHWC_AVX2_BEGIN
struct VecAvx2 {
  using T = __m256;
  static constexpr int kLanes = 8;
  static T zero() { return _mm256_setzero_ps(); }
  static T set1(float v) { return _mm256_set1_ps(v); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T fmadd(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
};
EI_NCHWC_ISA_END
#endif

}  // namespace edgeinfer::cpu::fast
