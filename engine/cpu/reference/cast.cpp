// Reference Cast, CastLike and Identity (ONNX opsets 7..18).
//
// Cast converts between every pair of element types EdgeInfer has (strings, bfloat16 and the
// float8/int4 types are unsupported):
//   - to bool: non-zero (and NaN) is true;
//   - floating point to integer: truncation toward zero; NaN gives 0 and values outside the
//     target's range saturate to its min or max (ONNX leaves these undefined);
//   - integer to narrower integer: wraps (keeps the low bits), like NumPy's astype;
//   - float16 goes through float; to float16 rounds to nearest even (inf past 65504).
#include <cstring>
#include <string>
#include <type_traits>

#include "cpu/reference/elementwise.h"
#include "cpu/reference/integer_math.h"

namespace edgeinfer::cpu::reference {
namespace {

// ONNX TensorProto.DataType codes (Cast's `to` attribute).
Result<DType> dtype_from_onnx_code(const KernelContext& ctx, int64_t code) {
  switch (code) {
    case 1:
      return DType::kFloat32;
    case 2:
      return DType::kUInt8;
    case 3:
      return DType::kInt8;
    case 4:
      return DType::kUInt16;
    case 5:
      return DType::kInt16;
    case 6:
      return DType::kInt32;
    case 7:
      return DType::kInt64;
    case 9:
      return DType::kBool;
    case 10:
      return DType::kFloat16;
    case 11:
      return DType::kFloat64;
    case 12:
      return DType::kUInt32;
    case 13:
      return DType::kUInt64;
    case 8:
      return ctx.unsupported("cast to string is not supported");
    case 16:
      return ctx.unsupported("cast to bfloat16 is not supported");
    default:
      return ctx.unsupported("cast to ONNX data type " + std::to_string(code) +
                             " is not supported");
  }
}

// One element of storage type From converted to storage type To.
template <typename From, typename To>
compute_t<To> convert(compute_t<From> value) {
  using Source = compute_t<From>;
  using Target = compute_t<To>;
  if constexpr (std::is_same_v<Target, bool>) {
    return value != 0;
  } else if constexpr (std::is_floating_point_v<Target>) {
    return static_cast<Target>(value);
  } else if constexpr (std::is_floating_point_v<Source>) {
    return saturating_cast<Target>(static_cast<double>(value));
  } else {
    return static_cast<Target>(value);  // integer or bool to integer: modular
  }
}

Status cast_to(KernelContext& ctx, DType target) {
  if (!ctx.has_input(0)) return ctx.invalid("input 0 is missing");
  return dispatch_elements(ctx, ctx.input(0).dtype, AllTypes{}, [&]<typename From>() {
    return dispatch_elements(ctx, target, AllTypes{}, [&]<typename To>() {
      return map_unary<From, To>(ctx, [](compute_t<From> v) { return convert<From, To>(v); });
    });
  });
}

Status cast_kernel(KernelContext& ctx) {
  if (!ctx.node().has_attr("to")) return ctx.invalid("attribute 'to' is missing");
  EI_ASSIGN_OR_RETURN(DType target, dtype_from_onnx_code(ctx, ctx.node().attr_int("to", 0)));
  return cast_to(ctx, target);
}

// CastLike (opset 15): cast input 0 to the element type of input 1.
Status cast_like_kernel(KernelContext& ctx) {
  if (!ctx.has_input(1)) return ctx.invalid("input 1 (target_type) is missing");
  return cast_to(ctx, ctx.input(1).dtype);
}

Status identity_kernel(KernelContext& ctx) {
  if (!ctx.has_input(0)) return ctx.invalid("input 0 is missing");
  const TensorView& x = ctx.input(0);
  if (dtype_size(x.dtype) == 0) return ctx.invalid("input has no element type");
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, ctx.allocate_output_view(0, x.dtype, x.shape));
  const TensorView& y = *y_view;
  if (x.bytes() != 0) std::memmove(y.data, x.data, x.bytes());
  return Status::ok();
}

}  // namespace

void register_cast(KernelRegistry& registry) {
  registry.add("Cast", cast_kernel);
  registry.add("CastLike", cast_like_kernel);
  registry.add("Identity", identity_kernel);
}

}  // namespace edgeinfer::cpu::reference
