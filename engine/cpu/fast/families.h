// The fast CPU kernels: each family registers its kernels over the reference ones (ops a family
// does not cover, or shapes and types it declines, keep their reference kernel).
#pragma once

#include "cpu/kernel.h"

namespace edgeinfer::cpu::fast {

// Add Sub Mul Div Max Min PRelu (float32, NumPy broadcasting).
void register_fast_elementwise_binary(KernelRegistry& registry);
// Relu LeakyRelu Clip Sigmoid HardSigmoid HardSwish Tanh Exp (float32).
void register_fast_activations(KernelRegistry& registry);
// BatchNormalization (float32, inference).
void register_fast_normalization(KernelRegistry& registry);
// AveragePool MaxPool (2-D) GlobalAveragePool (float32).
void register_fast_pooling(KernelRegistry& registry);
// Softmax LogSoftmax (float32, any axis).
void register_fast_softmax(KernelRegistry& registry);
// Transpose (elements of 1, 2, 4 or 8 bytes).
void register_fast_transpose(KernelRegistry& registry);
// Resize Upsample (float32, nearest and linear over the last two axes).
void register_fast_resize(KernelRegistry& registry);

}  // namespace edgeinfer::cpu::fast
