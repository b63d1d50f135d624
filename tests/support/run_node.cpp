#include "run_node.h"

#include <cstring>

namespace edgeinfer::testing {

Result<std::vector<HostTensor>> run_node(const NodeSpec& spec) {
  ir::Graph graph;
  ir::Node node;
  node.name = "test_" + spec.op_type;
  node.op_type = spec.op_type;
  node.opset = spec.opset;
  node.attributes = spec.attributes;
  std::vector<TensorView> values;
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
    if (spec.inputs_as_constants) {
      v.kind = ir::ValueKind::kConstant;
      v.constant = ir::Constant::copy_of(t.dtype, t.shape, t.bytes.data(), t.bytes.size());
    } else {
      v.kind = ir::ValueKind::kInput;
    }
    const ir::ValueId id = graph.add_value(v);
    if (!spec.inputs_as_constants) graph.inputs.push_back(id);
    node.inputs.push_back(id);
  }
  for (size_t i = 0; i < spec.output_count; ++i) {
    ir::Value v;
    v.name = "out" + std::to_string(i);
    const ir::ValueId id = graph.add_value(v);
    node.outputs.push_back(id);
    graph.outputs.push_back(id);
  }
  graph.add_node(node);

  values.resize(graph.values.size());
  std::vector<bool> live(graph.values.size(), false);
  std::vector<std::vector<unsigned char>> copies(spec.inputs.size());
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const ir::ValueId id = node.inputs[i];
    if (id == ir::kNoValue) continue;
    const ir::Value& v = graph.value(id);
    if (v.kind == ir::ValueKind::kConstant) {
      values[id] = v.constant->view();
    } else {
      copies[i] = spec.inputs[i].bytes;
      values[id] = TensorView{spec.inputs[i].dtype, spec.inputs[i].shape, copies[i].data()};
    }
    live[id] = true;
  }
  auto executor = cpu::Executor::create(graph, cpu::reference_kernels(), {});
  if (!executor) return executor.status();
  auto memory = planner::make_tensor_memory(MemoryMode::kSeparate);
  EI_RETURN_IF_ERROR(executor->run(values, live, *memory, nullptr));
  std::vector<HostTensor> outputs;
  for (ir::ValueId id : graph.outputs) {
    const TensorView& view = values[id];
    HostTensor t{view.dtype, view.shape, {}};
    t.bytes.resize(view.bytes());
    if (!t.bytes.empty()) std::memcpy(t.bytes.data(), view.data, t.bytes.size());
    outputs.push_back(std::move(t));
  }
  return outputs;
}

}  // namespace edgeinfer::testing
