// BatchNormalization folding: in inference form BN is y = (x - mean) * s + b with
// s = scale / sqrt(var + epsilon), an affine map per channel, so when x comes from a Conv,
// ConvTranspose or Gemm that nothing else reads, the BN disappears into its weights and bias.
// A BN that follows no such node is left to its kernel (one pass over the tensor, as cheap
// as the Mul + Add it would become).
#include "passes/channel_affine.h"
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

bool rewrite(ir::Graph& graph, const Uses& uses, ir::NodeId id) {
  const ir::Node& bn = graph.nodes[id];
  if (!is_op(bn, "BatchNormalization") || bn.inputs.size() != 5 || !bn.has_input(0)) return false;
  const ir::ValueId x = bn.inputs[0];
  const ir::NodeId producer = graph.value(x).producer;
  if (graph.value(x).kind != ir::ValueKind::kIntermediate || producer < 0 ||
      !uses.has_single_reader(x) || !is_fusable_producer(graph, graph.nodes[producer])) {
    return false;
  }
  const int64_t channels = output_channels(graph, graph.nodes[producer]);
  if (channels <= 0) return false;
  const std::optional<ChannelAffine> affine = batch_norm_affine(graph, bn, channels);
  if (!affine) return false;
  const ir::ValueId y = bn.outputs[0];
  if (!fold_affine_into(graph, producer, affine->scale, affine->shift)) return false;
  take_over_output(graph, producer, y);
  remove_node(graph, id);
  return true;
}

}  // namespace

int fold_batch_norms(ir::Graph& graph, const PassOptions& options) {
  return rewrite_to_fixed_point(graph, options, rewrite);
}

}  // namespace edgeinfer::passes
