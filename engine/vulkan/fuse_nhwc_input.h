// Models converted from TensorFlow take NHWC images and transpose them to NCHW for their first
// Conv. The graph pass absorb_nhwc_input_transposes (passes/pass.h) lets that Conv read the
// NHWC tensor in place, marked with cpu::kInputLayoutAttr (cpu/input_layout.h); the Vulkan
// conv shaders take input strides, so they read it as it is: one dispatch and a full copy of
// the input less. Sessions run the pass before the executor; this runs it again on the
// executor's own copy of the graph, for graphs handed over without the default passes.
//
#pragma once

#include <vector>

#include "cpu/input_layout.h"
#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::vulkan {

// `keep`: per value, tensors the caller reads. Returns the number of Transposes folded.
Result<int> fuse_nhwc_input(ir::Graph& graph, const std::vector<bool>& keep);

// The output side: a node that writes channels-last (cpu::kOutputLayoutAttr, set by the pass
// absorb_nhwc_output_transposes) writes the ONNX layout again into a new value, and an explicit
// Transpose<perm=[0,2,3,1]> writes the node's old value; the Vulkan shaders only write NCHW.
// Runs first, so the executor's own fusions see the graph they know. Returns the number of
// Transposes added.
int expand_nhwc_output(ir::Graph& graph);

}  // namespace edgeinfer::vulkan
