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

}  // namespace edgeinfer::testing
