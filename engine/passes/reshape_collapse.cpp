// Reshape collapse: a Reshape only looks at its input's element count (and, for a 0 in the
// target shape, at its input's dims), and Reshape, Flatten, Squeeze and Unsqueeze keep the
// element count and the row-major order. So a Reshape to a constant shape without 0s can read
// the input of a reshape-like producer directly, and chains of them shrink to one node.
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

bool is_reshape_like(const ir::Node& node) {
  return (is_op(node, "Reshape") || is_op(node, "Flatten") || is_op(node, "Squeeze") ||
          is_op(node, "Unsqueeze")) &&
         node.has_input(0) && node.outputs.size() == 1;
}

// A constant target shape that does not depend on the input's dims.
bool has_input_independent_shape(const ir::Graph& graph, const ir::Node& reshape) {
  if (!reshape.has_input(1)) return false;
  const ir::Value& shape = graph.value(reshape.inputs[1]);
  if (shape.kind != ir::ValueKind::kConstant || shape.overridable || !shape.constant ||
      shape.constant->dtype() != DType::kInt64) {
    return false;
  }
  // With allowzero=1 a 0 is a literal size; otherwise it copies the input's dim.
  if (reshape.attr_int("allowzero", 0) != 0) return true;
  const int64_t* dims = shape.constant->as<int64_t>();
  for (int64_t i = 0; i < shape.constant->elements(); ++i) {
    if (dims[i] == 0) return false;
  }
  return true;
}

// A Reshape to its input's own shape, in a graph whose shapes cannot change at run time.
bool is_identity_reshape(const ir::Graph& graph, const ir::Node& reshape) {
  const ir::Value& in = graph.value(reshape.inputs[0]);
  if (!has_fixed_shapes(graph) || !in.is_fully_static()) return false;
  const ir::ConstantPtr& shape = graph.value(reshape.inputs[1]).constant;
  const Shape target(shape->as<int64_t>(), shape->as<int64_t>() + shape->elements());
  return target == in.static_shape();
}

bool rewrite(ir::Graph& graph, const Uses& uses, ir::NodeId id) {
  const ir::Node& node = graph.nodes[id];
  if (!is_op(node, "Reshape") || !node.has_input(0) || node.outputs.size() != 1 ||
      !has_input_independent_shape(graph, node)) {
    return false;
  }
  if (is_identity_reshape(graph, node) && !uses.is_protected(node.outputs[0])) {
    replace_uses(graph, node.outputs[0], node.inputs[0]);
    remove_node(graph, id);
    return true;
  }
  const ir::Value& in = graph.value(node.inputs[0]);
  if (in.kind != ir::ValueKind::kIntermediate || in.producer < 0) return false;
  const ir::Node& inner = graph.nodes[in.producer];
  if (!is_reshape_like(inner)) return false;
  // The inner node stays for its other readers; dead-code elimination drops it otherwise.
  graph.nodes[id].inputs[0] = inner.inputs[0];
  return true;
}

}  // namespace

int collapse_reshapes(ir::Graph& graph, const PassOptions& options) {
  return rewrite_to_fixed_point(graph, options, rewrite);
}

}  // namespace edgeinfer::passes
