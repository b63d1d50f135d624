// Typed element access for the elementwise reference kernels.
//
// Kernels are templates over the *storage* type of a tensor. Most storage types are their own
// compute type; two are not:
//   - float16 tensors are stored as `Half` (the raw bits) and computed in float,
//   - bool tensors are stored as one byte (0 or 1) and computed as bool.
// load<T>() and store<T>() convert between the two, so a kernel body is written once.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "cpu/reference/dispatch.h"
#include "ir/float16.h"

namespace edgeinfer::cpu::reference {

// Storage of one float16 element.
struct Half {
  uint16_t bits;
};

template <typename T>
struct ComputeType {
  using type = T;
};
template <>
struct ComputeType<Half> {
  using type = float;
};
template <typename T>
using compute_t = typename ComputeType<T>::type;

template <typename T>
constexpr DType element_dtype() {
  if constexpr (std::is_same_v<T, Half>)
    return DType::kFloat16;
  else
    return dtype_of<T>();
}

template <typename T>
compute_t<T> load(const void* data, int64_t i) {
  if constexpr (std::is_same_v<T, Half>) {
    return ir::half_to_float(static_cast<const uint16_t*>(data)[i]);
  } else if constexpr (std::is_same_v<T, bool>) {
    return static_cast<const uint8_t*>(data)[i] != 0;
  } else {
    return static_cast<const T*>(data)[i];
  }
}

template <typename T>
void store(void* data, int64_t i, compute_t<T> value) {
  if constexpr (std::is_same_v<T, Half>) {
    static_cast<uint16_t*>(data)[i] = ir::float_to_half(value);
  } else if constexpr (std::is_same_v<T, bool>) {
    static_cast<uint8_t*>(data)[i] = value ? 1 : 0;
  } else {
    static_cast<T*>(data)[i] = value;
  }
}

// A list of storage types to dispatch over.
template <typename... Ts>
struct Types {};

using FloatTypes = Types<float, double, Half>;
using SignedTypes = Types<float, double, Half, int8_t, int16_t, int32_t, int64_t>;
using NumericTypes = Types<float, double, Half, int8_t, int16_t, int32_t, int64_t, uint8_t,
                           uint16_t, uint32_t, uint64_t>;
using UnsignedIntTypes = Types<uint8_t, uint16_t, uint32_t, uint64_t>;
using AllTypes = Types<float, double, Half, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t,
                       uint32_t, uint64_t, bool>;

// Calls fn.template operator()<T>() with T the storage type of `dtype` among `Ts`;
// kUnsupported naming the op and the dtype otherwise.
template <typename... Ts, typename Fn>
Status dispatch_elements(const KernelContext& ctx, DType dtype, Types<Ts...>, Fn&& fn) {
  Status result = Status::ok();
  bool matched = false;
  (
      [&] {
        if (!matched && element_dtype<Ts>() == dtype) {
          matched = true;
          result = fn.template operator()<Ts>();
        }
      }(),
      ...);
  // The message is built only on failure: a kernel call must not allocate (planned runs
  // allocate nothing).
  if (!matched) {
    return ctx.unsupported(std::string("element type ") + dtype_name(dtype) +
                           " is not supported by " + ctx.node().op_type);
  }
  return result;
}

}  // namespace edgeinfer::cpu::reference
