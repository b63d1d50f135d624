// AVX-512 kernel set: the 8 x 32 SGEMM tile that keeps its accumulators and edge tiles in
// registers (gemm_avx512_registers.h), plus the shared loops compiled for AVX-512.
#include <math.h>

#include "cpu/kernels/gemm_avx512_registers.h"
#include "cpu/kernels/kernel_set.h"

namespace edgeinfer::cpu::kernels {
namespace avx512 {

constexpr int kMR = 8;
constexpr int kNR = 32;

#include "cpu/kernels/portable_loops.inc"

}  // namespace avx512

const KernelSet& avx512_kernel_set() {
  static const KernelSet set{"avx512",          avx512::kMR,
                             avx512::kNR,       avx512_gemm_8x32_registers,
                             avx512::depthwise, avx512::activate_row};
  return set;
}

}  // namespace edgeinfer::cpu::kernels
