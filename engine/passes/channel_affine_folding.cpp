// Mul/Add folding: multiplying or offsetting a Conv, ConvTranspose or Gemm output by a constant
// that is the same for every element of a channel is the same as scaling that channel's
// weights and bias (TFLite and Keras exports leave such Mul/Add pairs after convolutions).
#include "passes/channel_affine.h"
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

// `conv_out` is operand `operand` of binary node `op`; the other operand is the per-channel
// constant `c`. The affine map the node applies to conv_out, if it is one.
bool affine_of(const ir::Node& op, size_t operand, const std::vector<float>& c,
               std::vector<float>* scale, std::vector<float>* shift) {
  const std::vector<float> zero{0.f}, one{1.f};
  std::vector<float> negated(c.size());
  for (size_t i = 0; i < c.size(); ++i)
    negated[i] = -c[i];
  if (is_op(op, "Mul")) {
    *scale = c, *shift = zero;
  } else if (is_op(op, "Add")) {
    *scale = one, *shift = c;
  } else if (is_op(op, "Sub")) {
    // conv - c, or c - conv
    *scale = operand == 0 ? one : std::vector<float>{-1.f};
    *shift = operand == 0 ? negated : c;
  } else if (is_op(op, "Div") && operand == 0) {
    std::vector<float> reciprocal(c.size());
    for (size_t i = 0; i < c.size(); ++i) {
      if (c[i] == 0.f) return false;  // keep the infinities to the kernel
      reciprocal[i] = 1.f / c[i];
    }
    *scale = reciprocal, *shift = zero;
  } else {
    return false;
  }
  return true;
}

bool rewrite(ir::Graph& graph, const Uses& uses, ir::NodeId id) {
  const ir::Node& op = graph.nodes[id];
  if (op.inputs.size() != 2 || op.outputs.size() != 1 || !op.has_input(0) || !op.has_input(1)) {
    return false;
  }
  for (size_t operand = 0; operand < 2; ++operand) {
    const ir::ValueId x = op.inputs[operand];
    const ir::Value& xv = graph.value(x);
    if (xv.kind != ir::ValueKind::kIntermediate || xv.producer < 0 || !uses.has_single_reader(x) ||
        !is_fusable_producer(graph, graph.nodes[xv.producer])) {
      continue;
    }
    const auto c = per_channel_constant(graph, op.inputs[1 - operand], xv);
    std::vector<float> scale, shift;
    if (!c || !affine_of(op, operand, *c, &scale, &shift)) continue;
    const ir::NodeId producer = xv.producer;
    const ir::ValueId y = op.outputs[0];
    if (!fold_affine_into(graph, producer, scale, shift)) continue;
    take_over_output(graph, producer, y);
    remove_node(graph, id);
    return true;
  }
  return false;
}

}  // namespace

int fold_channel_affine(ir::Graph& graph, const PassOptions& options) {
  return rewrite_to_fixed_point(graph, options, rewrite);
}

}  // namespace edgeinfer::passes
