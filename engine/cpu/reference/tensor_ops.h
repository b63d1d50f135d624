// Shared pieces of the tensor-manipulation family: each file registers its own ops, and the
// data-movement helpers here copy elements by byte size so every op works for every DType.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu/reference/dispatch.h"

namespace edgeinfer::cpu::reference {

// One registration function per file (tensor_ops.cpp calls them all).
void register_shape_ops(KernelRegistry& registry);     // shape_ops.cpp
void register_layout_ops(KernelRegistry& registry);    // layout_ops.cpp
void register_concat_split(KernelRegistry& registry);  // concat_split.cpp
void register_slice_gather(KernelRegistry& registry);  // slice_gather.cpp
void register_pad_tile(KernelRegistry& registry);      // pad_tile.cpp
void register_generate(KernelRegistry& registry);      // generate.cpp

inline const unsigned char* bytes_of(const TensorView& t) {
  return static_cast<const unsigned char*>(t.data);
}
inline unsigned char* mutable_bytes_of(const TensorView& t) {
  return static_cast<unsigned char*>(t.data);
}

// memcpy that accepts null pointers when there is nothing to copy.
inline void copy_bytes(void* dst, const void* src, size_t bytes) {
  if (bytes != 0) std::memcpy(dst, src, bytes);
}

// Checks the shape against hostile sizes, then asks the context for output i.
inline Result<const TensorView*> allocate_checked(KernelContext& ctx, size_t i, DType dtype,
                                                  const Shape& shape) {
  EI_RETURN_IF_ERROR(check_shape(ctx, shape));
  return ctx.allocate_output_view(i, dtype, shape);
}

// Calls fn(index) for every multi-index of `shape` in row-major order (none if it is empty;
// once with an empty index for a scalar).
template <typename Fn>
void for_each_index(const Shape& shape, Fn&& fn) {
  const int64_t n = shape_elements(shape);
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    fn(static_cast<const std::vector<int64_t>&>(index));
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

// Fills dst (row-major, shape `out_shape`) with elements of src: the element at output index
// i comes from src element `src_offset + sum(i[d] * src_strides[d])` (strides in elements, may
// be 0 for broadcast or negative for reversed slices).
void strided_copy(unsigned char* dst, const unsigned char* src, const Shape& out_shape,
                  const std::vector<int64_t>& src_strides, int64_t src_offset, size_t elem_size);
// The same with the caller's storage for the running index (no allocation once it has grown).
void strided_copy(unsigned char* dst, const unsigned char* src, const Shape& out_shape,
                  const std::vector<int64_t>& src_strides, int64_t src_offset, size_t elem_size,
                  std::vector<int64_t>& index);

// Normalizes a list of axes against `rank`; duplicates and out-of-range axes are errors.
Result<std::vector<int64_t>> normalize_axes(const KernelContext& ctx,
                                            const std::vector<int64_t>& axes, int64_t rank);

// The bytes of one element of `dtype` holding `value` (rounded and saturated for integers).
// Product of shape[begin..end): Concat and Split see a tensor as [outer, axis dim, inner].
inline int64_t product_of_dims(const Shape& shape, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t d = begin; d < end; ++d)
    p *= shape[d];
  return p;
}
// Concat's output shape into `out` (assigned in place: kept storage does not allocate), its
// dtype into `dtype`, and its axis, normalised, as the result: every present input must have
// the first one's dtype and rank and equal dims except on the axis. Shared by the reference
// kernel and the executor's in-place Concat.
Result<int64_t> concat_output_shape(const KernelContext& ctx, Shape& out, DType& dtype);
std::vector<unsigned char> scalar_bytes(DType dtype, double value);

// Reads element i of a numeric tensor as double / writes a double into element i (integers are
// rounded to nearest and saturated). Used where a reference kernel computes in double.
double load_as_double(DType dtype, const void* data, int64_t i);
void store_from_double(DType dtype, void* data, int64_t i, double value);
// True for the dtypes load_as_double/store_from_double handle (all but kUndefined).
bool is_numeric(DType dtype);

}  // namespace edgeinfer::cpu::reference
