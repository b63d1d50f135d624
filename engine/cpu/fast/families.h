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
// Add Sub Mul Div Max Min PRelu (float32, NumPy broadcasting).
void register_fast_elementwise_binary(KernelRegistry& registry);
// Relu LeakyRelu Clip Sigmoid HardSigmoid HardSwish Tanh Exp (float32).
void register_fast_activations(KernelRegistry& registry);
// BatchNormalization (float32, inference).
void register_fast_normalization(KernelRegistry& registry);
// AveragePool MaxPool (2-D) GlobalAveragePool (float32), and on blocked channel layouts
// (pooling_nchwc.cpp) those and GlobalMaxPool.
void register_fast_pooling(KernelRegistry& registry);
// Softmax LogSoftmax (float32, any axis).
void register_fast_softmax(KernelRegistry& registry);
// Transpose (elements of 1, 2, 4 or 8 bytes).
void register_fast_transpose(KernelRegistry& registry);
// Resize Upsample (float32, nearest and linear over the last two axes; Resize also on blocked
// channel layouts, resize_nchwc.cpp).
void register_fast_resize(KernelRegistry& registry);
// The reorder between the ONNX layout and a blocked channel layout, kReorderOp
// (blocked_reorder.cpp).
void register_fast_blocked_reorder(KernelRegistry& registry);

}  // namespace edgeinfer::cpu::fast
