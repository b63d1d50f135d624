// Reference arithmetic with NumPy broadcasting (ONNX opsets 7..18): Add Sub Mul Div Pow Mod,
// variadic Sum Mean Min Max, and PRelu.
//
// Integers wrap on overflow and divide truncating toward zero, like C; an integer division or
// Mod by zero is an error rather than undefined behaviour. float16 is computed in float.
#include <cmath>
#include <type_traits>

#include "cpu/reference/elementwise.h"
#include "cpu/reference/families.h"
#include "cpu/reference/integer_math.h"

namespace edgeinfer::cpu::reference {
namespace {

// Before opset 7, Add/Sub/Mul/Div/Pow broadcast B against A from `axis`; not supported.
Status reject_legacy_broadcast(const KernelContext& ctx) {
  const ir::Node& node = ctx.node();
  if (node.opset > 0 && node.opset < 7 && node.attr_int("broadcast", 0) != 0 &&
      node.has_attr("axis")) {
    return ctx.unsupported("legacy (opset < 7) broadcasting with an 'axis' is not supported");
  }
  return Status::ok();
}

// Integer divisors must be non-zero (input 1).
template <typename T>
Status require_nonzero_divisor(const KernelContext& ctx) {
  if constexpr (std::is_integral_v<T>) {
    const TensorView& b = ctx.input(1);
    const int64_t n = b.elements();
    for (int64_t i = 0; i < n; ++i) {
      if (load<T>(b.data, i) == 0) return ctx.invalid("integer division by zero");
    }
  }
  return Status::ok();
}

template <typename Op>
Status arithmetic(KernelContext& ctx, Op op) {
  EI_RETURN_IF_ERROR(require_inputs(ctx, 2));
  EI_RETURN_IF_ERROR(reject_legacy_broadcast(ctx));
  return dispatch_elements(ctx, ctx.input(0).dtype, NumericTypes{},
                           [&]<typename T>() { return map_binary<T, T, T>(ctx, op); });
}

Status add_kernel(KernelContext& ctx) {
  return arithmetic(ctx, [](auto a, auto b) { return wrapping_add(a, b); });
}

Status sub_kernel(KernelContext& ctx) {
  return arithmetic(ctx, [](auto a, auto b) { return wrapping_sub(a, b); });
}

Status mul_kernel(KernelContext& ctx) {
  return arithmetic(ctx, [](auto a, auto b) { return wrapping_mul(a, b); });
}

Status div_kernel(KernelContext& ctx) {
  EI_RETURN_IF_ERROR(require_inputs(ctx, 2));
  EI_RETURN_IF_ERROR(reject_legacy_broadcast(ctx));
  return dispatch_elements(ctx, ctx.input(0).dtype, NumericTypes{}, [&]<typename T>() {
    EI_RETURN_IF_ERROR(require_nonzero_divisor<T>(ctx));
    return map_binary<T, T, T>(ctx, [](auto a, auto b) { return truncating_div(a, b); });
  });
}

// x^y in the base's type. Integer ^ integer is exact (wrapping); anything involving a float is
// computed in double and converted to the base's type (truncating for an integer base).
template <typename T, typename E>
compute_t<T> power(compute_t<T> x, compute_t<E> y) {
  if constexpr (std::is_integral_v<compute_t<T>> && std::is_integral_v<compute_t<E>>) {
    return integer_pow(x, y);
  } else {
    const double value = std::pow(static_cast<double>(x), static_cast<double>(y));
    if constexpr (std::is_integral_v<compute_t<T>>) {
      return saturating_cast<compute_t<T>>(value);
    } else {
      return static_cast<compute_t<T>>(value);
    }
  }
}

// Pow: from opset 12 the exponent may have another type than the base; the output has the
// base's type.
Status pow_kernel(KernelContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.invalid("expects 2 inputs");
  EI_RETURN_IF_ERROR(reject_legacy_broadcast(ctx));
  using BaseTypes = Types<float, double, Half, int32_t, int64_t>;
  return dispatch_elements(ctx, ctx.input(0).dtype, BaseTypes{}, [&]<typename T>() {
    return dispatch_elements(ctx, ctx.input(1).dtype, NumericTypes{}, [&]<typename E>() {
      return map_binary<T, E, T>(ctx,
                                 [](compute_t<T> x, compute_t<E> y) { return power<T, E>(x, y); });
    });
  });
}

// Mod: fmod=0 takes the sign of the divisor (integers only), fmod=1 the sign of the dividend.
Status mod_kernel(KernelContext& ctx) {
  EI_RETURN_IF_ERROR(require_inputs(ctx, 2));
  const bool fmod = ctx.node().attr_int("fmod", 0) != 0;
  return dispatch_elements(ctx, ctx.input(0).dtype, NumericTypes{}, [&]<typename T>() -> Status {
    if constexpr (std::is_floating_point_v<compute_t<T>>) {
      if (!fmod) return ctx.invalid("Mod of floating-point inputs requires fmod=1");
      return map_binary<T, T, T>(ctx, [](auto a, auto b) { return std::fmod(a, b); });
    } else {
      EI_RETURN_IF_ERROR(require_nonzero_divisor<T>(ctx));
      if (fmod) return map_binary<T, T, T>(ctx, [](auto a, auto b) { return trunc_mod(a, b); });
      return map_binary<T, T, T>(ctx, [](auto a, auto b) { return floor_mod(a, b); });
    }
  });
}

// The variadic ops take 1..N inputs of one type, broadcast together.
template <typename TypeList, typename Op, typename Finish>
Status variadic(KernelContext& ctx, TypeList types, Op op, Finish finish) {
  if (ctx.input_count() == 0) return ctx.invalid("expects at least one input");
  EI_RETURN_IF_ERROR(require_inputs(ctx, ctx.input_count()));
  return dispatch_elements(ctx, ctx.input(0).dtype, types,
                           [&]<typename T>() { return fold_inputs<T>(ctx, op, finish); });
}

const auto kKeep = [](auto v) { return v; };

template <typename V>
bool is_nan(V v) {
  if constexpr (std::is_floating_point_v<V>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

Status sum_kernel(KernelContext& ctx) {
  return variadic(
      ctx, NumericTypes{}, [](auto a, auto b) { return wrapping_add(a, b); }, kKeep);
}

Status mean_kernel(KernelContext& ctx) {
  const auto count = static_cast<double>(ctx.input_count());
  return variadic(
      ctx, FloatTypes{}, [](auto a, auto b) { return a + b; },
      [count](auto v) { return static_cast<decltype(v)>(v / count); });
}

// Min and Max propagate NaN, like numpy.minimum/maximum.
Status min_kernel(KernelContext& ctx) {
  return variadic(
      ctx, NumericTypes{},
      [](auto a, auto b) {
        if (is_nan(a) || is_nan(b)) return is_nan(a) ? a : b;
        return b < a ? b : a;
      },
      kKeep);
}

Status max_kernel(KernelContext& ctx) {
  return variadic(
      ctx, NumericTypes{},
      [](auto a, auto b) {
        if (is_nan(a) || is_nan(b)) return is_nan(a) ? a : b;
        return a < b ? b : a;
      },
      kKeep);
}

// PRelu: y = x < 0 ? slope * x : x, the slope broadcasting to x's shape (unidirectional).
Status prelu_kernel(KernelContext& ctx) {
  EI_RETURN_IF_ERROR(require_inputs(ctx, 2));
  const Shape& x_shape = ctx.input(0).shape;
  const Shape& slope_shape = ctx.input(1).shape;
  if (!broadcasts_to(slope_shape, x_shape)) {
    return ctx.invalid("slope shape " + shape_to_string(slope_shape) +
                       " does not broadcast to input shape " + shape_to_string(x_shape));
  }
  return dispatch_elements(ctx, ctx.input(0).dtype, NumericTypes{}, [&]<typename T>() {
    return map_binary<T, T, T>(ctx, [](auto x, auto slope) {
      if constexpr (std::is_unsigned_v<decltype(x)>) {
        return x;
      } else {
        return x < 0 ? wrapping_mul(slope, x) : x;
      }
    });
  });
}

}  // namespace

void register_elementwise_binary(KernelRegistry& registry) {
  registry.add("Add", add_kernel);
  registry.add("Sub", sub_kernel);
  registry.add("Mul", mul_kernel);
  registry.add("Div", div_kernel);
  registry.add("Pow", pow_kernel);
  registry.add("Mod", mod_kernel);
  registry.add("Sum", sum_kernel);
  registry.add("Mean", mean_kernel);
  registry.add("Min", min_kernel);
  registry.add("Max", max_kernel);
  registry.add("PRelu", prelu_kernel);
  register_compare_logic(registry);
}

}  // namespace edgeinfer::cpu::reference
