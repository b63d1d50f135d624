// Transpose sinking: converted models run a few elementwise ops in the source layout between a
// pair of Transposes that cancel, as in tf2onnx's squeeze-excite blocks:
//     Transpose(Mul(Transpose(x, to_nhwc), gate), to_nchw)
// Elementwise ops commute with a Transpose applied to all their operands, so the op can run on
// x directly with the other operand transposed instead (a small gate, or a constant). Two
// full-tensor copies become one copy of the small operand, or none.
#include <set>

#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

bool is_unary_elementwise(const ir::Node& node) {
  // Clip's other inputs are scalars; no op here broadcasts.
  static const std::set<std::string> kOps = {
      "Relu", "Sigmoid", "Tanh", "Clip", "LeakyRelu", "HardSwish", "HardSigmoid", "Abs",
      "Neg",  "Exp",     "Sqrt", "Erf",  "Elu",       "Softplus",  "Mish"};
  return (node.domain.empty() || node.domain == "ai.onnx") && kOps.count(node.op_type) != 0;
}

bool is_binary_elementwise(const ir::Node& node) {
  return (is_op(node, "Mul") || is_op(node, "Add") || is_op(node, "Sub") || is_op(node, "Div")) &&
         node.inputs.size() == 2;
}

std::optional<std::vector<int64_t>> perm_of(const ir::Graph& graph, const ir::Node& t) {
  if (!is_op(t, "Transpose") || !t.has_input(0) || t.outputs.size() != 1 || !t.has_attr("perm")) {
    return std::nullopt;
  }
  std::vector<int64_t> perm = t.attr_ints("perm");
  const ir::Value& in = graph.value(t.inputs[0]);
  if (!in.has_shape || in.dims.size() != perm.size()) return std::nullopt;
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(perm.size())) return std::nullopt;
  }
  return perm;
}

// Adds Transpose(g, perm) and returns its output.
ir::ValueId add_transpose(ir::Graph& graph, ir::ValueId g, const std::vector<int64_t>& perm,
                          int opset) {
  const ir::Value& src = graph.value(g);
  ir::Value v;
  v.name = unique_value_name(graph, src.name + "_transposed");
  v.dtype = src.dtype;
  v.has_shape = src.has_shape;
  if (src.has_shape) {
    for (int64_t p : perm)
      v.dims.push_back(src.dims[p]);
  }
  const ir::ValueId out = graph.add_value(std::move(v));
  ir::Node t;
  t.name = graph.value(out).name;
  t.op_type = "Transpose";
  t.opset = opset;
  t.inputs = {g};
  t.outputs = {out};
  t.attributes["perm"] = perm;
  graph.add_node(std::move(t));
  return out;
}

bool rewrite(ir::Graph& graph, const Uses& uses, ir::NodeId id) {
  const ir::Node& op = graph.nodes[id];
  const bool unary = is_unary_elementwise(op);
  if ((!unary && !is_binary_elementwise(op)) || op.outputs.size() != 1 || !op.has_input(0) ||
      (!unary && !op.has_input(1))) {
    return false;
  }
  const ir::ValueId e = op.outputs[0];
  const ir::NodeId after_id = uses.sole_reader(e);
  if (after_id < 0) return false;
  const auto after_perm = perm_of(graph, graph.nodes[after_id]);
  if (!after_perm) return false;
  const size_t operands = unary ? 1 : 2;
  for (size_t k = 0; k < operands; ++k) {
    const ir::ValueId t = op.inputs[k];
    const ir::Node* before = producer_of(graph, t);
    if (!before || uses.sole_reader(t) != id) continue;
    const auto before_perm = perm_of(graph, *before);
    if (!before_perm || before_perm->size() != after_perm->size()) continue;
    bool cancels = true;
    for (size_t i = 0; i < after_perm->size(); ++i)
      cancels &= (*before_perm)[(*after_perm)[i]] == static_cast<int64_t>(i);
    if (!cancels) continue;
    const ir::ValueId x = before->inputs[0];
    const ir::ValueId result = graph.nodes[after_id].outputs[0];
    const int opset = graph.nodes[after_id].opset;
    if (!unary) {
      // The other operand is a scalar (unaffected) or has the full rank, so transposing it
      // keeps the broadcast; anything else would need an Unsqueeze first.
      const ir::ValueId g = op.inputs[1 - k];
      const ir::Value& gv = graph.value(g);
      if (!gv.has_shape) continue;
      const bool scalar = gv.is_fully_static() && shape_elements(gv.static_shape()) == 1 &&
                          gv.dims.size() <= after_perm->size();
      if (!scalar && gv.dims.size() != after_perm->size()) continue;
      const ir::ValueId moved = scalar ? g : add_transpose(graph, g, *after_perm, opset);
      graph.nodes[id].inputs[1 - k] = moved;  // add_transpose may have moved the nodes
    }
    graph.nodes[id].inputs[k] = x;
    take_over_output(graph, id, result);
    remove_node(graph, after_id);  // the first Transpose is now unread: dead code
    return true;
  }
  return false;
}

}  // namespace

int sink_transposes(ir::Graph& graph, const PassOptions& options) {
  return rewrite_to_fixed_point(graph, options, rewrite);
}

}  // namespace edgeinfer::passes
