// Fast float32 activations and unary math: Relu LeakyRelu Clip Sigmoid HardSigmoid HardSwish
// Tanh Exp. Each is one contiguous loop over the tensor; exp-based ones use fast_exp. Other
// element types go to the reference kernels.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/fast/common.h"
#include "cpu/fast/families.h"

namespace edgeinfer::cpu::fast {
namespace {

// y[i] = op(x[i]); also correct in place (y == x).
template <typename Op>
EI_VECTOR_CLONES void map_span(const float* x, float* y, int64_t n, Op op) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = op(x[i]);
}

template <typename Op>
Status unary(KernelContext& ctx, Op op) {
  if (!float_inputs(ctx, 1)) return run_reference(ctx);
  const TensorView& x = ctx.input(0);
  EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                      ctx.allocate_output_view(0, DType::kFloat32, x.shape));
  const TensorView& y = *y_view;
  const int64_t n = x.elements();
  const float* xp = x.as<float>();
  float* yp = y.as<float>();
  for_elements(ctx, n, [&](int64_t begin, int64_t end) {
    map_span(xp + begin, yp + begin, end - begin, op);
  });
  return Status::ok();
}

float sigmoid(float x) {
  const float e = fast_exp(-std::fabs(x));  // <= 1, never overflows
  // e^x / (1 + e^x) for x < 0 keeps the precision of small results. Selecting the numerator
  // (not the quotient) keeps the loop free of conditional arithmetic, so it vectorises.
  const float numerator = x >= 0.0f ? 1.0f : e;
  return numerator / (1.0f + e);
}

// tanh: a polynomial near 0 (where 1 - 2/(e^2x + 1) would cancel), the exp form elsewhere.
float tanh_of(float x) {
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float large = 1.0f - 2.0f / (fast_exp(2.0f * x) + 1.0f);
  return std::fabs(x) < 0.625f ? small : large;
}

float hard_sigmoid(float x, float alpha, float beta) {
  const float y = alpha * x + beta;
  return y < 0.0f ? 0.0f : y > 1.0f ? 1.0f : y;
}

Status relu_kernel(KernelContext& ctx) {
  return unary(ctx, [](float x) { return x < 0.0f ? 0.0f : x; });
}

Status leaky_relu_kernel(KernelContext& ctx) {
  const float alpha = ctx.node().attr_float("alpha", 0.01f);
  return unary(ctx, [alpha](float x) {
    const float scaled = alpha * x;
    return x < 0.0f ? scaled : x;
  });
}

Status sigmoid_kernel(KernelContext& ctx) {
  return unary(ctx, [](float x) { return sigmoid(x); });
}

Status hard_sigmoid_kernel(KernelContext& ctx) {
  const float alpha = ctx.node().attr_float("alpha", 0.2f);
  const float beta = ctx.node().attr_float("beta", 0.5f);
  return unary(ctx, [=](float x) { return hard_sigmoid(x, alpha, beta); });
}

Status hard_swish_kernel(KernelContext& ctx) {
  return unary(ctx, [](float x) { return x * hard_sigmoid(x, 1.0f / 6.0f, 0.5f); });
}

Status tanh_kernel(KernelContext& ctx) {
  return unary(ctx, [](float x) { return tanh_of(x); });
}

// Past ln(FLT_MAX) e^x is inf, as std::exp gives.
Status exp_kernel(KernelContext& ctx) {
  return unary(ctx, [](float x) {
    const float e = fast_exp(x);
    return x > 88.7228391f ? std::numeric_limits<float>::infinity() : e;
  });
}

// Reads Clip's optional bound input i: absent means no bound; a bound that is not a float32
// scalar sends the node to the reference kernel (which reports the problem).
bool read_bound(const KernelContext& ctx, size_t i, float* bound) {
  if (!ctx.has_input(i)) return true;
  const TensorView& t = ctx.input(i);
  if (t.dtype != DType::kFloat32 || t.elements() != 1) return false;
  *bound = t.as<float>()[0];
  return true;
}

// Clip: bounds are attributes before opset 11 (defaults: float's lowest and max), optional
// scalar inputs from 11 (absent: no bound). y = min(max(x, lo), hi); NaN passes through.
Status clip_kernel(KernelContext& ctx) {
  const ir::Node& node = ctx.node();
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  if (node.opset > 0 && node.opset < 11) {
    lo = node.attr_float("min", std::numeric_limits<float>::lowest());
    hi = node.attr_float("max", std::numeric_limits<float>::max());
  } else if (!read_bound(ctx, 1, &lo) || !read_bound(ctx, 2, &hi)) {
    return run_reference(ctx);
  }
  return unary(ctx, [=](float x) {
    const float low_clipped = x < lo ? lo : x;
    return low_clipped > hi ? hi : low_clipped;
  });
}

}  // namespace

void register_fast_activations(KernelRegistry& registry) {
  registry.add("Relu", relu_kernel);
  registry.add("LeakyRelu", leaky_relu_kernel);
  registry.add("Clip", clip_kernel);
  registry.add("Sigmoid", sigmoid_kernel);
  registry.add("HardSigmoid", hard_sigmoid_kernel);
  registry.add("HardSwish", hard_swish_kernel);
  registry.add("Tanh", tanh_kernel);
  registry.add("Exp", exp_kernel);
}

}  // namespace edgeinfer::cpu::fast
