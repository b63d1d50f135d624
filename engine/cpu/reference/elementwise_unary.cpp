// Reference unary math (ONNX opsets 7..18): Sqrt Exp Log Tanh Erf Reciprocal Floor Ceil Round,
// trigonometric and hyperbolic functions and their inverses, IsNaN IsInf (float types only),
// and Abs Neg Sign (also on integers). float16 is computed in float.
#include <cmath>
#include <type_traits>

#include "cpu/reference/elementwise.h"
#include "cpu/reference/families.h"
#include "cpu/reference/integer_math.h"

namespace edgeinfer::cpu::reference {
namespace {

// y = op(x) for x of one of `types`, y of the same type.
template <typename TypeList, typename Op>
Status same_type_unary(KernelContext& ctx, TypeList types, Op op) {
  EI_RETURN_IF_ERROR(require_inputs(ctx, 1));
  return dispatch_elements(ctx, ctx.input(0).dtype, types,
                           [&]<typename T>() { return map_unary<T, T>(ctx, op); });
}

// Defines a kernel applying `expression` (of a float or double `x`) to a float tensor.
#define EI_FLOAT_UNARY(kernel_name, expression)                                     \
  Status kernel_name(KernelContext& ctx) {                                          \
    return same_type_unary(ctx, FloatTypes{}, [](auto x) { return (expression); }); \
  }

EI_FLOAT_UNARY(sqrt_kernel, std::sqrt(x))
EI_FLOAT_UNARY(exp_kernel, std::exp(x))
EI_FLOAT_UNARY(log_kernel, std::log(x))
EI_FLOAT_UNARY(tanh_kernel, std::tanh(x))
EI_FLOAT_UNARY(erf_kernel, std::erf(x))
EI_FLOAT_UNARY(reciprocal_kernel, 1 / x)
EI_FLOAT_UNARY(floor_kernel, std::floor(x))
EI_FLOAT_UNARY(ceil_kernel, std::ceil(x))
EI_FLOAT_UNARY(sin_kernel, std::sin(x))
EI_FLOAT_UNARY(cos_kernel, std::cos(x))
EI_FLOAT_UNARY(tan_kernel, std::tan(x))
EI_FLOAT_UNARY(asin_kernel, std::asin(x))
EI_FLOAT_UNARY(acos_kernel, std::acos(x))
EI_FLOAT_UNARY(atan_kernel, std::atan(x))
EI_FLOAT_UNARY(sinh_kernel, std::sinh(x))
EI_FLOAT_UNARY(cosh_kernel, std::cosh(x))
EI_FLOAT_UNARY(asinh_kernel, std::asinh(x))
EI_FLOAT_UNARY(acosh_kernel, std::acosh(x))
EI_FLOAT_UNARY(atanh_kernel, std::atanh(x))

#undef EI_FLOAT_UNARY

// Round half to even, written out so it does not depend on the floating-point rounding mode.
template <typename F>
F round_half_to_even(F x) {
  F r = std::floor(x);
  const F fraction = x - r;  // in [0, 1); NaN for inf and NaN, which then pass through
  if (fraction > F(0.5) || (fraction == F(0.5) && std::fmod(r, F(2)) != 0)) r += 1;
  return r == 0 ? std::copysign(F(0), x) : r;
}

Status round_kernel(KernelContext& ctx) {
  return same_type_unary(ctx, FloatTypes{}, [](auto x) { return round_half_to_even(x); });
}

Status abs_kernel(KernelContext& ctx) {
  return same_type_unary(ctx, NumericTypes{}, [](auto x) {
    if constexpr (std::is_unsigned_v<decltype(x)>) {
      return x;
    } else if constexpr (std::is_integral_v<decltype(x)>) {
      return x < 0 ? wrapping_neg(x) : x;  // abs(min) wraps to min, like NumPy
    } else {
      return std::fabs(x);
    }
  });
}

Status neg_kernel(KernelContext& ctx) {
  return same_type_unary(ctx, SignedTypes{}, [](auto x) { return wrapping_neg(x); });
}

// Sign: -1, 0 or 1; NaN stays NaN.
Status sign_kernel(KernelContext& ctx) {
  return same_type_unary(ctx, NumericTypes{}, [](auto x) {
    using V = decltype(x);
    if constexpr (std::is_unsigned_v<V>) {
      return static_cast<V>(x > 0 ? 1 : 0);
    } else {
      return x > 0 ? V(1) : x < 0 ? V(-1) : x;
    }
  });
}

Status is_nan_kernel(KernelContext& ctx) {
  EI_RETURN_IF_ERROR(require_inputs(ctx, 1));
  return dispatch_elements(ctx, ctx.input(0).dtype, FloatTypes{}, [&]<typename T>() {
    return map_unary<T, bool>(ctx, [](auto x) { return std::isnan(x); });
  });
}

// IsInf: detect_positive / detect_negative (both default 1) choose which infinities count.
Status is_inf_kernel(KernelContext& ctx) {
  EI_RETURN_IF_ERROR(require_inputs(ctx, 1));
  const bool positive = ctx.node().attr_int("detect_positive", 1) != 0;
  const bool negative = ctx.node().attr_int("detect_negative", 1) != 0;
  return dispatch_elements(ctx, ctx.input(0).dtype, FloatTypes{}, [&]<typename T>() {
    return map_unary<T, bool>(
        ctx, [=](auto x) { return std::isinf(x) && ((x > 0 && positive) || (x < 0 && negative)); });
  });
}

}  // namespace

void register_elementwise_unary(KernelRegistry& registry) {
  registry.add("Sqrt", sqrt_kernel);
  registry.add("Exp", exp_kernel);
  registry.add("Log", log_kernel);
  registry.add("Tanh", tanh_kernel);
  registry.add("Erf", erf_kernel);
  registry.add("Reciprocal", reciprocal_kernel);
  registry.add("Floor", floor_kernel);
  registry.add("Ceil", ceil_kernel);
  registry.add("Round", round_kernel);
  registry.add("Sin", sin_kernel);
  registry.add("Cos", cos_kernel);
  registry.add("Tan", tan_kernel);
  registry.add("Asin", asin_kernel);
  registry.add("Acos", acos_kernel);
  registry.add("Atan", atan_kernel);
  registry.add("Sinh", sinh_kernel);
  registry.add("Cosh", cosh_kernel);
  registry.add("Asinh", asinh_kernel);
  registry.add("Acosh", acosh_kernel);
  registry.add("Atanh", atanh_kernel);
  registry.add("Abs", abs_kernel);
  registry.add("Neg", neg_kernel);
  registry.add("Sign", sign_kernel);
  registry.add("IsNaN", is_nan_kernel);
  registry.add("IsInf", is_inf_kernel);
  register_activations(registry);
  register_cast(registry);
}

}  // namespace edgeinfer::cpu::reference
