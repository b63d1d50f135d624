#include "run_executor.h"

#include <cstring>

#include "planner/tensor_memory.h"

namespace edgeinfer::testing {

Result<ExecutorRun> run_node_in_executor(const NodeSpec& spec, const std::vector<bool>& constant,
                                         const cpu::ExecutorOptions& options,
                                         const cpu::KernelRegistry& registry) {
  ir::Graph graph = single_node_graph(spec, constant);
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
