// The fast CPU kernels: each family registers its kernels over the reference ones (ops a family
// does not cover, or shapes and types it declines, keep their reference kernel).
#pragma once

#include "cpu/kernel.h"

namespace edgeinfer::cpu::fast {

// Conv: depthwise, 1x1 GEMM, im2col GEMM (conv.cpp).
void register_conv(KernelRegistry& registry);
// ConvTranspose with stride == kernel as a scattered GEMM (conv_transpose.cpp).
void register_conv_transpose(KernelRegistry& registry);
// Gemm and MatMul with constant 2-D weights through the packed SGEMM (gemm.cpp).
void register_gemm(KernelRegistry& registry);

}  // namespace edgeinfer::cpu::fast
