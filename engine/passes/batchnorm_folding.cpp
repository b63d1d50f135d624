// BatchNormalization folding: in inference form BN is y = (x - mean) * s + b with
// s = scale / sqrt(var + epsilon), an affine map per channel, so when x comes from a Conv,
// ConvTranspose or Gemm that nothing else reads, the BN disappears into its weights and bias.
// A BN that follows no such node is left to its kernel (one pass over the tensor, as cheap
// as the Mul + Add it would become).
#include <cmath>

#include "passes/channel_affine.h"
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

bool rewrite(ir::Graph& graph, const Uses& uses, ir::NodeId id) {
  const ir::Node& bn = graph.nodes[id];
  if (!is_op(bn, "BatchNormalization") || bn.inputs.size() != 5 || !bn.has_input(0)) return false;
  if (bn.attr_int("training_mode", 0) != 0 || bn.outputs.empty() || bn.outputs[0] == ir::kNoValue) {
    return false;
  }
  for (size_t i = 1; i < bn.outputs.size(); ++i) {
    if (bn.outputs[i] != ir::kNoValue) return false;  // running statistics are wanted
  }
  const ir::ValueId x = bn.inputs[0];
  const ir::NodeId producer = graph.value(x).producer;
  if (graph.value(x).kind != ir::ValueKind::kIntermediate || producer < 0 ||
      !uses.has_single_reader(x) || !is_fusable_producer(graph, graph.nodes[producer])) {
    return false;
  }
  const int64_t channels = output_channels(graph, graph.nodes[producer]);
  if (channels <= 0) return false;
  const float* stats[4];
  for (size_t i = 0; i < 4; ++i) {
    stats[i] = float_constant(graph, bn.inputs[i + 1]);
    if (!stats[i] || graph.value(bn.inputs[i + 1]).constant->elements() != channels) return false;
  }
  const float epsilon = bn.attr_float("epsilon", 1e-5f);
  std::vector<float> scale(static_cast<size_t>(channels)), shift(scale.size());
  for (int64_t c = 0; c < channels; ++c) {
    const float s = stats[0][c] / std::sqrt(stats[3][c] + epsilon);
    scale[c] = s;
    shift[c] = stats[1][c] - stats[2][c] * s;
  }
  const ir::ValueId y = bn.outputs[0];
  if (!fold_affine_into(graph, producer, scale, shift)) return false;
  take_over_output(graph, producer, y);
  remove_node(graph, id);
  return true;
}

}  // namespace

int fold_batch_norms(ir::Graph& graph, const PassOptions& options) {
  return rewrite_to_fixed_point(graph, options, rewrite);
}

}  // namespace edgeinfer::passes
