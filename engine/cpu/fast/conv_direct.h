// Direct convolution for dense layers with a small reduction (C x KH x KW input taps per
// output, e.g. the 3-channel first layer of an image model). An im2col GEMM spends most of its
// time there on packing and on storing tiles after a reduction of a few dozen terms; the direct
// kernel instead copies, per output row, the input taps it reads into one contiguous row each
// (any stride, dilation and padding become plain loads) and accumulates a block of 16 output
// channels x 16 output columns in registers, writing NCHW rows with the fused epilogue.
// It also reads channels-last (NHWC) inputs in place (cpu/input_layout.h): there the 16 output
// channels are the vector lanes, each input element is broadcast straight from the interleaved
// row, and the finished 16 x 16 block is transposed in registers into NCHW rows.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu/fast/gemm_driver.h"
#include "cpu/thread_pool.h"

namespace edgeinfer::cpu::fast {

// Largest C x KH x KW the direct kernel takes (its per-row tap copy grows with it), and the
// largest the rule hands it: beyond that the reduction is long enough for the packed GEMM.
inline constexpr int64_t kDirectConvMaxTaps = 128;
inline constexpr int64_t kDirectConvRuleTaps = 32;

struct DirectConvGeometry {
  int64_t batch, in_channels, in_h, in_w;
  int64_t out_channels, out_h, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  bool channels_last = false;  // x is N x H x W x C (the output stays NCHW)
};

// Whether the direct kernel computes this layer (dense: group 1).
bool direct_conv_applies(int64_t group, int64_t in_channels, int64_t kernel_h, int64_t kernel_w);
// Whether the rule should pick it: a short reduction, enough output channels to fill a block,
// and a CPU with the vector kernel (elsewhere it stays a candidate for --algo and autotune).
bool direct_conv_preferred(int64_t group, int64_t in_channels, int64_t out_channels,
                           int64_t kernel_h, int64_t kernel_w);

// Floats of the weights laid out for the vector kernel, each full block of 16 output channels
// tap-major; 0 where the vector kernel does not run (no AVX-512, fewer than 16 channels).
size_t direct_conv_weight_floats(int64_t out_channels, int64_t taps);

// Writes that layout (at prepare time, through the weight cache): w_taps[block][r][k] =
// w[block * 16 + k][r], for `taps` = C x KH x KW.
void pack_direct_conv_weights(const float* w, int64_t out_channels, int64_t taps, float* w_taps);

// y[n][m][oy][ox] = epilogue(bias[m] + sum over (c, ky, kx) of w[m][c][ky][kx] * x[n][c][iy][ix]),
// x NCHW (or NHWC with g.channels_last) and y NCHW, w as ONNX stores it; `w_taps` what
// pack_direct_conv_weights made of it (null: the portable loops compute every channel). Splits
// output rows over the pool's threads.
void run_direct_conv(ThreadPool* pool, const DirectConvGeometry& g, const float* x, const float* w,
                     const float* w_taps, const float* bias, float* y, const GemmEpilogue& ep,
                     const kernels::KernelSet& ks);

}  // namespace edgeinfer::cpu::fast
