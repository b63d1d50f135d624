#include "vulkan/ops/op_builder.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ir/float16.h"
#include "ir/tensor_size.h"

namespace edgeinfer::vulkan {

namespace {

size_t align_up(size_t v, size_t a) {
  return (v + a - 1) / a * a;
}

// Shapes and constants of a node as the reference kernels' helpers expect them.
class IrShapeContext final : public cpu::KernelContext {
 public:
  IrShapeContext(const ir::Graph& graph, const ir::Node& node) : node_(node) {
    for (ir::ValueId id : node.inputs) {
      TensorView view;
      if (id != ir::kNoValue) {
        const ir::Value& v = graph.value(id);
        view.dtype = v.dtype;
        view.shape = v.static_shape();
        if (v.kind == ir::ValueKind::kConstant && v.constant) view = v.constant->view();
      }
      views_.push_back(view);
    }
  }
  const ir::Node& node() const override { return node_; }
  const TensorView& input(size_t i) const override { return views_.at(i); }
  Result<TensorView> allocate_output(size_t, DType, const Shape&) override {
    return fail(StatusCode::kInternal, "shape context has no outputs");
  }

 private:
  const ir::Node& node_;
  std::vector<TensorView> views_;
};

// Whether a float32 constant may be stored as fp16: every value finite and within fp16's
// range (|v| <= 65504). Others (SINet-like large magnitudes, -inf masks) stay float32, so that
// fp16 storage never turns a weight into inf. Non-float32 constants are never converted.
bool fits_fp16(const TensorView& data) {
  if (data.dtype != DType::kFloat32) return false;
  const float* v = static_cast<const float*>(data.data);
  const size_t n = data.bytes() / sizeof(float);
  for (size_t k = 0; k < n; ++k) {
    if (!(std::fabs(v[k]) <= 65504.0f)) return false;
  }
  return true;
}

}  // namespace

OpBuilder::OpBuilder(const ir::Graph& graph, const ir::Node& node, DeviceLayout& layout,
                     std::vector<Dispatch>& dispatches)
    : graph_(graph), node_(node), layout_(layout), dispatches_(dispatches) {}

OpBuilder::~OpBuilder() = default;

const ir::Value& OpBuilder::input_value(size_t i) const {
  return graph_.value(node_.inputs.at(i));
}

const ir::Value& OpBuilder::output_value(size_t i) const {
  return graph_.value(node_.outputs.at(i));
}

const ir::Constant* OpBuilder::constant(size_t i) const {
  if (!has_input(i)) return nullptr;
  const ir::Value& v = input_value(i);
  return v.kind == ir::ValueKind::kConstant ? v.constant.get() : nullptr;
}

Result<Binding> OpBuilder::bind_value(ir::ValueId id, bool any_4_byte, bool large) {
  if (id == ir::kNoValue) return unsupported("omitted tensor");
  const ir::Value& v = graph_.value(id);
  const bool type_ok = v.dtype == DType::kFloat32 || (any_4_byte && dtype_size(v.dtype) == 4);
  if (!type_ok) return unsupported(std::string("tensor of type ") + dtype_name(v.dtype));
  Binding& b = layout_.values.at(static_cast<size_t>(id));
  if (b.region == Region::kNone && v.kind == ir::ValueKind::kConstant && v.constant) {
    const TensorView data = v.constant->view();
    const size_t offset = align_up(layout_.weights.size(), layout_.alignment);
    // Only tensors whose float32 form fits one binding: they are never split into pieces, whose
    // offsets (multiples of the alignment in 4-byte elements) would not stay aligned.
    const bool fp16 = static_cast<size_t>(id) < layout_.fp16_weights.size() &&
                      layout_.fp16_weights[static_cast<size_t>(id)];
    if (fp16 && data.bytes() <= layout_.max_binding_bytes && fits_fp16(data)) {
      // fp16 storage: half the bytes; the shaders widen each load to fp32.
      const size_t n = data.bytes() / sizeof(float);
      layout_.weights.resize(offset + n * sizeof(uint16_t));
      const float* src = static_cast<const float*>(data.data);
      for (size_t k = 0; k < n; ++k) {
        const uint16_t h = ir::float_to_half(src[k]);
        std::memcpy(layout_.weights.data() + offset + k * sizeof(uint16_t), &h, sizeof(h));
      }
      b = Binding{Region::kWeights, offset, n * sizeof(uint16_t), true};
    } else {
      layout_.weights.resize(offset + data.bytes());
      if (data.bytes()) std::memcpy(layout_.weights.data() + offset, data.data, data.bytes());
      b = Binding{Region::kWeights, offset, data.bytes()};
    }
  }
  if (b.region == Region::kNone || b.range == 0)
    return unsupported("empty tensor '" + v.name + "'");
  if (!large && b.range > layout_.max_binding_bytes) {
    return unsupported("tensor '" + v.name + "' (" + std::to_string(b.range) +
                       " bytes) is larger than one storage binding (" +
                       std::to_string(layout_.max_binding_bytes) + " bytes)");
  }
  return b;
}

Result<Binding> OpBuilder::input(size_t i, bool any_4_byte, bool large) {
  if (!has_input(i)) return unsupported("input " + std::to_string(i) + " is omitted");
  return bind_value(node_.inputs[i], any_4_byte, large);
}

Result<Binding> OpBuilder::output(size_t i, bool any_4_byte, bool large) {
  if (i >= node_.outputs.size()) return unsupported("no output " + std::to_string(i));
  return bind_value(node_.outputs[i], any_4_byte, large);
}

Binding OpBuilder::piece(const Binding& whole, uint64_t first, uint64_t count) const {
  const uint64_t element = whole.half ? 2 : 4;
  return Binding{whole.region, whole.offset + first * element, count * element, whole.half};
}

Binding OpBuilder::upload(const std::vector<float>& data) {
  const size_t offset = align_up(layout_.weights.size(), layout_.alignment);
  const size_t bytes = std::max<size_t>(data.size(), 1) * sizeof(float);
  layout_.weights.resize(offset + bytes, 0);
  if (!data.empty()) std::memcpy(layout_.weights.data() + offset, data.data(), data.size() * 4);
  return Binding{Region::kWeights, offset, bytes};
}

uint64_t OpBuilder::max_piece_elements() const {
  const uint64_t unit = std::max<uint64_t>(layout_.alignment / 4, 1);
  return std::max<uint64_t>(layout_.max_binding_bytes / 4 / unit, 1) * unit;
}

const cpu::KernelContext& OpBuilder::shape_context() {
  if (!shape_context_) shape_context_ = std::make_unique<IrShapeContext>(graph_, node_);
  return *shape_context_;
}

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    strides[i - 1] = strides[i] * shape[i];
  return strides;
}

int32_t lanes_per_output(uint64_t outputs, uint64_t splits, uint64_t work) {
  // 2^17 measured best on an H100 among 2^16..2^20 (and 8 terms among 4, 8, 16).
  constexpr uint64_t kWideDispatch = uint64_t{1} << 17;
  int32_t lanes = 1;
  while (lanes < 64 && outputs * static_cast<uint64_t>(lanes) * 2 <= kWideDispatch &&
         splits >= static_cast<uint64_t>(lanes) * 2 &&
         splits * work >= static_cast<uint64_t>(lanes) * 2 * 8)
    lanes *= 2;
  return lanes;
}

}  // namespace edgeinfer::vulkan
