// Transpose cancellation: Transpose(Transpose(x, p1), p2) is one Transpose of x by the
// composed permutation, and a Transpose by the identity permutation is no-op. Converted
// models (tf2onnx, the TFLite importer) wrap NHWC regions in Transpose pairs that cancel.
#include <numeric>
#include <optional>

#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

// The node's permutation; without the attribute ONNX reverses the dims, which needs the
// input's rank.
std::optional<std::vector<int64_t>> permutation(const ir::Graph& graph, const ir::Node& node) {
  if (node.has_attr("perm")) return node.attr_ints("perm");
  const ir::Value& in = graph.value(node.inputs[0]);
  if (!in.has_shape) return std::nullopt;
  std::vector<int64_t> perm(in.dims.size());
  std::iota(perm.rbegin(), perm.rend(), 0);
  return perm;
}

bool is_identity(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

bool is_transpose(const ir::Node& node) {
  return is_op(node, "Transpose") && node.has_input(0) && node.outputs.size() == 1 &&
         node.outputs[0] != ir::kNoValue;
}

bool rewrite(ir::Graph& graph, const Uses& uses, ir::NodeId id) {
  if (!is_transpose(graph.nodes[id])) return false;
  auto perm = permutation(graph, graph.nodes[id]);
  if (!perm) return false;
  const ir::ValueId in = graph.nodes[id].inputs[0];
  const ir::ValueId out = graph.nodes[id].outputs[0];
  if (is_identity(*perm) && !uses.is_protected(out)) {
    replace_uses(graph, out, in);
    remove_node(graph, id);
    return true;
  }
  const ir::NodeId inner = graph.value(in).producer;
  if (graph.value(in).kind != ir::ValueKind::kIntermediate || inner < 0 ||
      !is_transpose(graph.nodes[inner])) {
    return false;
  }
  auto inner_perm = permutation(graph, graph.nodes[inner]);
  if (!inner_perm || inner_perm->size() != perm->size()) return false;
  // out.dim[i] = in.dim[perm[i]] = x.dim[inner_perm[perm[i]]]
  std::vector<int64_t> composed(perm->size());
  for (size_t i = 0; i < perm->size(); ++i) {
    const int64_t p = (*perm)[i];
    if (p < 0 || p >= static_cast<int64_t>(perm->size())) return false;
    composed[i] = (*inner_perm)[p];
  }
  // The inner Transpose stays for its other readers; dead-code elimination drops it otherwise.
  ir::Node& node = graph.nodes[id];
  node.inputs[0] = graph.nodes[inner].inputs[0];
  node.attributes["perm"] = composed;
  return true;
}

}  // namespace

int cancel_transposes(ir::Graph& graph, const PassOptions& options) {
  return rewrite_to_fixed_point(graph, options, rewrite);
}

}  // namespace edgeinfer::passes
