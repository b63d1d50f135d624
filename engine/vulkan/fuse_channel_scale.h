// Squeeze-and-excite blocks end in Mul(x, s) with s one value per channel of x, read by a
// Conv. The Vulkan executor folds the Mul into that Conv on its own copy of the graph: the
// Conv reads x and scales each input channel by s as it sums (shaders/conv2d.comp), one
// dispatch and one barrier less per block (ten in each MediaPipe model).
//
// The rewritten Conv carries s as input kChannelScaleInput and the attribute
// kChannelScaleAttr; only the Vulkan Conv understands them, so it fails loudly (never falls
// back to the CPU executor) when it cannot run such a node.
#pragma once

#include <vector>

#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::vulkan {

inline constexpr size_t kChannelScaleInput = 5;
inline constexpr const char* kChannelScaleAttr = "ei_vulkan_channel_scale";

// `keep`: per value, tensors the caller reads. Returns the number of Mul nodes folded.
Result<int> fuse_channel_scale(ir::Graph& graph, const std::vector<bool>& keep);

}  // namespace edgeinfer::vulkan
