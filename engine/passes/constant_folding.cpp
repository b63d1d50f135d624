// Constant folding: a node fed only by constants is evaluated once, at load time.
// This turns shape subgraphs (Shape -> Gather -> Concat -> Reshape) and weight
// preprocessing that exporters leave in graphs into plain constants, so shapes become static.
#include <set>

#include "cpu/evaluate_node.h"
#include "ir/static_shape.h"
#include "passes/pass.h"

namespace edgeinfer::passes {

namespace {

// Folding these would only copy data or is not deterministic.
bool never_fold(const ir::Node& node) {
  static const std::set<std::string> kSkip = {"RandomNormal",     "RandomUniform",
                                              "RandomNormalLike", "RandomUniformLike",
                                              "Multinomial",      "Bernoulli"};
  return kSkip.count(node.op_type) != 0;
}

bool is_fixed_constant(const ir::Value& v) {
  return v.kind == ir::ValueKind::kConstant && !v.overridable;
}

}  // namespace

Result<int> fold_constants(ir::Graph& graph, const PassOptions& options) {
  std::set<ir::ValueId> kept;
  for (const std::string& name : options.keep)
    kept.insert(graph.find_value(name));
  EI_ASSIGN_OR_RETURN(std::vector<ir::NodeId> order, graph.topological_order());
  std::vector<bool> folded(graph.nodes.size(), false);
  int count = 0;
  for (ir::NodeId id : order) {
    const ir::Node& node = graph.nodes[id];
    if (never_fold(node) || node.outputs.empty()) continue;
    bool all_constant = true;
    std::vector<TensorView> inputs;
    for (ir::ValueId in : node.inputs) {
      if (in == ir::kNoValue) {
        inputs.emplace_back();
        continue;
      }
      if (!is_fixed_constant(graph.value(in))) {
        all_constant = false;
        break;
      }
      inputs.push_back(graph.value(in).constant->view());
    }
    bool keeps_output = false;
    for (ir::ValueId out : node.outputs)
      keeps_output |= kept.count(out) != 0;
    if (!all_constant || keeps_output) continue;
    auto outputs = cpu::evaluate_node(node, inputs);
    if (!outputs) {
      // Leave the node for run time; errors there name the node as well.
      if (outputs.status().code() == StatusCode::kUnsupported) continue;
      return outputs.status();
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const ir::ValueId out = node.outputs[i];
      if (out == ir::kNoValue) continue;
      ir::Value& v = graph.value(out);
      v.kind = ir::ValueKind::kConstant;
      v.constant = (*outputs)[i];
      v.producer = -1;
      v.dtype = v.constant->dtype();
      ir::set_static_shape(v, v.constant->shape());
    }
    folded[id] = true;
    ++count;
  }
  if (count) graph.remove_nodes(folded);
  return count;
}

}  // namespace edgeinfer::passes
