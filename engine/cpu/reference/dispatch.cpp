#include "cpu/reference/dispatch.h"

#include "ir/tensor_size.h"

namespace edgeinfer::cpu::reference {

Result<std::vector<int64_t>> read_int_tensor(const KernelContext& ctx, size_t input_index) {
  if (!ctx.has_input(input_index)) {
    return ctx.invalid("input " + std::to_string(input_index) + " is missing");
  }
  const TensorView& t = ctx.input(input_index);
  const int64_t n = t.elements();
  std::vector<int64_t> values(static_cast<size_t>(n));
  if (t.dtype == DType::kInt64) {
    for (int64_t i = 0; i < n; ++i)
      values[i] = t.as<int64_t>()[i];
  } else if (t.dtype == DType::kInt32) {
    for (int64_t i = 0; i < n; ++i)
      values[i] = t.as<int32_t>()[i];
  } else {
    return ctx.invalid("input " + std::to_string(input_index) + " must be int32 or int64, not " +
                       dtype_name(t.dtype));
  }
  return values;
}

Result<std::vector<float>> read_float_tensor(const KernelContext& ctx, size_t input_index) {
  if (!ctx.has_input(input_index)) {
    return ctx.invalid("input " + std::to_string(input_index) + " is missing");
  }
  const TensorView& t = ctx.input(input_index);
  const int64_t n = t.elements();
  std::vector<float> values(static_cast<size_t>(n));
  if (t.dtype == DType::kFloat32) {
    for (int64_t i = 0; i < n; ++i)
      values[i] = t.as<float>()[i];
  } else if (t.dtype == DType::kFloat64) {
    for (int64_t i = 0; i < n; ++i)
      values[i] = static_cast<float>(t.as<double>()[i]);
  } else if (t.dtype == DType::kFloat16) {
    for (int64_t i = 0; i < n; ++i)
      values[i] = ir::half_to_float(t.as<uint16_t>()[i]);
  } else {
    return ctx.invalid("input " + std::to_string(input_index) + " must be a float tensor, not " +
                       dtype_name(t.dtype));
  }
  return values;
}

Result<int64_t> normalize_axis(const KernelContext& ctx, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    return ctx.invalid("axis " + std::to_string(axis) + " is out of range for rank " +
                       std::to_string(rank));
  }
  return axis < 0 ? axis + rank : axis;
}

std::vector<int64_t> strides_of(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    strides[i - 1] = strides[i] * shape[i];
  return strides;
}

Status check_shape(const KernelContext& ctx, const Shape& shape) {
  auto elements = ir::checked_elements(shape);
  if (!elements) return elements.status().with_context(ctx.node().describe() + ": output");
  return Status::ok();
}

}  // namespace edgeinfer::cpu::reference
