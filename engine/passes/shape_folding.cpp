// Shape folding: when no graph input can change size at run time, Shape(x) and Size(x) of a
// value whose shape is fully static are constants. tf2onnx writes Resize sizes as
// Concat(Slice(Shape(x)), ...); once Shape is a constant, constant folding removes the rest.
#include <algorithm>

#include "ir/static_shape.h"
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

// Shape's optional start/end (opset 15): negative counts from the back, then clamped.
int64_t clamp_axis(int64_t axis, int64_t rank) {
  if (axis < 0) axis += rank;
  return std::clamp<int64_t>(axis, 0, rank);
}

bool rewrite(ir::Graph& graph, const Uses& uses, ir::NodeId id) {
  const ir::Node& node = graph.nodes[id];
  const bool is_shape = is_op(node, "Shape");
  if ((!is_shape && !is_op(node, "Size")) || !node.has_input(0) || node.outputs.size() != 1) {
    return false;
  }
  const ir::Value& x = graph.value(node.inputs[0]);
  const ir::ValueId out = node.outputs[0];
  if (out == ir::kNoValue || !x.is_fully_static() || uses.is_protected(out)) return false;
  const Shape dims = x.static_shape();
  std::vector<int64_t> data;
  Shape shape;
  if (is_shape) {
    const auto rank = static_cast<int64_t>(dims.size());
    const int64_t start = clamp_axis(node.attr_int("start", 0), rank);
    const int64_t end = clamp_axis(node.attr_int("end", rank), rank);
    for (int64_t i = start; i < end; ++i)
      data.push_back(dims[i]);
    shape = {static_cast<int64_t>(data.size())};
  } else {
    data = {shape_elements(dims)};
  }
  ir::Value& v = graph.value(out);
  v.kind = ir::ValueKind::kConstant;
  v.dtype = DType::kInt64;
  v.constant =
      ir::Constant::copy_of(DType::kInt64, shape, data.data(), data.size() * sizeof(int64_t));
  v.producer = -1;
  ir::set_static_shape(v, shape);
  remove_node(graph, id);
  return true;
}

}  // namespace

int fold_shapes(ir::Graph& graph, const PassOptions& options) {
  if (!has_fixed_shapes(graph)) return 0;
  return rewrite_to_fixed_point(graph, options, rewrite);
}

}  // namespace edgeinfer::passes
