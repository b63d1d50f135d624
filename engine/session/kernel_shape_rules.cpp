#include "session/kernel_shape_rules.h"

#include <sys/mman.h>

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "cpu/evaluate_node.h"
#include "cpu/kernel.h"
#include "ir/tensor_size.h"
#include "passes/graph_edit.h"

namespace edgeinfer::load_detail {

namespace {

// Inputs whose contents may shape the output must be constants; the rest may be anything.
// kAnySlot: no input's contents matter (elementwise ops, Conv, ...).
constexpr int kAnySlot = -1;

// Op -> the one input slot whose contents do not matter when the others are constants, or
// kAnySlot when none of them matters. The ops of passes/static_shape_inference.cpp.
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

// Ops evaluated at load when their inputs are known small tensors: the arithmetic of shapes
// (tf2onnx's Concat(Slice(Shape(x)), ...) sizes of a Resize). Shape reads only its input's
// shape, so that input need only have static dims.
bool computes_shapes(const std::string& op) {
  static const std::set<std::string> kOps = {"Shape", "Slice",   "Concat",    "Gather",
                                             "Cast",  "Squeeze", "Unsqueeze", "Reshape",
                                             "Add",   "Sub",     "Mul",       "Div"};
  return kOps.count(op) != 0;
}

// Tensors of at most this many elements are evaluated and remembered: shape-like values.
constexpr int64_t kMaxKnownElements = 64;

// Address space, not memory: a larger tensor is left to ONNX's inference.
constexpr int64_t kMaxPlaceholderBytes = int64_t{1} << 34;

// Anonymous mappings handed out as placeholder tensors. A kernel stops before it reads a
// non-constant input, so their pages are never touched and cost neither zeroing nor faults
// (one a kernel did read would see zeros). Mappings stay until the end, so a view handed out
// stays valid when a larger one is needed.
class Placeholders {
 public:
  Placeholders() = default;
  Placeholders(const Placeholders&) = delete;
  Placeholders& operator=(const Placeholders&) = delete;
  ~Placeholders() {
    for (const auto& [data, bytes] : mappings_)
      munmap(data, bytes);
  }

  // At least `bytes` of zeros, or nullptr where the mapping fails.
  void* get(size_t bytes) {
    if (!mappings_.empty() && mappings_.back().second >= bytes) return mappings_.back().first;
    const size_t size = std::max<size_t>(bytes, 1);
    void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (data == MAP_FAILED) return nullptr;
    mappings_.emplace_back(data, size);
    return data;
  }

 private:
  std::vector<std::pair<void*, size_t>> mappings_;
};

struct OutputType {
  DType dtype = DType::kUndefined;
  Shape shape;
};

// Records what the kernel asks for each output and stops it at its last wanted one (kernels
// return allocate_output's errors as they are); earlier outputs get placeholders.
class ShapeOnlyContext final : public cpu::KernelContext {
 public:
  ShapeOnlyContext(const ir::Node& node, const std::vector<TensorView>& inputs,
                   Placeholders& placeholders)
      : node_(node), inputs_(inputs), placeholders_(placeholders), types_(node.outputs.size()) {
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
    const auto elements = ir::checked_elements(shape);
    const int64_t size = dtype_size(dtype);
    if (!elements || *elements > kMaxPlaceholderBytes / std::max<int64_t>(size, 1)) {
      return fail(StatusCode::kOutOfMemory, "output too large for a placeholder");
    }
    void* data = placeholders_.get(static_cast<size_t>(*elements * size));
    if (!data) return fail(StatusCode::kOutOfMemory, "no placeholder for the output");
    return TensorView{dtype, shape, data};
  }

  bool stopped() const { return stopped_; }
  const std::vector<OutputType>& types() const { return types_; }

 private:
  const ir::Node& node_;
  const std::vector<TensorView>& inputs_;
  Placeholders& placeholders_;
  std::vector<OutputType> types_;
  size_t last_ = 0;
  bool stopped_ = false;
};

// Contents of values known at load: constants (but initializers the caller feeds) and the
// results of computes_shapes ops on them. Null where unknown.
using Known = std::vector<ir::ConstantPtr>;

// The output types the reference kernel computes for `node` (known inputs count as
// constants), or nothing when it cannot tell.
std::optional<std::vector<OutputType>> output_types(const ir::Graph& graph, const ir::Node& node,
                                                    const Known& known,
                                                    Placeholders& placeholders) {
  auto op = shape_only_ops().find(node.op_type);
  if (op == shape_only_ops().end() || !(node.domain.empty() || node.domain == "ai.onnx")) {
    return std::nullopt;
  }
  const cpu::KernelFn kernel = cpu::reference_kernels().find(node.op_type);
  if (!kernel) return std::nullopt;
  std::vector<TensorView> inputs(node.inputs.size());
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.inputs[i] == ir::kNoValue) continue;
    const ir::Value& v = graph.value(node.inputs[i]);
    if (const ir::ConstantPtr& contents = known[static_cast<size_t>(node.inputs[i])]) {
      inputs[i] = contents->view();
      continue;
    }
    const bool contents_free = op->second == kAnySlot || op->second == static_cast<int>(i);
    if (!contents_free || !v.is_fully_static() || dtype_size(v.dtype) == 0) return std::nullopt;
    const auto elements = ir::checked_elements(v.static_shape());
    const int64_t size = dtype_size(v.dtype);
    if (!elements || *elements > kMaxPlaceholderBytes / size) return std::nullopt;
    void* data = placeholders.get(static_cast<size_t>(*elements * size));
    if (!data) return std::nullopt;
    inputs[i] = TensorView{v.dtype, v.static_shape(), data};
  }
  ShapeOnlyContext context(node, inputs, placeholders);
  // An error before the stop is the node's own: it reports it again when it runs. So is an
  // exception (a kernel asking for an input a malformed node lacks): the types stay open here.
  try {
    (void)kernel(context);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!context.stopped()) return std::nullopt;
  return context.types();
}

// Evaluates a computes_shapes node whose inputs are all known and small (Shape: any input
// with static dims). Its results, or nothing.
std::optional<std::vector<ir::ConstantPtr>> evaluate_on_known(const ir::Graph& graph,
                                                              const ir::Node& node,
                                                              const Known& known,
                                                              Placeholders& placeholders) {
  if (!computes_shapes(node.op_type) || !(node.domain.empty() || node.domain == "ai.onnx")) {
    return std::nullopt;
  }
  const bool is_shape = node.op_type == "Shape";
  std::vector<TensorView> inputs(node.inputs.size());
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.inputs[i] == ir::kNoValue) continue;
    const ir::Value& v = graph.value(node.inputs[i]);
    if (is_shape && i == 0 && v.is_fully_static() && dtype_size(v.dtype) != 0) {
      inputs[i] = TensorView{v.dtype, v.static_shape(), placeholders.get(0)};
      continue;
    }
    const ir::ConstantPtr& contents = known[static_cast<size_t>(node.inputs[i])];
    if (!contents || contents->elements() > kMaxKnownElements) return std::nullopt;
    inputs[i] = contents->view();
  }
  try {
    auto outputs = cpu::evaluate_node(node, inputs);
    if (!outputs) return std::nullopt;
    return std::move(outputs).value();
  } catch (const std::exception&) {
    return std::nullopt;  // as in output_types
  }
}

void set_type(ir::Value& v, DType dtype, const Shape& shape) {
  v.dtype = dtype;
  v.has_shape = true;
  v.dims.clear();
  for (int64_t d : shape)
    v.dims.push_back(ir::Dim::fixed(d));
}

}  // namespace

void infer_types_from_kernels(ir::Graph& graph, const std::vector<std::string>& fed_initializers) {
  if (!passes::has_fixed_shapes(graph)) return;
  const auto order = graph.topological_order();
  if (!order) return;
  const std::set<std::string> fed(fed_initializers.begin(), fed_initializers.end());
  Known known(graph.values.size());
  for (size_t id = 0; id < graph.values.size(); ++id) {
    const ir::Value& v = graph.values[id];
    if (v.kind == ir::ValueKind::kConstant && v.constant &&
        (!v.overridable || fed.count(v.name) == 0)) {
      known[id] = v.constant;
    }
  }
  Placeholders placeholders;
  for (ir::NodeId id : *order) {
    const ir::Node& node = graph.nodes[static_cast<size_t>(id)];
    if (auto results = evaluate_on_known(graph, node, known, placeholders)) {
      for (size_t i = 0; i < node.outputs.size(); ++i) {
        if (node.outputs[i] == ir::kNoValue || !(*results)[i]) continue;
        const ir::ConstantPtr& c = (*results)[i];
        set_type(graph.value(node.outputs[i]), c->dtype(), c->shape());
        if (c->elements() <= kMaxKnownElements) known[static_cast<size_t>(node.outputs[i])] = c;
      }
      continue;
    }
    const auto types = output_types(graph, node, known, placeholders);
    if (!types) continue;
    bool complete = true;
    for (size_t i = 0; i < node.outputs.size(); ++i)
      complete &= node.outputs[i] == ir::kNoValue || (*types)[i].dtype != DType::kUndefined;
    if (!complete) continue;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] == ir::kNoValue) continue;
      set_type(graph.value(node.outputs[i]), (*types)[i].dtype, (*types)[i].shape);
    }
  }
}

}  // namespace edgeinfer::load_detail
