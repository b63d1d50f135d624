// Shapes for graphs whose importer could not infer every intermediate shape (a Resize whose
// sizes are computed from a Shape node, say): one run of the CPU executor on zero inputs of
// the session's input shapes records every tensor's shape and type into the graph. The
// Vulkan executor records its dispatches from these shapes; shapes that depend on input
// values rather than input shapes are not supported this way.
#pragma once

#include <vector>

#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::vulkan {

// True if every graph input and produced value has a known shape and element type.
bool has_static_shapes(const ir::Graph& graph);
// Fills in the shape and dtype of every produced value of `graph` from a CPU run.
Status resolve_shapes(ir::Graph& graph);

}  // namespace edgeinfer::vulkan
