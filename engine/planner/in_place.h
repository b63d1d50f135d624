// In-place execution: which node outputs may take the buffer of one of their inputs.
//
// An elementwise operator that reads x[i] before it writes y[i] (and never reads x[j] for a
// j it has already written) gives the same result when y and x are the same memory. When x
// dies at that node, sharing its bytes saves a whole tensor. This is a planner decision: the
// plan gives y the offset of x, and the executor just uses the buffer it is handed.
//
// Kernel contract for the op types listed in in_place.cpp: the output may be the same
// memory as input 0 (and, for binary ops, input 1) when that input has the output's element
// count and type; such a kernel must not read an element after writing its own output there.
#pragma once

#include <cstddef>
#include <vector>

#include "ir/graph.h"
#include "planner/lifetimes.h"

namespace edgeinfer::planner {

// True if `op_type` (default ONNX domain) is elementwise in the sense above.
bool op_allows_in_place(const ir::Node& node);

// For every value, the input whose buffer it may share (ir::kNoValue if none). A value may
// share with input x of its producer when x is an intermediate that dies at that node (not a
// graph output or kept tensor), has the same byte size and element type, and no other output
// of the node already took it. Chains (x -> relu -> y -> add -> z) share one buffer.
std::vector<ir::ValueId> in_place_aliases(const ir::Graph& graph,
                                          const std::vector<ir::NodeId>& schedule,
                                          const std::vector<Lifetime>& lifetimes,
                                          const std::vector<size_t>& bytes);

}  // namespace edgeinfer::planner
