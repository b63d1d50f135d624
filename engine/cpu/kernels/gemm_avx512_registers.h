// An AVX-512 SGEMM tile (8 x 32, the avx512 kernel set's MR and NR, on the same packed
// operands) whose accumulators and edge tiles stay in registers.
//
// The kernel set's gemm_8x32 keeps its accumulator arrays addressable for its edge-tile path
// (stored to memory, then finished by scalar loops), and GCC then clears them with two
// `rep stos` of 512 bytes on every call: on the 1x1 convolutions of the mobile models (k of 16
// to 128) that start-up costs as much as a sixth of the tile. This one finishes edge tiles with
// masked stores instead, so nothing is ever spilled.
//
// Plain C types only (see kernel_set.h): the implementation is compiled with AVX-512 flags.
#pragma once

#include "cpu/kernels/kernel_set.h"

namespace edgeinfer::cpu::kernels {

// A GemmUkernel with MR = 8 and NR = 32. Call only on a CPU with AVX-512F.
void avx512_gemm_8x32_registers(int64_t k, const float* a, const float* b, int mr, int nr,
                                const GemmOutput& out);

// The same tile with B read in place: row p of the tile's B is b + p * ldb (columns [0, nr)
// are read, through masks, and nothing past them), so a 1x1 convolution needs no packed copy
// of its input.
void avx512_gemm_8x32_unpacked_b(int64_t k, const float* a, const float* b, int64_t ldb, int mr,
                                 int nr, const GemmOutput& out);

}  // namespace edgeinfer::cpu::kernels
