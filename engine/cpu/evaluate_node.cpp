#include "cpu/evaluate_node.h"

#include "cpu/kernel.h"
#include "ir/tensor_size.h"

namespace edgeinfer::cpu {

namespace {

class DetachedContext final : public KernelContext {
 public:
  DetachedContext(const ir::Node& node, const std::vector<TensorView>& inputs)
      : node_(node), inputs_(inputs), buffers_(node.outputs.size()), views_(node.outputs.size()) {}

  const ir::Node& node() const override { return node_; }
  const TensorView& input(size_t i) const override { return inputs_.at(i); }

  Result<TensorView> allocate_output(size_t i, DType dtype, const Shape& shape) override {
    if (!wants_output(i)) {
      return fail(StatusCode::kInternal, "output " + std::to_string(i) + " was not requested");
    }
    auto elements = ir::checked_elements(shape);
    if (!elements) return elements.status().with_context(node_.describe());
    buffers_[i].assign(static_cast<size_t>(*elements) * dtype_size(dtype), 0);
    views_[i] = TensorView{dtype, shape, buffers_[i].data()};
    return views_[i];
  }

  std::vector<std::vector<unsigned char>>& buffers() { return buffers_; }
  const std::vector<TensorView>& views() const { return views_; }

 private:
  const ir::Node& node_;
  const std::vector<TensorView>& inputs_;
  std::vector<std::vector<unsigned char>> buffers_;
  std::vector<TensorView> views_;
};

}  // namespace

Result<std::vector<ir::ConstantPtr>> evaluate_node(const ir::Node& node,
                                                   const std::vector<TensorView>& inputs) {
  if (inputs.size() < node.inputs.size()) {
    return error(StatusCode::kInternal, node.describe() + ": too few input tensors");
  }
  KernelFn kernel = reference_kernels().find(node.op_type);
  if (!kernel || !(node.domain.empty() || node.domain == "ai.onnx")) {
    return error(StatusCode::kUnsupported, node.describe() + ": operator is not supported");
  }
  DetachedContext context(node, inputs);
  EI_RETURN_IF_ERROR(kernel(context));
  std::vector<ir::ConstantPtr> outputs(node.outputs.size());
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (!context.wants_output(i)) continue;
    const TensorView& view = context.views()[i];
    if (view.dtype == DType::kUndefined) {
      return error(StatusCode::kInternal,
                   node.describe() + ": kernel did not produce output " + std::to_string(i));
    }
    outputs[i] = ir::Constant::from_vector(view.dtype, view.shape, std::move(context.buffers()[i]));
  }
  return outputs;
}

}  // namespace edgeinfer::cpu
