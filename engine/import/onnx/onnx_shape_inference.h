// Element types and shapes of intermediate values, from ONNX shape inference run on the
// imported model with its graph inputs set to their resolved sizes.
#pragma once

#include <map>
#include <string>

#include "import/onnx/onnx_types.h"
#include "ir/graph.h"

namespace onnx {
class ModelProto;
}

namespace edgeinfer::import::onnx_detail {

// Takes `model` as build_graph leaves it: tensors of at most kKeepRawDataBytes of raw_data
// whole, larger ones without it. Inference only needs the types of large initializers and the
// contents of small shape-like tensors, so the model is never held twice.
// Drops the data of the large initializers left (typed fields), fixes the graph inputs to
// the dims `graph` resolved for them, runs ONNX's per-op shape inference node by node
// (skipping nodes that fail their schema or the crash guards of onnx_inference_guard.h) and
// returns the type of every value that declared or inferred types describe. Nothing here
// fails: what cannot be inferred stays as declared. `graph` must already be valid (acyclic,
// every input defined).
std::map<std::string, ValueType> infer_value_types(onnx::ModelProto& model, const ir::Graph& graph);

}  // namespace edgeinfer::import::onnx_detail
