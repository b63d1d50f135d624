#include "vulkan/fp16_weights.h"

#include <cmath>

#include "vulkan/resolve_shapes.h"

namespace edgeinfer::vulkan {

namespace {

constexpr float kFp16Max = 65504.0f;

}  // namespace

Result<std::vector<float>> unit_input_magnitudes(const ir::Graph& graph) {
  // Every value kept live so that all can be read after the run.
  EI_ASSIGN_OR_RETURN(
      auto run, run_on_constant_inputs(graph, std::vector<bool>(graph.values.size(), true),
                                       MemoryMode::kSeparate, 1.0f,
                                       "measuring tensor magnitudes for Vulkan fp16 storage"));
  std::vector<float> magnitudes(graph.values.size(), 0.0f);
  for (size_t id = 0; id < graph.values.size(); ++id) {
    const TensorView& v = run->values[id];
    if (!run->live[id] || v.dtype != DType::kFloat32 || !v.data) continue;
    const float* data = static_cast<const float*>(v.data);
    const size_t n = v.bytes() / sizeof(float);
    float m = 0.0f;
    for (size_t k = 0; k < n; ++k) {
      const float a = std::fabs(data[k]);
      m = std::isfinite(a) ? std::max(m, a) : INFINITY;
    }
    magnitudes[id] = m;
  }
  return magnitudes;
}

Result<std::vector<bool>> fp16_weight_values(const ir::Graph& graph,
                                             const std::vector<float>& magnitudes) {
  auto out_of_range = [&](ir::ValueId id) {
    if (id == ir::kNoValue) return false;
    const ir::Value& v = graph.value(id);
    if (v.kind == ir::ValueKind::kConstant || v.dtype != DType::kFloat32) return false;
    return static_cast<size_t>(id) >= magnitudes.size() || !(magnitudes[id] <= kFp16Max);
  };
  // reaches[v]: an error in v flows into an out-of-range tensor. Consumers come after their
  // producers in topological order, so one backward sweep sees every consumer first.
  std::vector<bool> reaches(graph.values.size(), false);
  EI_ASSIGN_OR_RETURN(const std::vector<ir::NodeId> order, graph.topological_order());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const ir::Node& node = graph.nodes[*it];
    bool tainted = false;
    for (ir::ValueId id : node.outputs)
      tainted = tainted || out_of_range(id) || (id != ir::kNoValue && reaches[id]);
    for (ir::ValueId id : node.inputs)
      tainted = tainted || out_of_range(id);
    if (!tainted) continue;
    for (ir::ValueId id : node.inputs) {
      if (id != ir::kNoValue) reaches[id] = true;
    }
  }
  std::vector<bool> fp16(graph.values.size(), false);
  for (size_t id = 0; id < fp16.size(); ++id) {
    const ir::Value& v = graph.values[id];
    fp16[id] = v.kind == ir::ValueKind::kConstant && v.dtype == DType::kFloat32 && !reaches[id];
  }
  return fp16;
}

}  // namespace edgeinfer::vulkan
