// Helpers shared by reference kernels: dtype dispatch, reading shape-like inputs, axes.
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "cpu/kernel.h"
#include "ir/float16.h"

namespace edgeinfer::cpu::reference {

// Calls fn.template operator()<T>() with T the C++ type of `dtype`, for the numeric types
// listed in Ts. Returns kUnsupported naming the dtype otherwise.
//   return dispatch<float, double, int32_t, int64_t>(ctx, dtype, [&]<typename T>() {...});
template <typename... Ts, typename Fn>
Status dispatch(const KernelContext& ctx, DType dtype, Fn&& fn);

template <typename T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>)
    return DType::kFloat32;
  else if constexpr (std::is_same_v<T, double>)
    return DType::kFloat64;
  else if constexpr (std::is_same_v<T, int8_t>)
    return DType::kInt8;
  else if constexpr (std::is_same_v<T, uint8_t>)
    return DType::kUInt8;
  else if constexpr (std::is_same_v<T, int16_t>)
    return DType::kInt16;
  else if constexpr (std::is_same_v<T, uint16_t>)
    return DType::kUInt16;
  else if constexpr (std::is_same_v<T, int32_t>)
    return DType::kInt32;
  else if constexpr (std::is_same_v<T, uint32_t>)
    return DType::kUInt32;
  else if constexpr (std::is_same_v<T, int64_t>)
    return DType::kInt64;
  else if constexpr (std::is_same_v<T, uint64_t>)
    return DType::kUInt64;
  else if constexpr (std::is_same_v<T, bool>)
    return DType::kBool;
  else
    return DType::kUndefined;
}

template <typename... Ts, typename Fn>
Status dispatch(const KernelContext& ctx, DType dtype, Fn&& fn) {
  Status result = Status::ok();
  bool matched = false;
  (
      [&] {
        if (!matched && dtype_of<Ts>() == dtype) {
          matched = true;
          result = fn.template operator()<Ts>();
        }
      }(),
      ...);
  // The message is built only on failure: a kernel call must not allocate (planned runs
  // allocate nothing).
  if (!matched) {
    return ctx.unsupported(std::string("element type ") + dtype_name(dtype) +
                           " is not supported by this operator");
  }
  return result;
}

// Reads an int32/int64 tensor (e.g. a shape, axes or pads input) as int64 values.
Result<std::vector<int64_t>> read_int_tensor(const KernelContext& ctx, size_t input_index);
// Reads a float16/float32/float64 tensor as floats (e.g. Resize scales).
Result<std::vector<float>> read_float_tensor(const KernelContext& ctx, size_t input_index);
// Maps a possibly negative axis into [0, rank); error naming the node when out of range.
Result<int64_t> normalize_axis(const KernelContext& ctx, int64_t axis, int64_t rank);
// Row-major strides of a shape (in elements).
std::vector<int64_t> strides_of(const Shape& shape);
// Guards allocations against hostile shapes: fails if any dim is negative or the element count
// exceeds ir::kMaxTensorElements.
Status check_shape(const KernelContext& ctx, const Shape& shape);

}  // namespace edgeinfer::cpu::reference
