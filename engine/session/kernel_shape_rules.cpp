#include "session/kernel_shape_rules.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <optional>
#include <set>

#include "cpu/evaluate_node.h"
#include "cpu/node_output_types.h"
#include "ir/static_shape.h"
#include "passes/graph_edit.h"

namespace edgeinfer::load_detail {

namespace {

// Ops evaluated at load when their inputs are known small tensors: the arithmetic of shapes
// (tf2onnx's Concat(Slice(Shape(x)), ...) sizes of a Resize). Shape reads only its input's
// shape, so that input need only have static dims.
bool computes_shapes(const std::string& op) {
  static const std::set<std::string> kOps = {"Shape", "Slice",   "Concat",    "Gather",
                                             "Cast",  "Squeeze", "Unsqueeze", "Reshape",
                                             "Add",   "Sub",     "Mul",       "Div"};
  return kOps.count(op) != 0;
}

// Tensors of at most this many elements are evaluated and remembered: shape-like values.
constexpr int64_t kMaxKnownElements = 64;

// Contents of values known at load: constants (but initializers the caller feeds) and the
// results of computes_shapes ops on them. Null where unknown.
using Known = std::vector<ir::ConstantPtr>;

// Evaluates a computes_shapes node whose inputs are all known and small (Shape: any input
// with static dims). Its results, or nothing.
std::optional<std::vector<ir::ConstantPtr>> evaluate_on_known(const ir::Graph& graph,
                                                              const ir::Node& node,
                                                              const Known& known,
                                                              cpu::Placeholders& placeholders) {
  if (!computes_shapes(node.op_type) || !(node.domain.empty() || node.domain == "ai.onnx")) {
    return std::nullopt;
  }
  const bool is_shape = node.op_type == "Shape";
  std::vector<TensorView> inputs(node.inputs.size());
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.inputs[i] == ir::kNoValue) continue;
    const ir::Value& v = graph.value(node.inputs[i]);
    if (is_shape && i == 0 && v.is_fully_static() && dtype_size(v.dtype) != 0) {
      inputs[i] = TensorView{v.dtype, v.static_shape(), placeholders.get(0)};
      continue;
    }
    const ir::ConstantPtr& contents = known[static_cast<size_t>(node.inputs[i])];
    if (!contents || contents->elements() > kMaxKnownElements) return std::nullopt;
    inputs[i] = contents->view();
  }
  try {
    auto outputs = cpu::evaluate_node(node, inputs);
    if (!outputs) return std::nullopt;
    return std::move(outputs).value();
  } catch (const std::exception&) {
    return std::nullopt;  // as in cpu::node_output_types
  }
}

void set_type(ir::Value& v, DType dtype, const Shape& shape) {
  v.dtype = dtype;
  ir::set_static_shape(v, shape);
}

}  // namespace

void infer_types_from_kernels(ir::Graph& graph, const std::vector<std::string>& fed_initializers) {
  if (!passes::has_fixed_shapes(graph)) return;
  const auto order = graph.topological_order();
  if (!order) return;
  const std::set<std::string> fed(fed_initializers.begin(), fed_initializers.end());
  Known known(graph.values.size());
  for (size_t id = 0; id < graph.values.size(); ++id) {
    const ir::Value& v = graph.values[id];
    if (v.kind == ir::ValueKind::kConstant && v.constant &&
        (!v.overridable || fed.count(v.name) == 0)) {
      known[id] = v.constant;
    }
  }
  cpu::Placeholders placeholders;
  for (ir::NodeId id : *order) {
    const ir::Node& node = graph.nodes[static_cast<size_t>(id)];
    if (auto results = evaluate_on_known(graph, node, known, placeholders)) {
      for (size_t i = 0; i < node.outputs.size(); ++i) {
        if (node.outputs[i] == ir::kNoValue || !(*results)[i]) continue;
        const ir::ConstantPtr& c = (*results)[i];
        set_type(graph.value(node.outputs[i]), c->dtype(), c->shape());
        if (c->elements() <= kMaxKnownElements) known[static_cast<size_t>(node.outputs[i])] = c;
      }
      continue;
    }
    const auto types = cpu::node_output_types(
        graph, node, [&](ir::ValueId id) { return known[static_cast<size_t>(id)].get(); },
        placeholders);
    if (!types) continue;
    bool complete = true;
    for (size_t i = 0; i < node.outputs.size(); ++i)
      complete &= node.outputs[i] == ir::kNoValue || (*types)[i].dtype != DType::kUndefined;
    if (!complete) continue;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] == ir::kNoValue) continue;
      set_type(graph.value(node.outputs[i]), (*types)[i].dtype, (*types)[i].shape);
    }
  }
}

}  // namespace edgeinfer::load_detail
