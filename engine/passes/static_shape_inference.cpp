// Static shape inference: ONNX shape inference runs once, at import, before constant and
// shape folding. Where a Resize reads sizes that only folding made constant (tf2onnx's
// Concat(Slice(Shape(x)), ...)), its output and everything after it keep unknown dims. This
// pass fills them in by running the node's reference kernel on placeholder inputs of the known
// shapes: the kernels already compute every op's output shape, so no second copy of those
// rules exists to drift from them. Only ops whose output shape cannot depend on the contents
// of their non-constant inputs are evaluated this way.
#include <map>
#include <optional>

#include "cpu/evaluate_node.h"
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

// Placeholder inputs larger than this are not worth materialising at load time.
constexpr int64_t kMaxPlaceholderElements = int64_t{16} << 20;

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

// Ones rather than zeros, so that integer division in a placeholder never divides by zero.
void fill_ones(std::vector<unsigned char>& buffer, DType dtype, int64_t elements) {
  buffer.assign(static_cast<size_t>(elements) * dtype_size(dtype), 0);
  for (int64_t i = 0; i < elements; ++i) {
    void* at = buffer.data() + static_cast<size_t>(i) * dtype_size(dtype);
    switch (dtype) {
      case DType::kFloat32:
        *static_cast<float*>(at) = 1.f;
        break;
      case DType::kInt64:
        *static_cast<int64_t*>(at) = 1;
        break;
      case DType::kInt32:
        *static_cast<int32_t*>(at) = 1;
        break;
      default:
        *static_cast<unsigned char*>(at) = 1;
        break;  // low byte; any value will do
    }
  }
}

// The outputs of `node` on placeholders (only their dtypes and shapes mean anything), or
// nothing when the kernel cannot tell.
std::optional<std::vector<ir::ConstantPtr>> infer(const ir::Graph& graph, const ir::Node& node) {
  auto op = shape_only_ops().find(node.op_type);
  if (op == shape_only_ops().end() || !(node.domain.empty() || node.domain == "ai.onnx")) {
    return std::nullopt;
  }
  std::vector<TensorView> inputs(node.inputs.size());
  std::vector<std::vector<unsigned char>> placeholders(node.inputs.size());
  int64_t total = 0;
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
    const Shape shape = v.static_shape();
    total += shape_elements(shape);
    if (total > kMaxPlaceholderElements) return std::nullopt;
    fill_ones(placeholders[i], v.dtype, shape_elements(shape));
    inputs[i] = TensorView{v.dtype, shape, placeholders[i].data()};
  }
  auto outputs = cpu::evaluate_node(node, inputs);
  if (!outputs) return std::nullopt;  // the node reports its error when it runs
  return std::move(outputs).value();
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
      const ir::ConstantPtr& r = (*results)[i];
      fits &=
          r && compatible(v, r->shape()) && (v.dtype == DType::kUndefined || v.dtype == r->dtype());
    }
    if (!fits) continue;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] == ir::kNoValue) continue;
      ir::Value& v = graph.value(node.outputs[i]);
      v.dtype = (*results)[i]->dtype();
      v.has_shape = true;
      v.dims.clear();
      for (int64_t d : (*results)[i]->shape())
        v.dims.push_back(ir::Dim::fixed(d));
    }
    ++count;
  }
  return count;
}

}  // namespace edgeinfer::passes
