// Typing an imported graph's intermediates with the engine's own shape rules instead of
// ONNX's shape inference, checked against the types the model declares.
#pragma once

#include <functional>

#include "ir/graph.h"

namespace onnx {
class GraphProto;
}

namespace edgeinfer::import::onnx_detail {

// Runs `own_inference` on `graph` (valid, intermediates untyped). Returns true when it
// typed every intermediate (element type and every dim) and none of them contradicts the
// type `declared` gives it (value_info, graph outputs: dtype, rank and each static dim).
// Otherwise the intermediates are left untyped again and it returns false.
bool type_with_own_rules(ir::Graph& graph, const onnx::GraphProto& declared,
                         const std::function<void(ir::Graph&)>& own_inference);

}  // namespace edgeinfer::import::onnx_detail
