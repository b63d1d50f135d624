// Models converted from TensorFlow take NHWC images and transpose them to NCHW for their first
// Conv. The Vulkan executor lets that Conv read the NHWC tensor in place (the conv shaders take
// input strides) on its own copy of the graph: one dispatch and a full copy of the input less.
// The Conv carries kNhwcInputAttr; only the Vulkan Conv understands it, so it fails loudly
// (never falls back to the CPU executor) when it cannot run such a node.
#pragma once

#include <vector>

#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::vulkan {

inline constexpr const char* kNhwcInputAttr = "ei_vulkan_nhwc_input";

// `keep`: per value, tensors the caller reads. Returns the number of Transposes folded.
Result<int> fuse_nhwc_input(ir::Graph& graph, const std::vector<bool>& keep);

}  // namespace edgeinfer::vulkan
