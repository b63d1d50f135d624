#include "cpu/executor_concat.h"

#include <cstring>
#include <vector>

#include "cpu/run_cache.h"

namespace edgeinfer::cpu {

namespace {

int64_t product(const Shape& shape, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t d = begin; d < end; ++d)
    p *= shape[d];
  return p;
}

bool overlaps(const unsigned char* a, size_t a_bytes, const unsigned char* b, size_t b_bytes) {
  return a < b + b_bytes && b < a + a_bytes;
}

}  // namespace

Status concat_into_slices(KernelContext& ctx, Shape& shape) {
  if (!ctx.node().has_attr("axis")) return ctx.invalid("attribute 'axis' is required");
  size_t first_index = ctx.input_count();
  for (size_t i = 0; i < ctx.input_count() && first_index == ctx.input_count(); ++i) {
    if (ctx.has_input(i)) first_index = i;
  }
  if (first_index == ctx.input_count()) return ctx.invalid("needs at least one input");
  const TensorView& first = ctx.input(first_index);
  const auto rank = static_cast<int64_t>(first.shape.size());
  int64_t axis = ctx.node().attr_int("axis", 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) {
    return ctx.invalid("axis " + std::to_string(ctx.node().attr_int("axis", 0)) +
                       " is out of range for rank " + std::to_string(rank));
  }
  shape = first.shape;  // assignment into kept storage: no allocation once sized
  shape[axis] = 0;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    if (!ctx.has_input(i)) continue;
    const TensorView& t = ctx.input(i);
    bool compatible = t.dtype == first.dtype && t.shape.size() == first.shape.size();
    for (int64_t d = 0; compatible && d < rank; ++d)
      compatible = d == axis || t.shape[d] == first.shape[d];
    if (!compatible) {
      return ctx.invalid("cannot concatenate " + shape_to_string(t.shape) + " (" +
                         dtype_name(t.dtype) + ") with " + shape_to_string(first.shape) + " (" +
                         dtype_name(first.dtype) + ") on axis " + std::to_string(axis));
    }
    shape[axis] += t.shape[axis];
  }
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, ctx.allocate_output_view(0, first.dtype, shape));
  const TensorView& y = *y_view;
  auto* out = static_cast<unsigned char*>(y.data);
  const size_t out_bytes = y.bytes();
  const size_t elem = dtype_size(first.dtype);
  const int64_t outer = product(shape, 0, static_cast<size_t>(axis));
  const int64_t inner = product(shape, static_cast<size_t>(axis) + 1, shape.size());
  // An input at its slice (outer == 1 and the plan put it there) needs no copy. Another input
  // overlapping the output can only come from a plan made for other shapes: such inputs are
  // saved before anything is written (allocating, but only in that case).
  auto in_place = [&](const unsigned char* src, size_t start) {
    return outer == 1 && src == out + start;
  };
  // Kept from run to run (cleared, not freed), so saving inputs allocates only the first time.
  std::vector<std::vector<unsigned char>>& saved = run_cache_of<ConcatCache>(ctx).saved;
  saved.resize(ctx.input_count());
  for (std::vector<unsigned char>& s : saved)
    s.clear();
  size_t start = 0;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    if (!ctx.has_input(i)) continue;
    const TensorView& t = ctx.input(i);
    const auto* src = static_cast<const unsigned char*>(t.data);
    if (!in_place(src, start) && t.bytes() && overlaps(src, t.bytes(), out, out_bytes)) {
      saved[i].assign(src, src + t.bytes());
    }
    start += t.bytes();
  }
  unsigned char* dst = out;
  for (int64_t o = 0; o < outer; ++o) {
    start = 0;
    for (size_t i = 0; i < ctx.input_count(); ++i) {
      if (!ctx.has_input(i)) continue;
      const TensorView& t = ctx.input(i);
      const auto* src = static_cast<const unsigned char*>(t.data);
      const size_t run = static_cast<size_t>(t.shape[axis] * inner) * elem;
      if (!saved[i].empty()) src = saved[i].data();
      if (!in_place(static_cast<const unsigned char*>(t.data), start) && run)
        std::memcpy(dst, src + static_cast<size_t>(o) * run, run);
      dst += run;
      start += t.bytes();
    }
  }
  return Status::ok();
}

}  // namespace edgeinfer::cpu
