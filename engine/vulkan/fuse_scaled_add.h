// Gated skip connections (the MediaPipe decoders): Add(Mul(a, s), b) with s one value per
// channel of a and a, b of the output's shape. The Vulkan executor makes the pair one dispatch
// on its own copy of the graph: the Add gets s as input kScaleInput and kScaleAttr, and the
// binary shader computes a * s[c] + b. Only the Vulkan Add understands that form, so it fails
// loudly (never falls back to the CPU executor) when it cannot run such a node.
#pragma once

#include <vector>

#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::vulkan {

inline constexpr size_t kScaleInput = 2;
inline constexpr const char* kScaleAttr = "ei_vulkan_scale_a";

// `keep`: per value, tensors the caller reads. Returns the number of Mul nodes folded.
Result<int> fuse_scaled_add(ir::Graph& graph, const std::vector<bool>& keep);

}  // namespace edgeinfer::vulkan
