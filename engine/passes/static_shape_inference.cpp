// Static shape inference: ONNX shape inference runs once, at import, before constant and
// shape folding. Where a Resize reads sizes that only folding made constant (tf2onnx's
// Concat(Slice(Shape(x)), ...)), its output and everything after it keep unknown dims. This
// pass fills them in by running the node's reference kernel on placeholder inputs of the known
// shapes, in a context that stops the kernel when it asks for its output buffer: kernels
// compute every op's output shape before allocate_output (kernel.h), so the shape rules have
// one copy, and no arithmetic runs at load time. Only ops whose output shape cannot depend on
// the contents of their non-constant inputs are asked.
#include <algorithm>
#include <map>
#include <optional>

#include "cpu/kernel.h"
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

// Inputs whose contents may shape the output must be constants; the rest may be anything.
// kAnySlot: no input's contents matter (elementwise ops, Conv, ...).
constexpr int kAnySlot = -1;

// Op -> the one input slot whose contents do not matter when the others are constants, or
// kAnySlot when none of them matters.
const std::map<std::string, int>& shape_only_ops() {
  static const std::map<std::string, int> kOps = {
      // Elementwise: the output is the broadcast of the input shapes.
      {"Abs", kAnySlot},
      {"Add", kAnySlot},
      {"Cast", kAnySlot},
      {"Clip", kAnySlot},
      {"Div", kAnySlot},
      {"Elu", kAnySlot},
      {"Erf", kAnySlot},
      {"Exp", kAnySlot},
      {"HardSigmoid", kAnySlot},
      {"HardSwish", kAnySlot},
      {"LeakyRelu", kAnySlot},
      {"Log", kAnySlot},
      {"Max", kAnySlot},
      {"Min", kAnySlot},
      {"Mul", kAnySlot},
      {"Neg", kAnySlot},
      {"Pow", kAnySlot},
      {"PRelu", kAnySlot},
      {"Relu", kAnySlot},
      {"Sigmoid", kAnySlot},
      {"Softmax", kAnySlot},
      {"Sqrt", kAnySlot},
      {"Sub", kAnySlot},
      {"Sum", kAnySlot},
      {"Tanh", kAnySlot},
      // Windows, normalisation and products: shapes and attributes decide the output.
      {"AveragePool", kAnySlot},
      {"BatchNormalization", kAnySlot},
      {"Conv", kAnySlot},
      {"ConvTranspose", kAnySlot},
      {"Gemm", kAnySlot},
      {"GlobalAveragePool", kAnySlot},
      {"GlobalMaxPool", kAnySlot},
      {"InstanceNormalization", kAnySlot},
      {"MatMul", kAnySlot},
      {"MaxPool", kAnySlot},
      // Layout: the data input's contents do not matter; shape/axes/sizes inputs must be
      // constants.
      {"Concat", kAnySlot},
      {"Flatten", kAnySlot},
      {"Transpose", kAnySlot},
      {"Reshape", 0},
      {"Resize", 0},
      {"Slice", 0},
      {"Squeeze", 0},
      {"Unsqueeze", 0},
      {"Pad", 0},
      {"Expand", 0},
      {"Tile", 0},
      {"ReduceMean", 0},
      {"ReduceSum", 0},
      {"ReduceMax", 0}};
  return kOps;
}

// Placeholders (one zeroed buffer for the inputs, real buffers for all but the last output)
// larger than this are not worth allocating at load time.
constexpr int64_t kMaxPlaceholderBytes = int64_t{64} << 20;

bool needs_shape(const ir::Graph& graph, const ir::Node& node) {
  for (ir::ValueId out : node.outputs)
    if (out != ir::kNoValue && !graph.value(out).is_fully_static()) return true;
  return false;
}

// Declared dims (from the importer) must agree with the computed ones where they are known.
bool compatible(const ir::Value& v, const Shape& shape) {
  if (!v.has_shape) return true;
  if (v.dims.size() != shape.size()) return false;
  for (size_t d = 0; d < shape.size(); ++d)
    if (v.dims[d].is_static() && v.dims[d].value != shape[d]) return false;
  return true;
}

// The dtype and shape a kernel asks for, per output.
struct OutputType {
  DType dtype = DType::kUndefined;
  Shape shape;
};

// Hands the kernel real buffers for every output but its last wanted one, where it records
// the request and stops the kernel (kernels return allocate_output's errors as they are).
class ShapeOnlyContext final : public cpu::KernelContext {
 public:
  ShapeOnlyContext(const ir::Node& node, const std::vector<TensorView>& inputs)
      : node_(node), inputs_(inputs), types_(node.outputs.size()), buffers_(node.outputs.size()) {
    for (size_t i = 0; i < node.outputs.size(); ++i)
      if (wants_output(i)) last_ = i;
  }

  const ir::Node& node() const override { return node_; }
  const TensorView& input(size_t i) const override { return inputs_.at(i); }

  Result<TensorView> allocate_output(size_t i, DType dtype, const Shape& shape) override {
    if (!wants_output(i)) return fail(StatusCode::kInternal, "output was not requested");
    types_[i] = OutputType{dtype, shape};
    if (i == last_) {
      stopped_ = true;
      return fail(StatusCode::kInternal, "stopped after computing the output shape");
    }
    const int64_t elements = shape_elements(shape);
    if (elements < 0 || elements * static_cast<int64_t>(dtype_size(dtype)) > kMaxPlaceholderBytes) {
      return fail(StatusCode::kOutOfMemory, "output too large for a placeholder");
    }
    buffers_[i].assign(static_cast<size_t>(elements) * dtype_size(dtype), 0);
    return TensorView{dtype, shape, buffers_[i].data()};
  }

  // True when the kernel reached its last output's allocation.
  bool stopped() const { return stopped_; }
  const std::vector<OutputType>& types() const { return types_; }

 private:
  const ir::Node& node_;
  const std::vector<TensorView>& inputs_;
  std::vector<OutputType> types_;
  std::vector<std::vector<unsigned char>> buffers_;
  size_t last_ = 0;
  bool stopped_ = false;
};

// The output types the reference kernel computes for `node` on placeholders, or nothing when
// it cannot tell.
std::optional<std::vector<OutputType>> infer(const ir::Graph& graph, const ir::Node& node) {
  auto op = shape_only_ops().find(node.op_type);
  if (op == shape_only_ops().end() || !(node.domain.empty() || node.domain == "ai.onnx")) {
    return std::nullopt;
  }
  const cpu::KernelFn kernel = cpu::reference_kernels().find(node.op_type);
  if (!kernel) return std::nullopt;
  // Non-constant inputs all point at one zeroed buffer: the kernel stops before it computes,
  // and the contents it might read first (shapes, sizes, axes) are the constants.
  std::vector<TensorView> inputs(node.inputs.size());
  int64_t largest = 0;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.inputs[i] == ir::kNoValue) continue;
    const ir::Value& v = graph.value(node.inputs[i]);
    if (v.kind == ir::ValueKind::kConstant && !v.overridable && v.constant) {
      inputs[i] = v.constant->view();
      continue;
    }
    const bool contents_free = op->second == kAnySlot || op->second == static_cast<int>(i);
    if (!contents_free || !v.is_fully_static() || v.dtype == DType::kUndefined) {
      return std::nullopt;
    }
    inputs[i] = TensorView{v.dtype, v.static_shape(), nullptr};
    largest = std::max<int64_t>(largest, static_cast<int64_t>(inputs[i].bytes()));
  }
  if (largest > kMaxPlaceholderBytes) return std::nullopt;
  std::vector<unsigned char> placeholder(static_cast<size_t>(largest), 0);
  for (size_t i = 0; i < node.inputs.size(); ++i)
    if (node.inputs[i] != ir::kNoValue && inputs[i].data == nullptr)
      inputs[i].data = placeholder.data();
  ShapeOnlyContext context(node, inputs);
  const Status ran = kernel(context);
  // An error before the stop is the node's own: it reports it again when it runs.
  if (!context.stopped()) return std::nullopt;
  (void)ran;
  return context.types();
}

}  // namespace

int infer_static_shapes(ir::Graph& graph, const PassOptions& options) {
  (void)options;  // shapes are facts, not rewrites: kept values get them too
  if (!has_fixed_shapes(graph)) return 0;
  auto order = graph.topological_order();
  if (!order) return 0;
  int count = 0;
  for (ir::NodeId id : *order) {
    const ir::Node& node = graph.nodes[id];
    if (!needs_shape(graph, node)) continue;
    const auto results = infer(graph, node);
    if (!results) continue;
    bool fits = true;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] == ir::kNoValue) continue;
      const ir::Value& v = graph.value(node.outputs[i]);
      const OutputType& r = (*results)[i];
      fits &= r.dtype != DType::kUndefined && compatible(v, r.shape) &&
              (v.dtype == DType::kUndefined || v.dtype == r.dtype);
    }
    if (!fits) continue;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] == ir::kNoValue) continue;
      ir::Value& v = graph.value(node.outputs[i]);
      v.dtype = (*results)[i].dtype;
      v.has_shape = true;
      v.dims.clear();
      for (int64_t d : (*results)[i].shape)
        v.dims.push_back(ir::Dim::fixed(d));
    }
    ++count;
  }
  return count;
}

}  // namespace edgeinfer::passes
