// Elementwise operators: binary with broadcasting (Add Sub Mul Div PRelu Max Min Pow), unary
// activations and math, BatchNormalization folded into a per-channel affine map. Same-shape
// operands larger than one storage binding are dispatched in pieces.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/fused_epilogue.h"
#include "vulkan/fuse_scaled_add.h"
#include "vulkan/ops/families.h"

namespace edgeinfer::vulkan {

namespace {

constexpr int kUnaryExp = 32, kUnaryNeg = 33, kUnarySqrt = 34, kUnaryAbs = 35,
              kUnaryReciprocal = 36;

// The operand of a broadcast, reduced to at most 4 dims: output dims and element strides of
// each operand (0 where it is broadcast).
struct BroadcastShape {
  std::vector<int64_t> dims;
  std::vector<int64_t> a_strides, b_strides;
};

BroadcastShape collapse_broadcast(const Shape& out, const Shape& a, const Shape& b) {
  const size_t rank = out.size();
  auto strides_of = [&](const Shape& s) {
    std::vector<int64_t> aligned(rank, 1);
    for (size_t i = 0; i < s.size(); ++i)
      aligned[rank - s.size() + i] = s[i];
    std::vector<int64_t> strides = contiguous_strides(aligned);
    for (size_t i = 0; i < rank; ++i) {
      if (aligned[i] == 1) strides[i] = 0;
    }
    return strides;
  };
  const std::vector<int64_t> sa = strides_of(a), sb = strides_of(b);
  BroadcastShape r;
  for (size_t i = 0; i < rank; ++i) {
    if (out[i] == 1) continue;
    if (!r.dims.empty()) {
      const int64_t d = out[i];
      const bool mergeable = r.a_strides.back() == sa[i] * d && r.b_strides.back() == sb[i] * d;
      if (mergeable) {
        r.dims.back() *= d;
        r.a_strides.back() = sa[i];
        r.b_strides.back() = sb[i];
        continue;
      }
    }
    r.dims.push_back(out[i]);
    r.a_strides.push_back(sa[i]);
    r.b_strides.push_back(sb[i]);
  }
  return r;
}

Result<int> binary_op(const std::string& op) {
  if (op == "Add") return 0;
  if (op == "Sub") return 1;
  if (op == "Mul") return 2;
  if (op == "Div") return 3;
  if (op == "PRelu") return 4;
  if (op == "Max") return 5;
  if (op == "Min") return 6;
  if (op == "Pow") return 7;
  return error(StatusCode::kUnsupported, op);
}

// Binary params of a piece: both operands flat, each either full (stride 1) or one value.
void set_binary_piece(Dispatch& d, uint64_t n, const std::vector<bool>& full) {
  d.params[0] = static_cast<int32_t>(n);
  for (int i = 0; i < 3; ++i) {
    d.params[2 + i] = 1;
    d.params[6 + i] = 0;
    d.params[10 + i] = 0;
  }
  d.params[5] = static_cast<int32_t>(n);
  d.params[9] = full[1] ? 1 : 0;
  d.params[13] = full[2] ? 1 : 0;
}

// Add(a, b, s) with kScaleAttr (fuse_scaled_add.h): y = a * s[channel] + b, all of one shape.
Status scaled_add(OpBuilder& b) {
  const Shape out = b.output_shape();
  if (out.size() != 4 || b.input_shape(0) != out || b.input_shape(1) != out)
    return b.unsupported("scaled Add of other shapes");
  Dispatch d;
  d.shader = ShaderId::kBinary;
  d.params[1] = 0;  // add
  EI_ASSIGN_OR_RETURN(d.bindings[0], b.output(0));
  EI_ASSIGN_OR_RETURN(d.bindings[1], b.input(0));
  EI_ASSIGN_OR_RETURN(d.bindings[2], b.input(1));
  EI_ASSIGN_OR_RETURN(d.bindings[3], b.input(kScaleInput));
  const int64_t count = shape_elements(out);
  d.params[0] = static_cast<int32_t>(count);
  for (int i = 0; i < 4; ++i)
    d.params[2 + i] = 1;
  d.params[5] = static_cast<int32_t>(count);
  d.params[9] = 1;
  d.params[13] = 1;
  d.params[14] = 1;
  d.params[15] = static_cast<int32_t>(out[2] * out[3]);
  d.params[16] = static_cast<int32_t>(out[1]);
  d.invocations = static_cast<uint64_t>(count);
  b.dispatch(d);
  return Status::ok();
}

Status binary(OpBuilder& b) {
  if (b.node().has_attr(kScaleAttr)) {
    Status s = scaled_add(b);
    if (s.code() != StatusCode::kUnsupported) return s;
    return error(StatusCode::kInternal, s.message() +
                                            " (a fused scaled Add, which only the "
                                            "Vulkan executor runs)");
  }
  if (b.node().inputs.size() != 2) return b.unsupported("needs exactly two inputs");
  EI_ASSIGN_OR_RETURN(const int op, binary_op(b.node().op_type));
  const Shape out = b.output_shape();
  const Shape sa = b.input_shape(0), sb = b.input_shape(1);
  if (sa.size() > out.size() || sb.size() > out.size()) return b.unsupported("bad broadcast");
  const int64_t count = shape_elements(out);
  Dispatch d;
  d.shader = ShaderId::kBinary;
  d.params[1] = op;
  // A valid broadcast operand with as many elements as the output has its layout.
  const bool a_full = shape_elements(sa) == count;
  const bool b_full = shape_elements(sb) == count;
  const bool a_one = shape_elements(sa) == 1, b_one = shape_elements(sb) == 1;
  if ((a_full || a_one) && (b_full || b_one)) {
    // Flat: may be split into pieces when larger than one binding.
    EI_ASSIGN_OR_RETURN(const Binding y, b.output(0, false, true));
    EI_ASSIGN_OR_RETURN(const Binding x0, b.input(0, false, a_full));
    EI_ASSIGN_OR_RETURN(const Binding x1, b.input(1, false, b_full));
    dispatch_in_pieces(b, d, static_cast<uint64_t>(count), {y, x0, x1}, {true, a_full, b_full},
                       set_binary_piece);
    return Status::ok();
  }
  EI_ASSIGN_OR_RETURN(const Binding y, b.output(0));
  EI_ASSIGN_OR_RETURN(const Binding x0, b.input(0));
  EI_ASSIGN_OR_RETURN(const Binding x1, b.input(1));
  const BroadcastShape shape = collapse_broadcast(out, sa, sb);
  if (shape.dims.size() > 4) return b.unsupported("broadcast needs more than 4 dims");
  d.bindings[0] = y;
  d.bindings[1] = x0;
  d.bindings[2] = x1;
  d.params[0] = static_cast<int32_t>(count);
  const size_t pad = 4 - shape.dims.size();
  for (size_t i = 0; i < 4; ++i) {
    const bool real = i >= pad;
    d.params[2 + i] = real ? static_cast<int32_t>(shape.dims[i - pad]) : 1;
    d.params[6 + i] = real ? static_cast<int32_t>(shape.a_strides[i - pad]) : 0;
    d.params[10 + i] = real ? static_cast<int32_t>(shape.b_strides[i - pad]) : 0;
  }
  d.invocations = static_cast<uint64_t>(count);
  b.dispatch(d);
  return Status::ok();
}

void set_unary_piece(Dispatch& d, uint64_t n, const std::vector<bool>&) {
  d.params[0] = static_cast<int32_t>(n);
}

// Records y = f(x) for unary op code `op` (cpu::Activation or kUnary*).
Status record_unary(OpBuilder& b, int op, float alpha, float beta) {
  EI_ASSIGN_OR_RETURN(const Binding y, b.output(0, false, true));
  EI_ASSIGN_OR_RETURN(const Binding x, b.input(0, false, true));
  Dispatch d;
  d.shader = ShaderId::kUnary;
  d.params[1] = op;
  d.set_float(2, alpha);
  d.set_float(3, beta);
  dispatch_in_pieces(b, d, static_cast<uint64_t>(shape_elements(b.output_shape())), {y, x},
                     {true, true}, set_unary_piece);
  return Status::ok();
}

// A scalar float from constant input i, or `fallback` when the input is omitted.
Result<float> constant_scalar(OpBuilder& b, size_t i, float fallback) {
  if (!b.has_input(i)) return fallback;
  const ir::Constant* c = b.constant(i);
  if (!c) return b.unsupported("input " + std::to_string(i) + " is not a constant");
  const TensorView v = c->view();
  if (v.dtype != DType::kFloat32 || v.elements() != 1) {
    return b.unsupported("input " + std::to_string(i) + " is not one float32");
  }
  return *v.as<float>();
}

Status unary(OpBuilder& b) {
  const ir::Node& n = b.node();
  const std::string& op = n.op_type;
  using cpu::Activation;
  auto code = [](Activation a) { return static_cast<int>(a); };
  if (op == "Relu") return record_unary(b, code(Activation::kRelu), 0, 0);
  if (op == "Sigmoid") return record_unary(b, code(Activation::kSigmoid), 0, 0);
  if (op == "HardSwish") return record_unary(b, code(Activation::kHardSwish), 0, 0);
  if (op == "Tanh") return record_unary(b, code(Activation::kTanh), 0, 0);
  if (op == "LeakyRelu")
    return record_unary(b, code(Activation::kLeakyRelu), n.attr_float("alpha", 0.01f), 0);
  if (op == "HardSigmoid") {
    return record_unary(b, code(Activation::kHardSigmoid), n.attr_float("alpha", 0.2f),
                        n.attr_float("beta", 0.5f));
  }
  if (op == "Clip") {
    float lo = -std::numeric_limits<float>::infinity(), hi = -lo;
    if (n.opset < 11) {
      lo = n.attr_float("min", lo);
      hi = n.attr_float("max", hi);
    } else {
      EI_ASSIGN_OR_RETURN(lo, constant_scalar(b, 1, lo));
      EI_ASSIGN_OR_RETURN(hi, constant_scalar(b, 2, hi));
    }
    return record_unary(b, code(Activation::kClip), lo, hi);
  }
  if (op == "Exp") return record_unary(b, kUnaryExp, 0, 0);
  if (op == "Neg") return record_unary(b, kUnaryNeg, 0, 0);
  if (op == "Sqrt") return record_unary(b, kUnarySqrt, 0, 0);
  if (op == "Abs") return record_unary(b, kUnaryAbs, 0, 0);
  if (op == "Reciprocal") return record_unary(b, kUnaryReciprocal, 0, 0);
  return b.unsupported("no Vulkan unary op");
}

// Inference-mode BatchNormalization with constant statistics: y = x * scale' + shift'.
Status batch_normalization(OpBuilder& b) {
  const ir::Node& n = b.node();
  if (n.outputs.size() > 1 && n.outputs[1] != ir::kNoValue) return b.unsupported("training mode");
  const Shape x_shape = b.input_shape(0);
  if (x_shape.size() < 2) return b.unsupported("input of rank < 2");
  const int64_t channels = x_shape[1];
  std::vector<const float*> stats;
  for (size_t i = 1; i <= 4; ++i) {
    const ir::Constant* c = b.constant(i);
    if (!c || c->view().dtype != DType::kFloat32 || c->view().elements() != channels)
      return b.unsupported("statistics are not float32 constants of one value per channel");
    stats.push_back(c->view().as<float>());
  }
  const float epsilon = n.attr_float("epsilon", 1e-5f);
  std::vector<float> scale(static_cast<size_t>(channels)), shift(scale.size());
  for (size_t c = 0; c < scale.size(); ++c) {
    // Same arithmetic order as the reference: (x - mean) / sqrt(var + eps) * scale + bias.
    const double inv = 1.0 / std::sqrt(static_cast<double>(stats[3][c]) + epsilon);
    scale[c] = static_cast<float>(stats[0][c] * inv);
    shift[c] = static_cast<float>(stats[1][c] - stats[2][c] * stats[0][c] * inv);
  }
  EI_ASSIGN_OR_RETURN(const Binding y, b.output(0));
  EI_ASSIGN_OR_RETURN(const Binding x, b.input(0));
  Dispatch d;
  d.shader = ShaderId::kChannelAffine;
  d.bindings[0] = y;
  d.bindings[1] = x;
  d.bindings[2] = b.upload(scale);
  d.bindings[3] = b.upload(shift);
  const int64_t count = shape_elements(x_shape);
  d.params[0] = static_cast<int32_t>(count);
  d.params[1] = static_cast<int32_t>(channels);
  d.params[2] = static_cast<int32_t>(count / std::max<int64_t>(x_shape[0] * channels, 1));
  d.invocations = static_cast<uint64_t>(count);
  b.dispatch(d);
  return Status::ok();
}

}  // namespace

void register_elementwise(OpTable& table) {
  for (const char* op : {"Add", "Sub", "Mul", "Div", "PRelu", "Max", "Min", "Pow"})
    table[op] = binary;
  for (const char* op : {"Relu", "Sigmoid", "HardSwish", "Tanh", "LeakyRelu", "HardSigmoid", "Clip",
                         "Exp", "Neg", "Sqrt", "Abs", "Reciprocal"})
    table[op] = unary;
  table["BatchNormalization"] = batch_normalization;
}

}  // namespace edgeinfer::vulkan
