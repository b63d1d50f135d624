// Evaluates one node on given tensors with the reference kernels, outside any session.
// Used by constant folding (nodes whose inputs are all constants) and by kernel tests.
#pragma once

#include <vector>

#include "edgeinfer/status.h"
#include "ir/constant.h"
#include "ir/graph.h"

namespace edgeinfer::cpu {

// `inputs[i]` is the tensor of node.inputs[i] (ignored where node.inputs[i] == kNoValue).
// Returns one constant per node output (nullptr for omitted outputs).
Result<std::vector<ir::ConstantPtr>> evaluate_node(const ir::Node& node,
                                                   const std::vector<TensorView>& inputs);

}  // namespace edgeinfer::cpu
