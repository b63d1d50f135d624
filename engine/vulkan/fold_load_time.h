// Nodes whose result is known once every shape is: Shape of a statically shaped tensor, and any
// small node whose inputs are all constants (shape arithmetic such as Slice/Concat of shapes
// feeding a Resize). The Vulkan executor evaluates them once at load time, so that a run does
// not bounce between the device and the CPU for a few int64 values, and the ops that read them
// (Resize sizes, Reshape shapes) see constants.
#pragma once

#include <vector>

#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::vulkan {

// Turns the outputs of such nodes into constants of `graph` (the nodes stay; ValueIds do not
// change) and returns, per NodeId, whether it was folded. Nodes that produce graph outputs or
// values in `keep` are left alone.
Result<std::vector<bool>> fold_load_time_nodes(ir::Graph& graph, const std::vector<bool>& keep);

}  // namespace edgeinfer::vulkan
