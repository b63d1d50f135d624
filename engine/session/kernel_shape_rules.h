// Types of an imported graph's intermediates from the reference kernels' own shape rules.
//
// Model::load hands this to the ONNX importer, which uses it instead of ONNX's shape inference
// when it types the whole graph (import/onnx/onnx_own_types.h): the first ONNX inference in a
// process builds libonnx's operator-schema registry, about 10 ms of every load.
// It is passes::infer_static_shapes' method (a kernel computes its output shapes before it asks
// for its output buffers, so a context that stops it there learns them with no arithmetic),
// made cheap enough for every node of a model: the placeholders of non-constant inputs share
// anonymous mappings that nothing reads, so no page is zero-filled or faulted in, where the
// pass allocates and clears a placeholder per node.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace edgeinfer::load_detail {

// Types (dtype and static dims) the outputs of every node whose output types follow from its
// inputs' types, its attributes and the contents of its known inputs, in topological order,
// when all graph inputs have fixed sizes. Known: constants, and the small results of shape
// arithmetic on them and on Shape of static tensors (evaluated here with the reference
// kernels, as shape and constant folding would later). Initializers the model also lists as
// inputs count as constants unless `fed_initializers` names them. Outputs of other nodes are
// left as they are.
void infer_types_from_kernels(ir::Graph& graph, const std::vector<std::string>& fed_initializers);

}  // namespace edgeinfer::load_detail
