// Squeeze-and-excite blocks compute their channel weights with two small dense layers on a
// pooled vector (Gemm, or a 1x1 Conv on a 1x1 image): two dispatches and two barriers for a
// few thousand products. The Vulkan executor makes each such pair one node of its own op,
// kDensePairOp in kVulkanDomain, that one workgroup computes (shaders/dense_pair.comp): the
// first layer into shared memory, then the second. Only the Vulkan executor runs that op.
//
// The node's inputs: x, W1, b1, W2, b2 (a bias may be omitted); attributes kW1Transposed /
// kW2Transposed (1: W is [out, in], as a Conv's or a Gemm's with transB; 0: [in, out]), the
// first layer's activation in kFirstActivationAttr (+ kFirstActivationParamsAttr) and the
// second's in cpu::kActivationAttr (+ cpu::kActivationParamsAttr).
#pragma once

#include <cstdint>
#include <vector>

#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::vulkan {

inline constexpr const char* kVulkanDomain = "ai.edgeinfer.vulkan";
inline constexpr const char* kDensePairOp = "DensePair";
inline constexpr const char* kW1Transposed = "w1_transposed";
inline constexpr const char* kW2Transposed = "w2_transposed";
inline constexpr const char* kFirstActivationAttr = "first_activation";
inline constexpr const char* kFirstActivationParamsAttr = "first_activation_params";
// One workgroup of this many invocations runs a pair: at most this many hidden values and
// outputs, and only on devices whose workgroups hold that many.
inline constexpr int64_t kDensePairWorkgroup = 1024;

// `keep`: per value, tensors the caller reads; `max_workgroup_size`: the device's. Returns the
// number of pairs rewritten.
Result<int> fuse_dense_pairs(ir::Graph& graph, const std::vector<bool>& keep,
                             uint32_t max_workgroup_size);

}  // namespace edgeinfer::vulkan
