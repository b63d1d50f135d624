// Fully connected layers as converters write them (the MediaPipe models' squeeze-and-excite
// blocks): MatMul, Reshape, Add of a bias, Relu or Sigmoid. On a GPU each node is a dispatch
// and a barrier that cost more than the arithmetic, so the Vulkan executor rewrites its own
// copy of the graph: each such chain becomes one Gemm with the bias as C and the activation
// as its fused epilogue (cpu/fused_epilogue.h), writing the chain's last value.
#pragma once

#include <vector>

#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::vulkan {

// `keep`: per value, tensors the caller reads (they are never fused away). Returns the number
// of chains rewritten.
Result<int> fuse_dense_chains(ir::Graph& graph, const std::vector<bool>& keep);

}  // namespace edgeinfer::vulkan
