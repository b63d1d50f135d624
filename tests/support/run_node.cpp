#include "run_node.h"

#include <cstring>

#include "cpu/evaluate_node.h"

namespace edgeinfer::testing {

Result<std::vector<HostTensor>> run_node(const NodeSpec& spec) {
  ir::Node node;
  node.name = "test_" + spec.op_type;
  node.op_type = spec.op_type;
  node.opset = spec.opset;
  node.attributes = spec.attributes;
  std::vector<TensorView> inputs;
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const HostTensor& t = spec.inputs[i];
    const bool omitted = t.dtype == DType::kUndefined;
    node.inputs.push_back(omitted ? ir::kNoValue : static_cast<ir::ValueId>(i));
    // Kernels only read inputs; the const_cast gives them the view type they take.
    inputs.push_back(TensorView{t.dtype, t.shape, const_cast<unsigned char*>(t.bytes.data())});
  }
  for (size_t i = 0; i < spec.output_count; ++i) {
    node.outputs.push_back(static_cast<ir::ValueId>(spec.inputs.size() + i));
  }
  auto outputs = cpu::evaluate_node(node, inputs);
  if (!outputs) return outputs.status();
  std::vector<HostTensor> result;
  for (const ir::ConstantPtr& c : *outputs) {
    HostTensor t{c->dtype(), c->shape(), {}};
    t.bytes.resize(c->bytes());
    if (c->bytes()) std::memcpy(t.bytes.data(), c->data(), c->bytes());
    result.push_back(std::move(t));
  }
  return result;
}

ir::Graph single_node_graph(const NodeSpec& spec, const std::vector<bool>& constant) {
  ir::Graph graph;
  graph.name = "test_" + spec.op_type;
  graph.opsets[""] = spec.opset;
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
    v.name = "input" + std::to_string(i);
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
    v.name = "output" + std::to_string(i);
    const ir::ValueId id = graph.add_value(std::move(v));
    node.outputs.push_back(id);
    graph.outputs.push_back(id);
  }
  graph.add_node(std::move(node));
  return graph;
}

}  // namespace edgeinfer::testing
