// Identity elimination: an Identity only copies its input, so its readers can read the input
// directly. Exporters leave them around graph outputs and after folded subgraphs.
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

int remove_identities(ir::Graph& graph, const PassOptions& options) {
  return rewrite_to_fixed_point(graph, options, [](ir::Graph& g, const Uses& uses, ir::NodeId id) {
    const ir::Node& node = g.nodes[id];
    if (!is_op(node, "Identity") || !node.has_input(0) || node.outputs.size() != 1) {
      return false;
    }
    const ir::ValueId in = node.inputs[0];
    const ir::ValueId out = node.outputs[0];
    // A protected output keeps its name, so its Identity stays.
    if (out == ir::kNoValue || uses.is_protected(out)) return false;
    replace_uses(g, out, in);
    remove_node(g, id);
    return true;
  });
}

}  // namespace edgeinfer::passes
