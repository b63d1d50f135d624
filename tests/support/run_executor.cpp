#include "run_executor.h"

#include <cstring>

#include "planner/tensor_memory.h"

namespace edgeinfer::testing {

Result<ExecutorRun> run_node_in_executor(const NodeSpec& spec, const std::vector<bool>& constant,
                                         const cpu::ExecutorOptions& options,
                                         const cpu::KernelRegistry& registry) {
  ir::Graph graph;
  ir::Node node;
  node.name = "test_" + spec.op_type;
  node.op_type = spec.op_type;
  node.opset = spec.opset;
  node.attributes = spec.attributes;
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const HostTensor& t = spec.inputs[i];
    if (t.dtype == DType::kUndefined) {
      node.inputs.push_back(ir::kNoValue);
      continue;
    }
    ir::Value v;
    v.name = "in" + std::to_string(i);
    v.dtype = t.dtype;
    v.has_shape = true;
    for (int64_t d : t.shape)
      v.dims.push_back(ir::Dim::fixed(d));
    const bool is_constant = i < constant.size() && constant[i];
    v.kind = is_constant ? ir::ValueKind::kConstant : ir::ValueKind::kInput;
    if (is_constant)
      v.constant = ir::Constant::copy_of(t.dtype, t.shape, t.bytes.data(), t.bytes.size());
    const ir::ValueId id = graph.add_value(std::move(v));
    if (!is_constant) graph.inputs.push_back(id);
    node.inputs.push_back(id);
  }
  for (size_t i = 0; i < spec.output_count; ++i) {
    ir::Value v;
    v.name = "out" + std::to_string(i);
    const ir::ValueId id = graph.add_value(std::move(v));
    node.outputs.push_back(id);
    graph.outputs.push_back(id);
  }
  graph.add_node(std::move(node));
  EI_ASSIGN_OR_RETURN(cpu::Executor executor, cpu::Executor::create(graph, registry, {}, options));
  std::vector<TensorView> values(graph.values.size());
  std::vector<bool> live(graph.values.size(), false);
  const ir::Node& n = graph.nodes[0];
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    if (n.inputs[i] == ir::kNoValue) continue;
    const HostTensor& t = spec.inputs[i];
    const ir::Value& v = graph.value(n.inputs[i]);
    values[n.inputs[i]] =
        v.constant ? v.constant->view()
                   : TensorView{t.dtype, t.shape, const_cast<unsigned char*>(t.bytes.data())};
    live[n.inputs[i]] = true;
  }
  auto memory = planner::make_tensor_memory(MemoryMode::kSeparate);
  std::vector<NodeProfile> profile;
  EI_RETURN_IF_ERROR(executor.run(values, live, *memory, &profile));
  ExecutorRun run;
  run.algorithm = profile.empty() ? "" : profile[0].algorithm;
  for (ir::ValueId id : n.outputs) {
    const TensorView& view = values[id];
    HostTensor t{view.dtype, view.shape, {}};
    t.bytes.resize(view.bytes());
    if (!t.bytes.empty()) std::memcpy(t.bytes.data(), view.data, t.bytes.size());
    run.outputs.push_back(std::move(t));
  }
  return run;
}

}  // namespace edgeinfer::testing
