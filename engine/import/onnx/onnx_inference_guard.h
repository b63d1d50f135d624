// Keeps hostile nodes away from ONNX's shape-inference functions.
//
// ONNX 1.12's per-op inference code trusts its node: a zero stride or block size divides by
// zero, an out-of-range axis or a rank mismatch between Conv's input and weights indexes
// out of bounds. Those are crashes, not exceptions, so they must be refused before the call.
// A refused node just gets no inferred types.
#pragma once

#include <vector>

namespace onnx {
class NodeProto;
class TypeProto;
}  // namespace onnx

namespace edgeinfer::import::onnx_detail {

// `inputs` holds the types known for each of the node's inputs (nullptr where unknown).
// Assumes the node already passed its schema's Verify (arity, required attributes).
bool safe_to_infer(const onnx::NodeProto& node, const std::vector<const onnx::TypeProto*>& inputs);

}  // namespace edgeinfer::import::onnx_detail
