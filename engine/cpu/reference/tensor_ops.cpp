// The tensor-manipulation family: registration and the helpers its files share.
#include "cpu/reference/tensor_ops.h"

#include <cmath>
#include <limits>
#include <set>

#include "cpu/reference/families.h"

namespace edgeinfer::cpu::reference {

void register_tensor_ops(KernelRegistry& registry) {
  register_shape_ops(registry);
  register_layout_ops(registry);
  register_concat_split(registry);
  register_slice_gather(registry);
  register_pad_tile(registry);
  register_generate(registry);
}

namespace {

// Copies one element of a power-of-two size with a fixed-size copy the compiler can inline.
inline void copy_element(unsigned char* dst, const unsigned char* src, size_t size) {
  switch (size) {
    case 1:
      *dst = *src;
      break;
    case 2:
      std::memcpy(dst, src, 2);
      break;
    case 4:
      std::memcpy(dst, src, 4);
      break;
    case 8:
      std::memcpy(dst, src, 8);
      break;
    default:
      std::memcpy(dst, src, size);
  }
}

template <typename T>
T saturate(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    if (std::isnan(v)) return T{0};
    const double r = std::nearbyint(v);
    if (r <= static_cast<double>(std::numeric_limits<T>::lowest())) {
      return std::numeric_limits<T>::lowest();
    }
    if (r >= static_cast<double>(std::numeric_limits<T>::max())) {
      return std::numeric_limits<T>::max();
    }
    return static_cast<T>(r);
  }
}

}  // namespace

void strided_copy(unsigned char* dst, const unsigned char* src, const Shape& out_shape,
                  const std::vector<int64_t>& src_strides, int64_t src_offset, size_t elem_size) {
  std::vector<int64_t> index;
  strided_copy(dst, src, out_shape, src_strides, src_offset, elem_size, index);
}

void strided_copy(unsigned char* dst, const unsigned char* src, const Shape& out_shape,
                  const std::vector<int64_t>& src_strides, int64_t src_offset, size_t elem_size,
                  std::vector<int64_t>& index) {
  const int64_t n = shape_elements(out_shape);
  const size_t rank = out_shape.size();
  index.assign(rank, 0);
  int64_t offset = src_offset;
  for (int64_t k = 0; k < n; ++k) {
    copy_element(dst + static_cast<size_t>(k) * elem_size,
                 src + static_cast<size_t>(offset) * elem_size, elem_size);
    for (size_t d = rank; d-- > 0;) {
      offset += src_strides[d];
      if (++index[d] < out_shape[d]) break;
      offset -= src_strides[d] * out_shape[d];
      index[d] = 0;
    }
  }
}

Result<std::vector<int64_t>> normalize_axes(const KernelContext& ctx,
                                            const std::vector<int64_t>& axes, int64_t rank) {
  std::vector<int64_t> result;
  std::set<int64_t> seen;
  for (int64_t axis : axes) {
    EI_ASSIGN_OR_RETURN(int64_t a, normalize_axis(ctx, axis, rank));
    if (!seen.insert(a).second) {
      return ctx.invalid("axis " + std::to_string(axis) + " is repeated in axes " +
                         shape_to_string(axes));
    }
    result.push_back(a);
  }
  return result;
}

double load_as_double(DType dtype, const void* data, int64_t i) {
  switch (dtype) {
    case DType::kFloat32:
      return static_cast<const float*>(data)[i];
    case DType::kFloat16:
      return ir::half_to_float(static_cast<const uint16_t*>(data)[i]);
    case DType::kFloat64:
      return static_cast<const double*>(data)[i];
    case DType::kInt8:
      return static_cast<const int8_t*>(data)[i];
    case DType::kUInt8:
      return static_cast<const uint8_t*>(data)[i];
    case DType::kInt16:
      return static_cast<const int16_t*>(data)[i];
    case DType::kUInt16:
      return static_cast<const uint16_t*>(data)[i];
    case DType::kInt32:
      return static_cast<const int32_t*>(data)[i];
    case DType::kUInt32:
      return static_cast<const uint32_t*>(data)[i];
    case DType::kInt64:
      return static_cast<double>(static_cast<const int64_t*>(data)[i]);
    case DType::kUInt64:
      return static_cast<double>(static_cast<const uint64_t*>(data)[i]);
    case DType::kBool:
      return static_cast<const uint8_t*>(data)[i] != 0 ? 1.0 : 0.0;
    case DType::kUndefined:
      break;
  }
  return 0.0;
}

void store_from_double(DType dtype, void* data, int64_t i, double value) {
  switch (dtype) {
    case DType::kFloat32:
      static_cast<float*>(data)[i] = static_cast<float>(value);
      break;
    case DType::kFloat16:
      static_cast<uint16_t*>(data)[i] = ir::float_to_half(static_cast<float>(value));
      break;
    case DType::kFloat64:
      static_cast<double*>(data)[i] = value;
      break;
    case DType::kInt8:
      static_cast<int8_t*>(data)[i] = saturate<int8_t>(value);
      break;
    case DType::kUInt8:
      static_cast<uint8_t*>(data)[i] = saturate<uint8_t>(value);
      break;
    case DType::kInt16:
      static_cast<int16_t*>(data)[i] = saturate<int16_t>(value);
      break;
    case DType::kUInt16:
      static_cast<uint16_t*>(data)[i] = saturate<uint16_t>(value);
      break;
    case DType::kInt32:
      static_cast<int32_t*>(data)[i] = saturate<int32_t>(value);
      break;
    case DType::kUInt32:
      static_cast<uint32_t*>(data)[i] = saturate<uint32_t>(value);
      break;
    case DType::kInt64:
      static_cast<int64_t*>(data)[i] = saturate<int64_t>(value);
      break;
    case DType::kUInt64:
      static_cast<uint64_t*>(data)[i] = saturate<uint64_t>(value);
      break;
    case DType::kBool:
      static_cast<uint8_t*>(data)[i] = value != 0.0 ? 1 : 0;
      break;
    case DType::kUndefined:
      break;
  }
}

bool is_numeric(DType dtype) {
  return dtype != DType::kUndefined;
}

std::vector<unsigned char> scalar_bytes(DType dtype, double value) {
  std::vector<unsigned char> bytes(dtype_size(dtype), 0);
  if (!bytes.empty()) store_from_double(dtype, bytes.data(), 0, value);
  return bytes;
}

}  // namespace edgeinfer::cpu::reference
