// Models converted from TensorFlow take NHWC images and transpose them to NCHW for their first
// Conv. The graph pass absorb_nhwc_input_transposes (passes/pass.h) lets that Conv read the
// NHWC tensor in place, marked with cpu::kInputLayoutAttr (cpu/input_layout.h); the Vulkan
// conv shaders take input strides, so they read it as it is: one dispatch and a full copy of
// the input less. Sessions run the pass before the executor; this runs it again on the
// executor's own copy of the graph, for graphs handed over without the default passes.
#pragma once

#include <vector>

#include "cpu/input_layout.h"
#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::vulkan {

// `keep`: per value, tensors the caller reads. Returns the number of Transposes folded.
Result<int> fuse_nhwc_input(ir::Graph& graph, const std::vector<bool>& keep);

}  // namespace edgeinfer::vulkan
