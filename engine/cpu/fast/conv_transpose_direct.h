// Direct ConvTranspose for non-overlapping windows (stride = kernel, no padding, dilation,
// groups or output padding) with few output taps: each input pixel becomes a kernel_h x
// kernel_w patch of each output channel, so the op is out_channels x kernel_h x kernel_w dot
// products of length in_channels per input pixel. With few such taps (the selfie model's last
// layer: 16 -> 1 channel, 2x2, 4 taps) a GEMM leaves most of its tile empty and then scatters
// its rows; here the taps are summed in vector registers over a block of input pixels and
// stored interleaved straight into the output rows, with the bias and fused epilogue.
#pragma once

#include <cstdint>

#include "cpu/fast/gemm_driver.h"
#include "cpu/kernel.h"

namespace edgeinfer::cpu::fast {

// Output taps per input pixel (out_channels x kernel_h x kernel_w) up to which the rule prefers
// the direct kernel over the scatter GEMM. Measured on AVX-512 (one thread, 2x2 kernels): the
// direct kernel takes 0.3-0.65 of the GEMM's time up to 16 taps, 0.7-0.75 at 32 taps from 16-32
// channels, 0.86 at 64 taps from 64 channels, and twice its time at 128 taps from 128 channels;
// 3x3 kernels from 16 channels: 0.58 at 9 taps, 0.66 at 18.
// The rule stays at the thin layers it is for (the MediaPipe output layers: 4 and 8 taps).
inline constexpr int64_t kDirectConvTransposeRuleTaps = 16;

struct UpsampleGeometry {
  int64_t batch, in_channels, in_h, in_w;
  int64_t out_channels, kernel_h, kernel_w;  // the stride equals the kernel
};

// Whether the rule picks the direct kernel for a layer: few taps, and the AVX-512 kernel runs
// here (kernel_w 1 to 3 on an AVX-512 CPU; the portable loops lose to the GEMM). Elsewhere it
// stays a candidate for --algo and autotune.
bool conv_transpose_direct_preferred(int64_t out_channels, int64_t kernel_h, int64_t kernel_w);

// y[n][m][iy * kh + ky][ix * kw + kx] =
//     epilogue(bias[m] + sum over c of w[c][m][ky][kx] * x[n][c][iy][ix])
// x and y NCHW, w as ONNX stores it (C x M x kh x kw). Splits input rows over the context's
// thread pool. `vector_kernel`: use the AVX-512 kernel where it applies (the CPU's kernel set
// is the AVX-512 one and kernel_w is 1 to 3); false runs the portable loops everywhere (tests).
// `y_channels_last`, when given, gets the result channels-last (N x H x W x M) instead, and y is
// scratch for each thread's outputs of one input row before they are interleaved:
// direct_channels_last_scratch floats. (No residual then: it would be channels-last too.)
// `block` > 0: x is blocked, N x ceil(C/block) x H x W x block (cpu/blocked_layout.h; padding
// lanes are ignored, whatever they hold), and each input row is unblocked into the thread's part of
// `x_rows` (direct_blocked_rows_scratch floats, in cache) before the row kernel reads it: a 16 x 16
// AVX-512 transpose per 16 pixels for block 16 where the vector kernel runs, plain loops else.
void run_conv_transpose_direct(KernelContext& ctx, const UpsampleGeometry& g, const float* x,
                               const float* w, const float* bias, float* y, const GemmEpilogue& ep,
                               const kernels::KernelSet& ks, bool vector_kernel = true,
                               float* y_channels_last = nullptr, int block = 0,
                               float* x_rows = nullptr);

// The floats of y that run_conv_transpose_direct needs with a y_channels_last, on `threads`.
inline int64_t direct_channels_last_scratch(const UpsampleGeometry& g, int64_t threads) {
  return threads * g.out_channels * g.kernel_h * g.kernel_w * g.in_w;
}

// Floats per thread of x_rows for a blocked input: one input row, ceil(C/block) * block channels
// of in_w pixels rounded up to 16.
inline int64_t direct_blocked_row_floats(const UpsampleGeometry& g, int block) {
  return (g.in_channels + block - 1) / block * block * ((g.in_w + 15) / 16 * 16);
}
// The floats of x_rows that run_conv_transpose_direct needs with a blocked input on `threads`.
inline int64_t direct_blocked_rows_scratch(const UpsampleGeometry& g, int block, int64_t threads) {
  return threads * direct_blocked_row_floats(g, block);
}

}  // namespace edgeinfer::cpu::fast
