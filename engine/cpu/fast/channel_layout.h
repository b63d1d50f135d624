// Float copies between the channels-last layout (N x P x C: P pixels of C interleaved channels)
// and the ONNX layout (N x C x P: C planes of P pixels), for kernels that take or give one layout
// through the other (a Conv reading an NHWC input through an NCHW copy, a ConvTranspose writing
// an NHWC output). Split over the threads by pixels; 2 to 4 channels go through the vectorised
// interleave of the fast Transpose (fast/transpose.cpp).
#pragma once

#include <cstdint>

#include "cpu/kernel.h"

namespace edgeinfer::cpu::fast {

// y[n][c][p] = x[n][p][c]
void copy_to_channels_first(KernelContext& ctx, const float* x, int64_t batch, int64_t channels,
                            int64_t pixels, float* y);
// y[n][p][c] = x[n][c][p]
void copy_to_channels_last(KernelContext& ctx, const float* x, int64_t batch, int64_t channels,
                           int64_t pixels, float* y);

}  // namespace edgeinfer::cpu::fast
