// Reference comparisons, logic and bit ops with NumPy broadcasting (ONNX opsets 7..18):
// Equal Less Greater LessOrEqual GreaterOrEqual (bool output), And Or Xor Not (bool), BitShift
// (unsigned integers), and Where (select with a 3-way broadcast, any element type).
#include <cstring>
#include <string>
#include <type_traits>

#include "cpu/reference/elementwise.h"
#include "cpu/reference/integer_math.h"

namespace edgeinfer::cpu::reference {
namespace {

template <typename Op>
Status compare(KernelContext& ctx, Op op) {
  EI_RETURN_IF_ERROR(require_inputs(ctx, 2));
  return dispatch_elements(ctx, ctx.input(0).dtype, AllTypes{},
                           [&]<typename T>() { return map_binary<T, T, bool>(ctx, op); });
}

Status equal_kernel(KernelContext& ctx) {
  return compare(ctx, [](auto a, auto b) { return a == b; });
}
Status less_kernel(KernelContext& ctx) {
  return compare(ctx, [](auto a, auto b) { return a < b; });
}
Status greater_kernel(KernelContext& ctx) {
  return compare(ctx, [](auto a, auto b) { return a > b; });
}
Status less_or_equal_kernel(KernelContext& ctx) {
  return compare(ctx, [](auto a, auto b) { return a <= b; });
}
Status greater_or_equal_kernel(KernelContext& ctx) {
  return compare(ctx, [](auto a, auto b) { return a >= b; });
}

template <typename Op>
Status logic(KernelContext& ctx, Op op) {
  EI_RETURN_IF_ERROR(require_inputs(ctx, 2));
  return dispatch_elements(ctx, ctx.input(0).dtype, Types<bool>{},
                           [&]<typename T>() { return map_binary<T, T, bool>(ctx, op); });
}

Status and_kernel(KernelContext& ctx) {
  return logic(ctx, [](bool a, bool b) { return a && b; });
}
Status or_kernel(KernelContext& ctx) {
  return logic(ctx, [](bool a, bool b) { return a || b; });
}
Status xor_kernel(KernelContext& ctx) {
  return logic(ctx, [](bool a, bool b) { return a != b; });
}

Status not_kernel(KernelContext& ctx) {
  EI_RETURN_IF_ERROR(require_inputs(ctx, 1));
  return dispatch_elements(ctx, ctx.input(0).dtype, Types<bool>{}, [&]<typename T>() {
    return map_unary<T, bool>(ctx, [](bool a) { return !a; });
  });
}

// BitShift: direction "LEFT" or "RIGHT"; shifting by the bit width or more gives 0.
Status bit_shift_kernel(KernelContext& ctx) {
  EI_RETURN_IF_ERROR(require_inputs(ctx, 2));
  const std::string direction = ctx.node().attr_string("direction", "");
  if (direction != "LEFT" && direction != "RIGHT") {
    return ctx.invalid("direction must be \"LEFT\" or \"RIGHT\", not \"" + direction + "\"");
  }
  const bool left = direction == "LEFT";
  return dispatch_elements(ctx, ctx.input(0).dtype, UnsignedIntTypes{}, [&]<typename T>() {
    return map_binary<T, T, T>(ctx, [left](T x, T amount) -> T {
      if (amount >= sizeof(T) * 8) return 0;
      using U = wide_unsigned_t<T>;  // shift without promotion to signed int
      return static_cast<T>(left ? static_cast<U>(x) << amount : static_cast<U>(x) >> amount);
    });
  });
}

// Where: out = condition ? x : y, the three broadcast together. Elements are copied as bytes,
// so every element type works (memmove: the output may share memory with X or Y).
Status where_kernel(KernelContext& ctx) {
  if (ctx.input_count() < 3 || !ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_input(2)) {
    return ctx.invalid("expects 3 inputs");
  }
  const TensorView& condition = ctx.input(0);
  const TensorView& x = ctx.input(1);
  const TensorView& y = ctx.input(2);
  if (condition.dtype != DType::kBool) {
    return ctx.invalid(std::string("condition must be bool, not ") + dtype_name(condition.dtype));
  }
  if (x.dtype != y.dtype) {
    return ctx.invalid(std::string("X and Y have different element types: ") + dtype_name(x.dtype) +
                       " and " + dtype_name(y.dtype));
  }
  EI_ASSIGN_OR_RETURN(Shape shape, broadcast_shapes(ctx, {condition.shape, x.shape, y.shape}));
  EI_RETURN_IF_ERROR(check_shape(ctx, shape));
  EI_ASSIGN_OR_RETURN(const TensorView* out_view, ctx.allocate_output_view(0, x.dtype, shape));
  const TensorView& out = *out_view;
  const BroadcastIndex index_c(shape, condition.shape);
  const BroadcastIndex index_x(shape, x.shape);
  const BroadcastIndex index_y(shape, y.shape);
  const size_t size = dtype_size(x.dtype);
  const int64_t n = out.elements();
  auto* dst = static_cast<unsigned char*>(out.data);
  for (int64_t i = 0; i < n; ++i) {
    const unsigned char* src =
        load<bool>(condition.data, index_c(i))
            ? static_cast<const unsigned char*>(x.data) + index_x(i) * static_cast<int64_t>(size)
            : static_cast<const unsigned char*>(y.data) + index_y(i) * static_cast<int64_t>(size);
    std::memmove(dst + i * static_cast<int64_t>(size), src, size);
  }
  return Status::ok();
}

}  // namespace

void register_compare_logic(KernelRegistry& registry) {
  registry.add("Equal", equal_kernel);
  registry.add("Less", less_kernel);
  registry.add("Greater", greater_kernel);
  registry.add("LessOrEqual", less_or_equal_kernel);
  registry.add("GreaterOrEqual", greater_or_equal_kernel);
  registry.add("And", and_kernel);
  registry.add("Or", or_kernel);
  registry.add("Xor", xor_kernel);
  registry.add("Not", not_kernel);
  registry.add("BitShift", bit_shift_kernel);
  registry.add("Where", where_kernel);
}

}  // namespace edgeinfer::cpu::reference
