// Each operator family of the reference executor registers its kernels here.
#pragma once

#include "cpu/kernel.h"

namespace edgeinfer::cpu::reference {

// Add Sub Mul Div Pow Min Max Sum Mean (numpy broadcasting), Where, Equal Less Greater Not,
// And Or Xor, LessOrEqual GreaterOrEqual, Mod.
void register_elementwise_binary(KernelRegistry& registry);
// Relu PRelu LeakyRelu Clip Sigmoid HardSigmoid HardSwish Tanh Elu Selu Softplus Softsign
// Sqrt Exp Log Abs Neg Reciprocal Erf Floor Ceil Round Sign Sin Cos ... Identity Cast.
void register_elementwise_unary(KernelRegistry& registry);
// Conv ConvTranspose.
void register_convolution(KernelRegistry& registry);
// AveragePool MaxPool GlobalAveragePool GlobalMaxPool.
void register_pooling(KernelRegistry& registry);
// BatchNormalization InstanceNormalization LRN.
void register_normalization(KernelRegistry& registry);
// MatMul Gemm.
void register_matmul(KernelRegistry& registry);
// Softmax LogSoftmax ReduceMean ReduceSum ReduceMax ReduceMin (and the other Reduce*).
void register_reduction(KernelRegistry& registry);
// Concat Split Slice Reshape Transpose Flatten Squeeze Unsqueeze Expand Shape Gather Tile
// Pad ConstantOfShape Range DepthToSpace SpaceToDepth Size.
void register_tensor_ops(KernelRegistry& registry);
// Resize Upsample.
void register_resize(KernelRegistry& registry);
// The internal reorder between NCHW and blocked channel layouts (cpu/blocked_layout.h).
void register_blocked_reorder(KernelRegistry& registry);

}  // namespace edgeinfer::cpu::reference
