// Dead-code elimination: nodes whose results nobody reads are removed, then values that
// no node, input or output refers to (weights of removed nodes, folded-away constants).
#include <set>

#include "passes/pass.h"

namespace edgeinfer::passes {

int eliminate_dead_code(ir::Graph& graph, const PassOptions& options) {
  std::vector<bool> needed_value(graph.values.size(), false);
  for (ir::ValueId out : graph.outputs)
    needed_value[out] = true;
  for (const std::string& name : options.keep) {
    const ir::ValueId id = graph.find_value(name);
    if (id != ir::kNoValue) needed_value[id] = true;
  }
  // Walk nodes backwards in topological order so consumers are decided before producers.
  auto order = graph.topological_order();
  if (!order) return 0;  // validation reports the problem
  std::vector<bool> dead(graph.nodes.size(), true);
  for (auto it = order->rbegin(); it != order->rend(); ++it) {
    const ir::Node& node = graph.nodes[*it];
    bool used = false;
    for (ir::ValueId out : node.outputs)
      used |= out != ir::kNoValue && needed_value[out];
    if (!used) continue;
    dead[*it] = false;
    for (ir::ValueId in : node.inputs) {
      if (in != ir::kNoValue) needed_value[in] = true;
    }
  }
  int removed = 0;
  for (bool d : dead)
    removed += d ? 1 : 0;
  if (removed) graph.remove_nodes(dead);
  graph.remove_unused_values();
  return removed;
}

}  // namespace edgeinfer::passes
