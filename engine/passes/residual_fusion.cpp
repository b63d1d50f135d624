// Residual fusion: Add(conv_out, other) with equal shapes is accumulated by the producing
// Conv, ConvTranspose or Gemm as it writes its output (the fused residual input), saving a
// pass over both tensors. Activation fusion afterwards can still fuse what follows the Add.
#include "cpu/fused_epilogue.h"
#include "passes/channel_affine.h"
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

bool rewrite(ir::Graph& graph, const Uses& uses, ir::NodeId id) {
  const ir::Node& add = graph.nodes[id];
  if (!is_op(add, "Add") || add.inputs.size() != 2 || add.outputs.size() != 1 ||
      add.outputs[0] == ir::kNoValue || add.inputs[0] == add.inputs[1]) {
    return false;
  }
  for (size_t operand = 0; operand < 2; ++operand) {
    const ir::ValueId x = add.inputs[operand];
    const ir::ValueId other = add.inputs[1 - operand];
    const ir::Value& xv = graph.value(x);
    const ir::Value& ov = graph.value(other);
    // Equal static shapes, so the Add does not broadcast.
    if (!is_static_float(xv) || !is_static_float(ov) || xv.static_shape() != ov.static_shape()) {
      continue;
    }
    const ir::NodeId producer = xv.producer;
    if (xv.kind != ir::ValueKind::kIntermediate || producer < 0 || !uses.has_single_reader(x) ||
        !is_fusable_producer(graph, graph.nodes[producer])) {
      continue;
    }
    const ir::ValueId sum = add.outputs[0];
    set_input(graph.nodes[producer], cpu::kResidualInput, other);
    take_over_output(graph, producer, sum);
    remove_node(graph, id);
    return true;
  }
  return false;
}

}  // namespace

int fuse_residual_adds(ir::Graph& graph, const PassOptions& options) {
  if (!has_fixed_shapes(graph)) return 0;  // a resized input could make the Add broadcast
  return rewrite_to_fixed_point(graph, options, rewrite);
}

}  // namespace edgeinfer::passes
