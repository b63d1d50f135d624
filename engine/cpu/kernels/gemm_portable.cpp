// Portable kernel set (any CPU, baseline flags): a 4 x 16 SGEMM tile in plain loops that the
// compiler vectorises for the baseline ISA, plus the shared loops.
#include <math.h>

#include "cpu/kernels/kernel_set.h"

namespace edgeinfer::cpu::kernels {
namespace portable {

constexpr int kMR = 4;
constexpr int kNR = 16;

#include "cpu/kernels/gemm_tail.inc"
#include "cpu/kernels/portable_loops.inc"

void gemm_4x16(int64_t k, const float* a, const float* b, int mr, int nr, const GemmOutput& out) {
  float acc[kMR * kNR] = {};
  for (int64_t p = 0; p < k; ++p) {
    for (int i = 0; i < kMR; ++i) {
      const float ai = a[i];
      for (int j = 0; j < kNR; ++j)
        acc[i * kNR + j] += ai * b[j];
    }
    a += kMR;
    b += kNR;
  }
  store_tile_tail(acc, kNR, mr, nr, out);
}

}  // namespace portable

const KernelSet& portable_kernel_set() {
  static const KernelSet set{"portable",          portable::kMR,       portable::kNR,
                             portable::gemm_4x16, portable::depthwise, portable::activate_row};
  return set;
}

}  // namespace edgeinfer::cpu::kernels
