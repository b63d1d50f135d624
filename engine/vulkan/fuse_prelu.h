// PRelu after a Conv, ConvTranspose or Gemm, folded into the producer's fused epilogue
// (cpu/fused_epilogue.h: activation PRelu, slope as input 4) in the Vulkan executor's own copy
// of the graph: one dispatch and one barrier less each (SINet has some twenty). The graph
// passes leave these when the slope is an initializer the model also lists as a graph input,
// which they may not fold; the Vulkan executor uploads constants once at session creation, so
// for it such a slope is fixed either way. The fused node still runs on the CPU executor, whose
// kernels apply the same epilogue.
#pragma once

#include <vector>

#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::vulkan {

// `keep`: per value, tensors the caller reads. Returns the number of PRelu nodes folded.
Result<int> fuse_prelu(ir::Graph& graph, const std::vector<bool>& keep);

}  // namespace edgeinfer::vulkan
