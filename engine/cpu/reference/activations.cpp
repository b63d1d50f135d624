// Reference activations (ONNX opsets 7..18): Relu LeakyRelu Clip Sigmoid HardSigmoid HardSwish
// Elu Selu Celu Softplus Softsign ThresholdedRelu Mish. Float types only, except Relu (signed
// integers too, opset 14) and Clip (all numeric types, opset 12). float16 is computed in float.
#include <cmath>
#include <limits>
#include <type_traits>

#include "cpu/reference/elementwise.h"

namespace edgeinfer::cpu::reference {
namespace {

template <typename TypeList, typename Op>
Status activation(KernelContext& ctx, TypeList types, Op op) {
  EI_RETURN_IF_ERROR(require_inputs(ctx, 1));
  return dispatch_elements(ctx, ctx.input(0).dtype, types,
                           [&]<typename T>() { return map_unary<T, T>(ctx, op); });
}

float alpha_of(const KernelContext& ctx, float fallback) {
  return ctx.node().attr_float("alpha", fallback);
}

// log(1 + e^x) without overflow for large x.
template <typename F>
F softplus(F x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

Status relu_kernel(KernelContext& ctx) {
  return activation(ctx, SignedTypes{}, [](auto x) { return x < 0 ? decltype(x)(0) : x; });
}

Status leaky_relu_kernel(KernelContext& ctx) {
  const float alpha = alpha_of(ctx, 0.01f);
  return activation(ctx, FloatTypes{}, [alpha](auto x) { return x < 0 ? alpha * x : x; });
}

Status sigmoid_kernel(KernelContext& ctx) {
  return activation(ctx, FloatTypes{}, [](auto x) {
    using F = decltype(x);
    if (x >= 0) return F(1) / (F(1) + std::exp(-x));
    const F e = std::exp(x);  // for x < 0, avoids e^-x overflowing
    return e / (F(1) + e);
  });
}

// max(0, min(1, alpha * x + beta))
template <typename F>
F hard_sigmoid(F x, F alpha, F beta) {
  const F y = alpha * x + beta;
  return y < 0 ? F(0) : y > 1 ? F(1) : y;
}

Status hard_sigmoid_kernel(KernelContext& ctx) {
  const float alpha = alpha_of(ctx, 0.2f);
  const float beta = ctx.node().attr_float("beta", 0.5f);
  return activation(ctx, FloatTypes{}, [=](auto x) {
    using F = decltype(x);
    return hard_sigmoid<F>(x, F(alpha), F(beta));
  });
}

// x * HardSigmoid(x) with alpha 1/6, beta 0.5.
Status hard_swish_kernel(KernelContext& ctx) {
  return activation(ctx, FloatTypes{}, [](auto x) {
    using F = decltype(x);
    return x * hard_sigmoid<F>(x, F(1) / F(6), F(0.5));
  });
}

Status elu_kernel(KernelContext& ctx) {
  const float alpha = alpha_of(ctx, 1.0f);
  return activation(ctx, FloatTypes{}, [alpha](auto x) {
    using F = decltype(x);
    return x < 0 ? F(alpha) * std::expm1(x) : x;
  });
}

Status selu_kernel(KernelContext& ctx) {
  const float alpha = alpha_of(ctx, 1.67326319217681884765625f);
  const float gamma = ctx.node().attr_float("gamma", 1.05070102214813232421875f);
  return activation(ctx, FloatTypes{}, [=](auto x) {
    using F = decltype(x);
    return x > 0 ? F(gamma) * x : F(gamma) * (F(alpha) * std::exp(x) - F(alpha));
  });
}

// max(0, x) + min(0, alpha * (e^(x / alpha) - 1))
Status celu_kernel(KernelContext& ctx) {
  const float alpha = alpha_of(ctx, 1.0f);
  return activation(ctx, FloatTypes{}, [alpha](auto x) {
    using F = decltype(x);
    if (std::isnan(x)) return x;
    const F negative_part = F(alpha) * std::expm1(x / F(alpha));
    return (x > 0 ? x : F(0)) + (negative_part < 0 ? negative_part : F(0));
  });
}

Status softplus_kernel(KernelContext& ctx) {
  return activation(ctx, FloatTypes{}, [](auto x) { return softplus(x); });
}

Status softsign_kernel(KernelContext& ctx) {
  return activation(ctx, FloatTypes{}, [](auto x) { return x / (1 + std::fabs(x)); });
}

Status thresholded_relu_kernel(KernelContext& ctx) {
  const float alpha = alpha_of(ctx, 1.0f);
  return activation(ctx, FloatTypes{}, [alpha](auto x) {
    using F = decltype(x);
    return x > F(alpha) ? x : F(0);
  });
}

// x * tanh(softplus(x))
Status mish_kernel(KernelContext& ctx) {
  return activation(ctx, FloatTypes{}, [](auto x) { return x * std::tanh(softplus(x)); });
}

// Reads Clip's optional bound input i (a one-element tensor of x's type) into `bound`.
template <typename T>
Status read_bound(const KernelContext& ctx, size_t i, bool& present, compute_t<T>& bound) {
  present = ctx.has_input(i);
  if (!present) return Status::ok();
  const TensorView& t = ctx.input(i);
  const char* name = i == 1 ? "min" : "max";
  if (t.dtype != ctx.input(0).dtype) {
    return ctx.invalid(std::string(name) + " has element type " + dtype_name(t.dtype) +
                       ", input has " + dtype_name(ctx.input(0).dtype));
  }
  if (t.elements() != 1) {
    return ctx.invalid(std::string(name) + " must be a scalar, has shape " +
                       shape_to_string(t.shape));
  }
  bound = load<T>(t.data, 0);
  return Status::ok();
}

// Clip: y = min(max(x, min), max), so min > max gives max everywhere. Before opset 11 the bounds
// are float attributes (defaults: float's lowest and max); from opset 11 they are optional
// scalar inputs 1 and 2, and an omitted one does not clip. NaN passes through.
Status clip_kernel(KernelContext& ctx) {
  if (!ctx.has_input(0)) return ctx.invalid("input 0 is missing");
  const ir::Node& node = ctx.node();
  if (node.opset > 0 && node.opset < 11) {
    const float lo = node.attr_float("min", std::numeric_limits<float>::lowest());
    const float hi = node.attr_float("max", std::numeric_limits<float>::max());
    return activation(ctx, FloatTypes{}, [=](auto x) {
      using F = decltype(x);
      const F clipped_low = x < F(lo) ? F(lo) : x;
      return clipped_low > F(hi) ? F(hi) : clipped_low;
    });
  }
  return dispatch_elements(ctx, ctx.input(0).dtype, NumericTypes{}, [&]<typename T>() {
    using V = compute_t<T>;
    bool has_lo = false;
    bool has_hi = false;
    V lo{};
    V hi{};
    EI_RETURN_IF_ERROR(read_bound<T>(ctx, 1, has_lo, lo));
    EI_RETURN_IF_ERROR(read_bound<T>(ctx, 2, has_hi, hi));
    return map_unary<T, T>(ctx, [=](V x) {
      if (has_lo && x < lo) x = lo;
      if (has_hi && x > hi) x = hi;
      return x;
    });
  });
}

}  // namespace

void register_activations(KernelRegistry& registry) {
  registry.add("Relu", relu_kernel);
  registry.add("LeakyRelu", leaky_relu_kernel);
  registry.add("Clip", clip_kernel);
  registry.add("Sigmoid", sigmoid_kernel);
  registry.add("HardSigmoid", hard_sigmoid_kernel);
  registry.add("HardSwish", hard_swish_kernel);
  registry.add("Elu", elu_kernel);
  registry.add("Selu", selu_kernel);
  registry.add("Celu", celu_kernel);
  registry.add("Softplus", softplus_kernel);
  registry.add("Softsign", softsign_kernel);
  registry.add("ThresholdedRelu", thresholded_relu_kernel);
  registry.add("Mish", mish_kernel);
}

}  // namespace edgeinfer::cpu::reference
