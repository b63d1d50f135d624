// The micro-kernels of one instruction set, chosen at run time from the CPU's features.
//
// Each ISA's kernels live in their own files compiled with that ISA's flags (meson builds one
// static library per ISA), so nothing here may be called unless the CPU supports it. The
// headers the ISA files include are plain C on purpose: inline C++ library functions compiled
// with -mavx512f could be merged by the linker into code that runs on any CPU.
#pragma once

#include <stdint.h>

namespace edgeinfer::cpu::kernels {

// Where a GEMM micro-kernel writes its MR x NR tile and what it adds on the way out:
//   c[i][j] = clamp(sum_k a[i][k] * b[k][j] + bias[i] + residual[i][j], lo, hi)
// followed, when `hardswish` is set, by v * clamp(v / 6 + 1/2, 0, 1).
struct GemmOutput {
  float* c;
  int64_t ldc;
  const float* bias;      // one value per tile row, or null
  const float* residual;  // laid out like c with stride ldr, or null
  int64_t ldr;
  float lo;  // -inf / +inf when there is no clamp
  float hi;
  int hardswish;  // nonzero: HardSwish after the clamp
};

// `a`: k steps of MR floats (a packed panel of A rows); `b`: k steps of NR floats (a packed panel
// of B columns). Both are zero-padded, so only the first mr rows and nr columns are stored.
using GemmUkernel = void (*)(int64_t k, const float* a, const float* b, int mr, int nr,
                             const GemmOutput& out);

// An activation applied to a row of one output channel, after bias and residual (the fused
// epilogue's activations; codes as cpu::Activation).
struct RowActivation {
  int activation;  // cpu::Activation value
  float alpha;
  float beta;
  float slope;  // PRelu: this channel's slope
};
// y[i] = act(y[i] + (residual ? residual[i] : 0)) for i < n.
using ActivateRowFn = void (*)(const RowActivation& act, float* y, const float* residual,
                               int64_t n);

// A depthwise channel: the input plane was copied with its padding and split by column phase
// (stride_w planes of plane_h x plane_w; phase p holds padded columns p, p + stride_w, ...).
struct DepthwisePlane {
  int64_t kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w;
  int64_t out_h, out_w, plane_h, plane_w;
  // Applied as each output row is stored (the cheap activations, so the channel needs no
  // second pass): 0 none, 1 Relu (v > 0 ? v : 0), 2 Clip to [clip_lo, clip_hi] (as the
  // reference: below clip_lo gives clip_lo, above clip_hi gives clip_hi), 3 HardSwish.
  int activation;
  float clip_lo, clip_hi;
};
// y (out_h x out_w) = activation(bias + the kernel_h x kernel_w window of weights w over the
// planes).
using DepthwiseFn = void (*)(const DepthwisePlane& geometry, const float* planes, const float* w,
                             float bias, float* y);

struct KernelSet {
  const char* isa;  // "avx512", "avx2", "portable"
  int mr;           // GEMM tile rows
  int nr;           // GEMM tile columns
  GemmUkernel gemm;
  DepthwiseFn depthwise;
  ActivateRowFn activate_row;
};

// The fastest set this CPU runs.
const KernelSet& best_kernel_set();
// Every set this CPU can run, fastest first (tests check each against the reference).
int available_kernel_sets(const KernelSet** sets, int capacity);

// Per-ISA sets (defined in the ISA files; call only when the CPU supports them).
const KernelSet& avx512_kernel_set();
const KernelSet& avx2_kernel_set();
const KernelSet& portable_kernel_set();

}  // namespace edgeinfer::cpu::kernels
