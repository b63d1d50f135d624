// HardSwish collapse: TF and Keras exports write HardSwish as x * Clip(x + 3, 0, 6) / 6 (or
// * 0.16666667, or x * (Clip(x + 3, 0, 6) / 6)); one HardSwish node computes the same in one
// pass over the tensor instead of four. Clip(x + 3, 0, 6) / 6 alone is HardSigmoid(x) with
// alpha 1/6, beta 0.5.
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

// Turns node `keep` into `op_type`(x) writing `out` and removes `dropped`.
void collapse(ir::Graph& graph, ir::NodeId keep, const char* op_type, ir::ValueId x,
              ir::ValueId out, std::vector<ir::NodeId> dropped,
              std::map<std::string, ir::Attribute> attributes = {}) {
  ir::Node& node = graph.nodes[keep];
  node.op_type = op_type;
  node.domain.clear();
  node.inputs = {x};
  node.outputs = {out};
  node.attributes = std::move(attributes);
  graph.value(out).producer = keep;
  remove_nodes(graph, dropped);
}

// Matches at the Add of x + 3.
bool rewrite(ir::Graph& graph, const Uses& uses, ir::NodeId id) {
  const ir::Node& add = graph.nodes[id];
  if (!is_op(add, "Add") || add.inputs.size() != 2 || add.outputs.size() != 1) return false;
  const size_t three = is_scalar(graph, add.inputs[1], 3.f) ? 1 : 0;
  const ir::ValueId x = add.inputs[1 - three];
  if (x == ir::kNoValue) return false;
  // Every constant must broadcast to x's shape without growing it, so x's rank must be known.
  const ir::Value& xv = graph.value(x);
  if (xv.dtype != DType::kFloat32 || !xv.has_shape) return false;
  const size_t rank = xv.dims.size();
  if (!is_scalar(graph, add.inputs[three], 3.f, rank)) return false;
  const ir::ValueId sum = add.outputs[0];
  const ir::NodeId clip_id = uses.sole_reader(sum);
  if (clip_id < 0 || !is_op(graph.nodes[clip_id], "Clip")) return false;
  const ir::Node& clip = graph.nodes[clip_id];
  const auto bounds = clip_bounds(graph, clip);
  if (clip.inputs[0] != sum || !bounds || bounds->first != 0.f || bounds->second != 6.f) {
    return false;
  }
  const ir::ValueId clipped = clip.outputs[0];
  const ir::NodeId next_id = uses.sole_reader(clipped);
  if (next_id < 0) return false;
  const ir::Node& next = graph.nodes[next_id];
  const ir::ValueId next_out = next.outputs.empty() ? ir::kNoValue : next.outputs[0];
  if (is_product_of(next, x, clipped)) {  // (x * clip) / 6
    const ir::NodeId last = uses.sole_reader(next_out);
    if (last < 0 || !is_scaled(graph, graph.nodes[last], next_out, 1.f / 6.f, rank)) return false;
    collapse(graph, id, "HardSwish", x, graph.nodes[last].outputs[0], {clip_id, next_id, last});
    return true;
  }
  if (!is_scaled(graph, next, clipped, 1.f / 6.f, rank)) return false;
  const ir::NodeId last = uses.sole_reader(next_out);
  if (last >= 0 && is_product_of(graph.nodes[last], x, next_out)) {  // x * (clip / 6)
    collapse(graph, id, "HardSwish", x, graph.nodes[last].outputs[0], {clip_id, next_id, last});
    return true;
  }
  collapse(graph, id, "HardSigmoid", x, next_out, {clip_id, next_id},
           {{"alpha", 1.f / 6.f}, {"beta", 0.5f}});
  return true;
}

}  // namespace

int collapse_hard_swish(ir::Graph& graph, const PassOptions& options) {
  return rewrite_to_fixed_point(graph, options, rewrite);
}

}  // namespace edgeinfer::passes
