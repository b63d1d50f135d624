// Ops that permute elements: Transpose DepthToSpace SpaceToDepth. Each is a strided copy:
// the output is walked in row-major order and each index is mapped to an input offset.
#include <numeric>

#include "cpu/reference/tensor_ops.h"

namespace edgeinfer::cpu::reference {

namespace {

Status transpose(KernelContext& ctx) {
  const TensorView& x = ctx.input(0);
  const size_t rank = x.shape.size();
  std::vector<int64_t> perm(rank);
  if (ctx.node().has_attr("perm")) {
    perm = ctx.node().attr_ints("perm");
  } else {
    for (size_t i = 0; i < rank; ++i)
      perm[i] = static_cast<int64_t>(rank - 1 - i);
  }
  std::vector<bool> used(rank, false);
  bool valid = perm.size() == rank;
  for (size_t i = 0; valid && i < rank; ++i) {
    valid = perm[i] >= 0 && perm[i] < static_cast<int64_t>(rank) && !used[perm[i]];
    if (valid) used[perm[i]] = true;
  }
  if (!valid) {
    return ctx.invalid("perm " + shape_to_string(perm) + " is not a permutation of the axes of " +
                       shape_to_string(x.shape));
  }
  const std::vector<int64_t> in_strides = strides_of(x.shape);
  Shape out(rank);
  std::vector<int64_t> src_strides(rank);
  for (size_t i = 0; i < rank; ++i) {
    out[i] = x.shape[perm[i]];
    src_strides[i] = in_strides[perm[i]];
  }
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, allocate_checked(ctx, 0, x.dtype, out));
  const TensorView& y = *y_view;
  strided_copy(mutable_bytes_of(y), bytes_of(x), out, src_strides, 0, dtype_size(x.dtype));
  return Status::ok();
}

// Checks a 4-D NCHW input and a positive blocksize.
Status check_block_input(const KernelContext& ctx, const TensorView& x, int64_t block) {
  if (x.shape.size() != 4) {
    return ctx.invalid("input " + shape_to_string(x.shape) + " must be 4-D (NCHW)");
  }
  if (block <= 0 || block > (int64_t{1} << 20)) {
    return ctx.invalid("blocksize " + std::to_string(block) + " is out of range");
  }
  return Status::ok();
}

Status depth_to_space(KernelContext& ctx) {
  const TensorView& x = ctx.input(0);
  const int64_t b = ctx.node().attr_int("blocksize", 0);
  EI_RETURN_IF_ERROR(check_block_input(ctx, x, b));
  const std::string mode = ctx.node().opset >= 11 ? ctx.node().attr_string("mode", "DCR") : "DCR";
  if (mode != "DCR" && mode != "CRD") return ctx.invalid("unknown mode '" + mode + "'");
  const int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
  if (c % (b * b) != 0) {
    return ctx.invalid("channels of " + shape_to_string(x.shape) +
                       " are not divisible by blocksize^2 = " + std::to_string(b * b));
  }
  const int64_t oc = c / (b * b);
  // The output [N, C', H*b, W*b] walked as [N, C', H, b, W, b].
  const Shape walk = {n, oc, h, b, w, b};
  std::vector<int64_t> src;
  if (mode == "DCR") {
    // Input viewed as [N, b, b, C', H, W].
    const std::vector<int64_t> s = strides_of({n, b, b, oc, h, w});
    src = {s[0], s[3], s[4], s[1], s[5], s[2]};
  } else {
    // Input viewed as [N, C', b, b, H, W].
    const std::vector<int64_t> s = strides_of({n, oc, b, b, h, w});
    src = {s[0], s[1], s[4], s[2], s[5], s[3]};
  }
  EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                      allocate_checked(ctx, 0, x.dtype, {n, oc, h * b, w * b}));
  const TensorView& y = *y_view;
  strided_copy(mutable_bytes_of(y), bytes_of(x), walk, src, 0, dtype_size(x.dtype));
  return Status::ok();
}

Status space_to_depth(KernelContext& ctx) {
  const TensorView& x = ctx.input(0);
  const int64_t b = ctx.node().attr_int("blocksize", 0);
  EI_RETURN_IF_ERROR(check_block_input(ctx, x, b));
  const int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
  if (h % b != 0 || w % b != 0) {
    return ctx.invalid("spatial dims of " + shape_to_string(x.shape) +
                       " are not divisible by blocksize " + std::to_string(b));
  }
  const int64_t oh = h / b, ow = w / b;
  // Input viewed as [N, C, H', b, W', b]; output [N, C*b*b, H', W'] walked as
  // [N, b, b, C, H', W'].
  const std::vector<int64_t> s = strides_of({n, c, oh, b, ow, b});
  const std::vector<int64_t> src = {s[0], s[3], s[5], s[1], s[2], s[4]};
  EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                      allocate_checked(ctx, 0, x.dtype, {n, c * b * b, oh, ow}));
  const TensorView& y = *y_view;
  strided_copy(mutable_bytes_of(y), bytes_of(x), {n, b, b, c, oh, ow}, src, 0, dtype_size(x.dtype));
  return Status::ok();
}

}  // namespace

void register_layout_ops(KernelRegistry& registry) {
  registry.add("Transpose", transpose);
  registry.add("DepthToSpace", depth_to_space);
  registry.add("SpaceToDepth", space_to_depth);
}

}  // namespace edgeinfer::cpu::reference
