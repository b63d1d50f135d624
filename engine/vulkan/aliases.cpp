#include "vulkan/aliases.h"

#include <algorithm>

#include "ir/tensor_size.h"

namespace edgeinfer::vulkan {

namespace {

bool onnx_op(const ir::Node& node, const char* op) {
  return (node.domain.empty() || node.domain == "ai.onnx") && node.op_type == op;
}

// A Transpose that only moves dims of size 1 keeps every element where it is.
bool moves_only_unit_dims(const ir::Graph& g, const ir::Node& node) {
  if (node.inputs.empty() || node.inputs[0] == ir::kNoValue) return false;
  const Shape x = g.value(node.inputs[0]).static_shape();
  std::vector<int64_t> perm = node.attr_ints("perm");
  if (perm.empty()) {
    for (size_t i = x.size(); i-- > 0;)
      perm.push_back(static_cast<int64_t>(i));
  }
  if (perm.size() != x.size()) return false;
  int64_t last = -1;
  for (int64_t axis : perm) {
    if (axis < 0 || axis >= static_cast<int64_t>(x.size())) return false;
    if (x[static_cast<size_t>(axis)] == 1) continue;
    if (axis < last) return false;
    last = axis;
  }
  return true;
}

}  // namespace

bool same_bytes_new_shape(const ir::Graph& g, const ir::Node& node) {
  return onnx_op(node, "Reshape") || onnx_op(node, "Flatten") || onnx_op(node, "Squeeze") ||
         onnx_op(node, "Unsqueeze") || onnx_op(node, "Identity") ||
         (onnx_op(node, "Transpose") && moves_only_unit_dims(g, node));
}

namespace {

void widen(planner::Lifetime& root, const planner::Lifetime& alias) {
  root.first = std::min(root.first, alias.first);
  root.last = std::max(root.last, alias.last);
}

}  // namespace

std::vector<Alias> find_aliases(const ir::Graph& g, const std::vector<ir::NodeId>& schedule,
                                const std::vector<size_t>& bytes, size_t alignment,
                                std::vector<planner::Lifetime>& lifetimes) {
  std::vector<Alias> alias(g.values.size());
  std::vector<bool> produced(g.values.size(), false), has_aliases(g.values.size(), false);
  for (ir::NodeId id : schedule) {
    for (ir::ValueId out : g.nodes[id].outputs) {
      if (out != ir::kNoValue) produced[out] = true;
    }
  }
  std::vector<bool> graph_input(g.values.size(), false);
  for (ir::ValueId id : g.inputs)
    graph_input[id] = true;
  auto planned = [&](ir::ValueId id) {
    return g.value(id).kind == ir::ValueKind::kIntermediate && produced[id] &&
           lifetimes[id].first >= 0 && bytes[id] > 0;
  };
  for (ir::NodeId id : schedule) {
    const ir::Node& node = g.nodes[id];
    if (node.outputs.size() != 1 || node.outputs[0] == ir::kNoValue) continue;
    const ir::ValueId out = node.outputs[0];
    if (same_bytes_new_shape(g, node) && !node.inputs.empty() && node.inputs[0] != ir::kNoValue) {
      const ir::ValueId in = node.inputs[0];
      if (!planned(out) || bytes[out] != bytes[in]) continue;
      const Alias root = alias[in].root != ir::kNoValue ? alias[in] : Alias{in, 0, false};
      const bool root_planned = planned(root.root);
      if (!root_planned && !graph_input[root.root]) continue;
      alias[out] = Alias{root.root, root.offset, true};
      has_aliases[root.root] = true;
      if (root_planned) widen(lifetimes[root.root], lifetimes[out]);
    } else if (onnx_op(node, "Concat") && planned(out) && dtype_size(g.value(out).dtype) == 4 &&
               alias[out].root == ir::kNoValue) {
      const Shape y = g.value(out).static_shape();
      int64_t axis = node.attr_int("axis", 0);
      if (axis < 0) axis += static_cast<int64_t>(y.size());
      if (axis < 0 || axis >= static_cast<int64_t>(y.size())) continue;
      int64_t outer = 1;
      for (int64_t d = 0; d < axis; ++d)
        outer *= y[static_cast<size_t>(d)];
      if (outer != 1) continue;
      size_t offset = 0;
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        const ir::ValueId in = node.inputs[i];
        if (in == ir::kNoValue) continue;
        const size_t at = offset;
        // From the shape: constants have no planned bytes but take their place all the same.
        offset += static_cast<size_t>(shape_elements(g.value(in).static_shape())) * 4;
        const bool repeated = std::count(node.inputs.begin(), node.inputs.end(), in) > 1;
        if (!planned(in) || bytes[in] != static_cast<size_t>(offset - at) || repeated ||
            alias[in].root != ir::kNoValue || has_aliases[in] || at % alignment != 0)
          continue;
        alias[in] = Alias{out, at, false};
        has_aliases[out] = true;
        widen(lifetimes[out], lifetimes[in]);
      }
    }
  }
  return alias;
}

}  // namespace edgeinfer::vulkan
