// Element types and shapes of intermediate values, from ONNX shape inference run on a copy
// of the model whose graph inputs have their resolved sizes.
#pragma once

#include <map>
#include <string>

#include "import/onnx/onnx_types.h"
#include "ir/graph.h"

namespace onnx {
class ModelProto;
}

namespace edgeinfer::import::onnx_detail {

// The model without the data of large initializers (inference only needs their types and
// the contents of small shape-like tensors), so a big model is not held twice.
// Call before the importer moves data out of `model`.
onnx::ModelProto inference_copy(const onnx::ModelProto& model);

// Fixes the graph inputs of `model` (from inference_copy) to the dims `graph` resolved for
// them, runs ONNX's per-op shape inference node by node (skipping nodes that fail their
// schema or the crash guards of onnx_inference_guard.h) and returns the type of every value
// that declared or inferred types describe. Nothing here fails: what cannot be inferred
// stays as declared. `graph` must already be valid (acyclic, every input defined).
std::map<std::string, ValueType> infer_value_types(onnx::ModelProto& model, const ir::Graph& graph);

}  // namespace edgeinfer::import::onnx_detail
