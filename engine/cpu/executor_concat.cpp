#include "cpu/executor_concat.h"

#include <cstring>
#include <vector>

#include "cpu/reference/tensor_ops.h"
#include "cpu/run_cache.h"

namespace edgeinfer::cpu {

namespace {

bool overlaps(const unsigned char* a, size_t a_bytes, const unsigned char* b, size_t b_bytes) {
  return a < b + b_bytes && b < a + a_bytes;
}

}  // namespace

Status concat_into_slices(KernelContext& ctx, Shape& shape) {
  DType dtype{};
  EI_ASSIGN_OR_RETURN(const int64_t axis, reference::concat_output_shape(ctx, shape, dtype));
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, ctx.allocate_output_view(0, dtype, shape));
  const TensorView& y = *y_view;
  auto* out = static_cast<unsigned char*>(y.data);
  const size_t out_bytes = y.bytes();
  const size_t elem = dtype_size(dtype);
  const int64_t outer = reference::product_of_dims(shape, 0, static_cast<size_t>(axis));
  const int64_t inner =
      reference::product_of_dims(shape, static_cast<size_t>(axis) + 1, shape.size());
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
