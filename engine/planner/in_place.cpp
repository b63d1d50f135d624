#include "planner/in_place.h"

#include <set>
#include <string>

namespace edgeinfer::planner {

namespace {

// Ops whose reference kernels map element i of the output from element i of an input of the
// same shape (elementwise.h: map_unary, map_binary).
const std::set<std::string>& in_place_ops() {
  static const std::set<std::string> ops = {
      // activations
      "Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Elu", "Selu", "Softplus",
      "Softsign",
      // unary math
      "Sqrt", "Exp", "Log", "Tanh", "Erf", "Reciprocal", "Floor", "Ceil", "Abs", "Neg",
      // binary arithmetic (not the variadic Sum/Mean/Min/Max, which fold input by input)
      "Add", "Sub", "Mul", "Div", "Pow", "PRelu"};
  return ops;
}

bool is_binary(const std::string& op) {
  return op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow" || op == "PRelu";
}

}  // namespace

bool op_allows_in_place(const ir::Node& node) {
  if (!node.domain.empty() && node.domain != "ai.onnx") return false;
  return in_place_ops().count(node.op_type) > 0;
}

std::vector<ir::ValueId> in_place_aliases(const ir::Graph& graph,
                                          const std::vector<ir::NodeId>& schedule,
                                          const std::vector<Lifetime>& lifetimes,
                                          const std::vector<size_t>& bytes) {
  std::vector<ir::ValueId> alias(graph.values.size(), ir::kNoValue);
  std::vector<bool> taken(graph.values.size(), false);
  for (size_t step = 0; step < schedule.size(); ++step) {
    const ir::Node& node = graph.nodes[schedule[step]];
    if (!op_allows_in_place(node) || node.outputs.size() != 1) continue;
    const ir::ValueId out = node.outputs[0];
    if (out == ir::kNoValue || out >= static_cast<ir::ValueId>(bytes.size())) continue;
    // PRelu's slope (input 1) broadcasts to x; only x may be shared.
    const size_t candidates =
        node.op_type == "PRelu"
            ? 1
            : std::min<size_t>(node.inputs.size(), is_binary(node.op_type) ? 2 : 1);
    for (size_t i = 0; i < candidates; ++i) {
      const ir::ValueId in = node.inputs[i];
      if (in == ir::kNoValue || in >= static_cast<ir::ValueId>(bytes.size()) || taken[in]) continue;
      const ir::Value& v = graph.values[in];
      if (v.kind != ir::ValueKind::kIntermediate || lifetimes[in].first < 0) continue;
      if (lifetimes[in].last != static_cast<int>(step)) continue;  // read later, or kept
      if (bytes[in] == 0 || bytes[in] != bytes[out]) continue;
      if (v.dtype != graph.values[out].dtype) continue;
      alias[out] = in;
      taken[in] = true;
      break;
    }
  }
  return alias;
}

}  // namespace edgeinfer::planner
