// Strip kernels of the blocked (NCHWc) convolution (cpu/fast/conv_nchwc.h): one call computes a
// strip of consecutive output pixels of one output row for one or two output channel blocks of
// `block` lanes, with bias, residual and the cheap activations applied in registers before the
// store. The input is addressed through strides, so the same kernel reads blocked, NCHW and NHWC
// inputs; the caller clips the kernel window to the taps inside the input: rows for the whole
// strip; columns per strip for dense strips (edge pixels come one at a time), per window column
// inside the kernel for the depthwise whole-row strips (NchwcDepthwiseStrip::col_lo).
//
// Plain C types only (see kernel_set.h): implementations are compiled with their ISA's flags.
#pragma once

#include <stdint.h>

namespace edgeinfer::cpu::kernels {

// Activations applied as the strip is stored (after bias and residual).
enum NchwcActivation : int {
  kNchwcActNone = 0,
  kNchwcActRelu = 1,         // v > 0 ? v : 0
  kNchwcActClip = 2,         // v < lo ? lo : (v > hi ? hi : v)
  kNchwcActHardSwish = 3,    // v * max(0, min(1, v / 6 + 1/2))
  kNchwcActSlope = 4,        // v >= 0 ? v : slope[lane] * v (PRelu, LeakyRelu)
  kNchwcActHardSigmoid = 5,  // max(0, min(1, lo * v + hi))
};

// A dense strip: y[o][p][lane] for output blocks o < out_blocks, strip pixels p < pixels.
struct NchwcConvStrip {
  int64_t block;  // lanes of an output block (the portable loops read it; ISA kernels know it)
  // Input element (input block 0, channel 0 of the block) read by the first strip pixel's first
  // tap (ky = 0, kx = 0 of the clipped window). Channel i of block ib of pixel p's tap (ky, kx) is
  // x[ib * x_block + i * x_lane + p * x_pixel + ky * x_ky + kx * x_kx].
  const float* x;
  int64_t x_block, x_lane, x_pixel, x_ky, x_kx;
  int64_t in_blocks;   // input channel blocks
  int64_t lanes;       // channels per input block
  int64_t last_lanes;  // channels of the last input block (<= lanes; its other lanes are padding)
  int64_t ky_count, kx_count;
  // Packed weights of output block o at the clipped window's first tap: the `block` weights of
  // input block ib, channel i, tap (ky, kx) at w[o][ib * w_block + ky * w_ky + kx * w_kx + i *
  // block].
  const float* w[2];
  int64_t w_block, w_ky, w_kx;
  const float* bias[2];      // `block` values each (padded lanes 0)
  const float* slope[2];     // kNchwcActSlope: `block` values each
  const float* residual[2];  // laid out like y, or null
  float* y[2];               // the strip's first pixel; pixels `block` floats apart
  uint64_t keep[2];          // bit l set: lane l is a channel (padding lanes are stored as 0)
  int activation;            // NchwcActivation
  float lo, hi;
};

// A depthwise strip: y[p][lane] = bias + sum over taps of w[tap][lane] * x[p, tap][lane] (one
// channel block, input and output blocked alike).
struct NchwcDepthwiseStrip {
  int64_t block;
  const float* x;  // the first pixel's first tap
  int64_t x_pixel, x_ky, x_kx;
  int64_t ky_count, kx_count;
  const float* w;  // the clipped window's first tap; taps `block` floats each
  int64_t w_ky, w_kx;
  const float* bias;
  const float* slope;
  const float* residual;
  float* y;
  uint64_t keep;
  int activation;
  float lo, hi;
  // Whole-row strips (the ISA kernels, 3 or 5 taps wide at dilation 1, horizontal stride 1 or
  // 2): the strip's window columns c = 0 .. (pixels - 1) * stride + kx_count - 1 (c = 0 is the
  // first pixel's first tap, `block` floats apart) outside [col_lo, col_hi) lie in the padding,
  // and x points at column col_lo. Otherwise col_lo = 0 and col_hi >= every column.
  int64_t col_lo, col_hi;
};

// The longest strips each instruction set's kernels take (the register budget).
inline constexpr int kNchwcAvx512MaxStrip = 14;
inline constexpr int kNchwcAvx512MaxDepthwiseStrip = 16;
inline constexpr int kNchwcAvx2MaxStrip = 6;
inline constexpr int kNchwcAvx2MaxDepthwiseStrip = 8;

// The kernels of one instruction set for one block: dense strips of out_blocks 1 or 2 and 1 ..
// max_strip pixels, depthwise strips of 1 .. max_depthwise_strip pixels.
using NchwcConvStripFn = void (*)(const NchwcConvStrip& strip, int out_blocks, int pixels);
using NchwcDepthwiseStripFn = void (*)(const NchwcDepthwiseStrip& strip, int pixels);

// AVX-512, block 16 (call only on a CPU with AVX-512F).
void avx512_nchwc_conv_strip(const NchwcConvStrip& strip, int out_blocks, int pixels);
void avx512_nchwc_depthwise_strip(const NchwcDepthwiseStrip& strip, int pixels);
// AVX2 + FMA, block 8 (call only on a CPU with both).
void avx2_nchwc_conv_strip(const NchwcConvStrip& strip, int out_blocks, int pixels);
void avx2_nchwc_depthwise_strip(const NchwcDepthwiseStrip& strip, int pixels);

}  // namespace edgeinfer::cpu::kernels
