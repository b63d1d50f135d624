#include "vulkan_node.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "vulkan/executor.h"

namespace edgeinfer::testing {

Result<VulkanRun> run_node_vulkan(const NodeSpec& spec, const std::vector<bool>& constant,
                                  bool fp16_storage) {
  ir::Graph graph = single_node_graph(spec, constant);

  vulkan::ExecutorOptions options;
  options.device.validation = true;
  options.fp16_storage = fp16_storage;
  auto executor = vulkan::Executor::create(graph, options, {});
  if (!executor) return executor.status();
  std::vector<TensorView> values(graph.values.size());
  std::vector<bool> live(graph.values.size(), false);
  for (size_t id = 0; id < graph.values.size(); ++id) {
    const ir::Value& v = graph.values[id];
    if (v.kind == ir::ValueKind::kConstant) values[id] = v.constant->view();
  }
  for (size_t i = 0, k = 0; i < spec.inputs.size(); ++i) {
    const HostTensor& t = spec.inputs[i];
    if (t.dtype == DType::kUndefined || (i < constant.size() && constant[i])) continue;
    values[graph.inputs[k++]] =
        TensorView{t.dtype, t.shape, const_cast<unsigned char*>(t.bytes.data())};
  }
  EI_RETURN_IF_ERROR((*executor)->run(values, live, nullptr));
  VulkanRun run;
  run.cpu_nodes = (*executor)->cpu_node_count();
  run.plan = (*executor)->describe();
  for (ir::ValueId id : graph.outputs) {
    const TensorView& v = values[id];
    HostTensor t{v.dtype, v.shape, {}};
    t.bytes.resize(v.bytes());
    if (v.bytes()) std::memcpy(t.bytes.data(), v.data, v.bytes());
    run.outputs.push_back(std::move(t));
  }
  return run;
}

float max_abs_diff(const HostTensor& a, const HostTensor& b) {
  if (a.shape != b.shape || a.dtype != b.dtype) return std::numeric_limits<float>::infinity();
  const std::vector<float> x = a.values<float>(), y = b.values<float>();
  float m = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const float d = std::fabs(x[i] - y[i]);
    if (!(d <= m)) m = d;  // NaN counts as a difference
  }
  return m;
}

HostTensor pattern(const Shape& shape, float lo, float hi, uint32_t seed) {
  std::vector<float> v(static_cast<size_t>(shape_elements(shape)));
  uint32_t s = seed * 2654435761u + 12345u;
  for (float& f : v) {
    s = s * 1664525u + 1013904223u;
    f = lo + (hi - lo) * static_cast<float>(s >> 8) / static_cast<float>(1u << 24);
  }
  return HostTensor::f32(shape, v);
}

}  // namespace edgeinfer::testing
