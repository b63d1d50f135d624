#include "vulkan/fold_load_time.h"

#include <algorithm>

#include "cpu/evaluate_node.h"

namespace edgeinfer::vulkan {

namespace {

// Folded results larger than this stay computed at run time (they are data, not shapes).
constexpr size_t kMaxFoldedBytes = 64 * 1024;

// Shape-15's start/end slice of the dims, clamped like the reference kernel.
ir::ConstantPtr shape_constant(const ir::Node& node, const Shape& dims) {
  const int64_t rank = static_cast<int64_t>(dims.size());
  int64_t start = node.attr_int("start", 0), end = node.attr_int("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  std::vector<int64_t> values(dims.begin() + start, dims.begin() + end);
  return ir::Constant::copy_of(DType::kInt64, Shape{static_cast<int64_t>(values.size())},
                               values.data(), values.size() * sizeof(int64_t));
}

}  // namespace

Result<std::vector<bool>> fold_load_time_nodes(ir::Graph& g, const std::vector<bool>& keep) {
  std::vector<bool> folded(g.nodes.size(), false);
  EI_ASSIGN_OR_RETURN(const std::vector<ir::NodeId> order, g.topological_order());
  for (ir::NodeId id : order) {
    const ir::Node& node = g.nodes[id];
    bool protected_output = false;
    for (ir::ValueId out : node.outputs) {
      if (out == ir::kNoValue) continue;
      protected_output = protected_output ||
                         (static_cast<size_t>(out) < keep.size() && keep[out]) ||
                         std::find(g.outputs.begin(), g.outputs.end(), out) != g.outputs.end();
    }
    if (protected_output || node.outputs.empty()) continue;
    const bool onnx_domain = node.domain.empty() || node.domain == "ai.onnx";
    if (!onnx_domain) continue;
    std::vector<ir::ConstantPtr> results;
    if (node.op_type == "Shape" && node.has_input(0) && node.outputs.size() == 1 &&
        g.value(node.inputs[0]).is_fully_static()) {
      results.push_back(shape_constant(node, g.value(node.inputs[0]).static_shape()));
    } else {
      std::vector<TensorView> inputs;
      bool all_constant = true;
      for (ir::ValueId in : node.inputs) {
        if (in == ir::kNoValue) {
          inputs.emplace_back();
          continue;
        }
        const ir::Value& v = g.value(in);
        all_constant = all_constant && v.kind == ir::ValueKind::kConstant && v.constant;
        if (all_constant) inputs.push_back(v.constant->view());
      }
      if (!all_constant || node.inputs.empty()) continue;
      auto evaluated = cpu::evaluate_node(node, inputs);
      if (!evaluated) continue;  // left to run time, where the error is reported
      results = std::move(evaluated).value();
    }
    bool small = true;
    for (const auto& r : results)
      small = small && (!r || r->bytes() <= kMaxFoldedBytes);
    if (!small) continue;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const ir::ValueId out = node.outputs[i];
      if (out == ir::kNoValue || !results[i]) continue;
      ir::Value& v = g.value(out);
      v.kind = ir::ValueKind::kConstant;
      v.constant = results[i];
      v.producer = -1;
    }
    folded[id] = true;
  }
  return folded;
}

}  // namespace edgeinfer::vulkan
