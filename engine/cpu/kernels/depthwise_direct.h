// Depthwise channels computed straight from the unpadded input plane (no padded copy): the
// kernel's taps are read with masked vector loads, so the padding is never materialised, and
// the weights stay in registers for the whole channel. For the small planes of the mobile
// segmentation models (16x16 to 128x128) the padded, phase-split copy and the per-row set-up
// of the generic loops cost as much as the arithmetic.
//
// Plain C types only (see kernel_set.h): the implementation is compiled with AVX-512 flags.
#pragma once

#include <stdint.h>

namespace edgeinfer::cpu::kernels {

// One channel's geometry. Activation codes as DepthwisePlane::activation (0 none, 1 Relu,
// 2 Clip to [clip_lo, clip_hi], 3 HardSwish), applied as each output vector is stored.
struct DepthwiseDirect {
  int64_t in_h, in_w, out_h, out_w;
  int64_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  int activation;
  float clip_lo, clip_hi;
  const float* zero_row;  // in_w zeros: read for the rows in the padding
};

// y (out_h x out_w) = activation(bias + sum over taps (ky, kx) inside the input of
// w[ky * kw + kx] * x[oy * stride_h + ky * dilation_h - pad_top]
//                    [ox * stride_w + kx * dilation_w - pad_left]).
using DepthwiseDirectFn = void (*)(const DepthwiseDirect& geometry, const float* x, const float* w,
                                   float bias, float* y);

// The AVX-512 kernel for a kh x kw window at horizontal stride `stride_w`, or null where it has
// none (windows other than 3x3 and 5x5, horizontal strides above 2). Call only on a CPU with
// AVX-512F (the avx512 kernel set).
DepthwiseDirectFn avx512_depthwise_direct(int64_t kh, int64_t kw, int64_t stride_w);

}  // namespace edgeinfer::cpu::kernels
