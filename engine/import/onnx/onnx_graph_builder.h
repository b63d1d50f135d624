// Builds the IR graph from a parsed ONNX model: opsets, initializers, inputs, nodes,
// outputs. Structure only; element types of intermediates come from shape inference later.
#pragma once

#include <string>

#include "edgeinfer/status.h"
#include "import/importer.h"
#include "ir/graph.h"

namespace onnx {
class ModelProto;
}

namespace edgeinfer::import::onnx_detail {

// Oldest and newest default-domain opsets the importer accepts. Kernels read node.opset and
// handle each version's attribute and input forms themselves.
constexpr int64_t kMinOpset = 7;
constexpr int64_t kMaxOpset = 21;

// Moves tensor data out of `model` into the graph's constants. Errors name the node,
// initializer or input at fault but not the file: the caller adds that.
Result<ir::Graph> build_graph(onnx::ModelProto& model, const ImportOptions& options,
                              const std::string& base_dir);

}  // namespace edgeinfer::import::onnx_detail
