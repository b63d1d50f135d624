#include "cpu/node_output_types.h"

#include <sys/mman.h>

#include <algorithm>
#include <exception>
#include <map>
#include <string>

#include "cpu/kernel.h"
#include "ir/tensor_size.h"

namespace edgeinfer::cpu {

namespace {

// Inputs whose contents may shape the output must be known; the rest may be anything.
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

// Address space, not memory: placeholders are never touched.
constexpr int64_t kMaxPlaceholderBytes = int64_t{1} << 34;

// Records what the kernel asks for each output and stops it at its last wanted one (kernels
// return allocate_output's errors as they are); earlier outputs get placeholders.
class ShapeOnlyContext final : public KernelContext {
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
    const int64_t size = std::max<int64_t>(dtype_size(dtype), 1);
    if (!elements || *elements > kMaxPlaceholderBytes / size) {
      return fail(StatusCode::kOutOfMemory, "output too large for a placeholder");
    }
    void* data = placeholders_.get(static_cast<size_t>(*elements * size));
    if (!data) return fail(StatusCode::kOutOfMemory, "no placeholder for the output");
    return TensorView{dtype, shape, data};
  }

  // True when the kernel reached its last output's allocation.
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

}  // namespace

Placeholders::~Placeholders() {
  for (const auto& [data, bytes] : mappings_)
    munmap(data, bytes);
}

void* Placeholders::get(size_t bytes) {
  if (bytes > static_cast<size_t>(kMaxPlaceholderBytes)) return nullptr;
  if (!mappings_.empty() && mappings_.back().second >= bytes) return mappings_.back().first;
  const size_t size = std::max<size_t>(bytes, 1);
  void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (data == MAP_FAILED) return nullptr;
  mappings_.emplace_back(data, size);
  return data;
}

std::optional<std::vector<OutputType>> node_output_types(const ir::Graph& graph,
                                                         const ir::Node& node,
                                                         const KnownContents& known,
                                                         Placeholders& placeholders) {
  auto op = shape_only_ops().find(node.op_type);
  if (op == shape_only_ops().end() || !(node.domain.empty() || node.domain == "ai.onnx")) {
    return std::nullopt;
  }
  const KernelFn kernel = reference_kernels().find(node.op_type);
  if (!kernel) return std::nullopt;
  std::vector<TensorView> inputs(node.inputs.size());
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.inputs[i] == ir::kNoValue) continue;
    if (const ir::Constant* contents = known(node.inputs[i])) {
      inputs[i] = contents->view();
      continue;
    }
    const ir::Value& v = graph.value(node.inputs[i]);
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
  // exception (a kernel asking for an input a malformed node lacks).
  try {
    (void)kernel(context);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!context.stopped()) return std::nullopt;
  return context.types();
}

}  // namespace edgeinfer::cpu
