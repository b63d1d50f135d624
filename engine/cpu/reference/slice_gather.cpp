// Ops that pick elements by position: Slice (ranges with steps), Gather (whole slices by
// index along one axis) and GatherElements (one element per index).
#include <algorithm>
#include <set>

#include "cpu/reference/tensor_ops.h"
#include "cpu/run_cache.h"

namespace edgeinfer::cpu::reference {

namespace {

struct SliceArgs {
  std::vector<int64_t> starts, ends, axes, steps;
};

Result<SliceArgs> slice_args(const KernelContext& ctx, int64_t rank) {
  const ir::Node& node = ctx.node();
  SliceArgs a;
  bool have_axes = false;
  if (node.opset < 10) {
    a.starts = node.attr_ints("starts");
    a.ends = node.attr_ints("ends");
    have_axes = node.has_attr("axes");
    a.axes = node.attr_ints("axes");
  } else {
    EI_ASSIGN_OR_RETURN(a.starts, read_int_tensor(ctx, 1));
    EI_ASSIGN_OR_RETURN(a.ends, read_int_tensor(ctx, 2));
    if (ctx.has_input(3)) {
      have_axes = true;
      EI_ASSIGN_OR_RETURN(a.axes, read_int_tensor(ctx, 3));
    }
    if (ctx.has_input(4)) {
      EI_ASSIGN_OR_RETURN(a.steps, read_int_tensor(ctx, 4));
    } else {
      a.steps.assign(a.starts.size(), 1);
    }
  }
  if (node.opset < 10) a.steps.assign(a.starts.size(), 1);
  if (!have_axes) {
    for (size_t i = 0; i < a.starts.size(); ++i)
      a.axes.push_back(static_cast<int64_t>(i));
  }
  if (a.ends.size() != a.starts.size() || a.axes.size() != a.starts.size() ||
      a.steps.size() != a.starts.size()) {
    return ctx.invalid("starts " + shape_to_string(a.starts) + ", ends " + shape_to_string(a.ends) +
                       ", axes " + shape_to_string(a.axes) + " and steps " +
                       shape_to_string(a.steps) + " differ in length");
  }
  EI_ASSIGN_OR_RETURN(a.axes, normalize_axes(ctx, a.axes, rank));
  return a;
}

// What a Slice computes from its inputs' shapes and its starts/ends/axes/steps, kept for the
// next run while they stay the same.
struct SliceRunCache final : RunCache {
  InputsKey key;
  Shape out;
  std::vector<int64_t> src_strides;
  int64_t offset = 0;
  std::vector<int64_t> index;  // strided_copy's running index
};

// Slice's output shape, source strides and offset for its inputs' shapes, starts, ends, axes
// and steps.
Status plan_slice(const KernelContext& ctx, SliceRunCache& rc) {
  const TensorView& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  EI_ASSIGN_OR_RETURN(const SliceArgs args, slice_args(ctx, rank));
  const std::vector<int64_t> in_strides = strides_of(x.shape);
  Shape& out = rc.out;
  out = x.shape;
  std::vector<int64_t>& src_strides = rc.src_strides;
  src_strides = in_strides;
  rc.offset = 0;
  for (size_t k = 0; k < args.axes.size(); ++k) {
    const int64_t axis = args.axes[k];
    const int64_t dim = x.shape[axis];
    const int64_t step = args.steps[k];
    if (step == 0) return ctx.invalid("step on axis " + std::to_string(axis) + " is 0");
    int64_t start = args.starts[k];
    int64_t end = args.ends[k];
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    int64_t count = 0;
    if (step > 0) {
      start = std::clamp(start, int64_t{0}, dim);
      end = std::clamp(end, int64_t{0}, dim);
      if (end > start) count = (end - start - 1) / step + 1;
    } else if (dim > 0) {
      start = std::clamp(start, int64_t{0}, dim - 1);
      end = std::clamp(end, int64_t{-1}, dim - 1);
      // |step| without overflow for INT64_MIN.
      const uint64_t magnitude = uint64_t{0} - static_cast<uint64_t>(step);
      if (start > end)
        count = static_cast<int64_t>(static_cast<uint64_t>(start - end - 1) / magnitude) + 1;
    }
    out[axis] = count;
    if (count > 0) rc.offset += start * in_strides[axis];
    // A single element never steps, so a huge step cannot overflow the walk.
    src_strides[axis] = count > 1 ? step * in_strides[axis] : 0;
  }
  return Status::ok();
}

Status slice(KernelContext& ctx) {
  SliceRunCache& rc = run_cache_of<SliceRunCache>(ctx);
  if (!rc.key.matches(ctx, 1)) {
    rc.key.clear();
    EI_RETURN_IF_ERROR(plan_slice(ctx, rc));
    rc.key.store(ctx, 1);
  }
  const TensorView& x = ctx.input(0);
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, allocate_checked(ctx, 0, x.dtype, rc.out));
  const TensorView& y = *y_view;
  strided_copy(mutable_bytes_of(y), bytes_of(x), rc.out, rc.src_strides, rc.offset,
               dtype_size(x.dtype), rc.index);
  return Status::ok();
}

Status gather(KernelContext& ctx) {
  const TensorView& x = ctx.input(0);
  const TensorView& indices_view = ctx.input(1);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  EI_ASSIGN_OR_RETURN(const int64_t axis,
                      normalize_axis(ctx, ctx.node().attr_int("axis", 0), rank));
  EI_ASSIGN_OR_RETURN(const std::vector<int64_t> indices, read_int_tensor(ctx, 1));
  Shape out(x.shape.begin(), x.shape.begin() + axis);
  out.insert(out.end(), indices_view.shape.begin(), indices_view.shape.end());
  out.insert(out.end(), x.shape.begin() + axis + 1, x.shape.end());
  const int64_t dim = x.shape[axis];
  int64_t outer = 1;
  int64_t inner = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (d < axis) outer *= x.shape[d];
    if (d > axis) inner *= x.shape[d];
  }
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, allocate_checked(ctx, 0, x.dtype, out));
  const TensorView& y = *y_view;
  const size_t run = static_cast<size_t>(inner) * dtype_size(x.dtype);
  const int64_t n = static_cast<int64_t>(indices.size());
  for (int64_t k = 0; k < n; ++k) {
    const int64_t i = indices[k] < 0 ? indices[k] + dim : indices[k];
    if (i < 0 || i >= dim) {
      return ctx.invalid("index " + std::to_string(indices[k]) + " is out of range for axis " +
                         std::to_string(axis) + " of " + shape_to_string(x.shape));
    }
    for (int64_t o = 0; o < outer; ++o) {
      copy_bytes(mutable_bytes_of(y) + static_cast<size_t>(o * n + k) * run,
                 bytes_of(x) + static_cast<size_t>(o * dim + i) * run, run);
    }
  }
  return Status::ok();
}

Status gather_elements(KernelContext& ctx) {
  const TensorView& x = ctx.input(0);
  const TensorView& indices_view = ctx.input(1);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  EI_ASSIGN_OR_RETURN(const int64_t axis,
                      normalize_axis(ctx, ctx.node().attr_int("axis", 0), rank));
  bool compatible = indices_view.shape.size() == x.shape.size();
  for (int64_t d = 0; compatible && d < rank; ++d) {
    compatible = d == axis || indices_view.shape[d] <= x.shape[d];
  }
  if (!compatible) {
    return ctx.invalid("indices " + shape_to_string(indices_view.shape) + " do not fit data " +
                       shape_to_string(x.shape) + " on axis " + std::to_string(axis));
  }
  EI_ASSIGN_OR_RETURN(const std::vector<int64_t> indices, read_int_tensor(ctx, 1));
  EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                      allocate_checked(ctx, 0, x.dtype, indices_view.shape));
  const TensorView& y = *y_view;
  const std::vector<int64_t> strides = strides_of(x.shape);
  const size_t elem = dtype_size(x.dtype);
  const int64_t dim = x.shape[axis];
  int64_t k = 0;
  Status status = Status::ok();
  for_each_index(indices_view.shape, [&](const std::vector<int64_t>& index) {
    if (!status.is_ok()) return;
    const int64_t i = indices[k] < 0 ? indices[k] + dim : indices[k];
    if (i < 0 || i >= dim) {
      status = ctx.invalid("index " + std::to_string(indices[k]) + " is out of range for axis " +
                           std::to_string(axis) + " of " + shape_to_string(x.shape));
      return;
    }
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d)
      offset += (d == axis ? i : index[d]) * strides[d];
    copy_bytes(mutable_bytes_of(y) + static_cast<size_t>(k) * elem,
               bytes_of(x) + static_cast<size_t>(offset) * elem, elem);
    ++k;
  });
  return status;
}

// GatherND: each row of the last indices axis addresses a slice of data (after batch_dims
// leading axes that data and indices share).
Status gather_nd(KernelContext& ctx) {
  const TensorView& x = ctx.input(0);
  const TensorView& indices_view = ctx.input(1);
  const int64_t r = static_cast<int64_t>(x.shape.size());
  const int64_t q = static_cast<int64_t>(indices_view.shape.size());
  const int64_t b = ctx.node().opset >= 12 ? ctx.node().attr_int("batch_dims", 0) : 0;
  const int64_t k = q > 0 ? indices_view.shape.back() : -1;
  bool valid = q >= 1 && b >= 0 && b < q && b < r && k >= 1 && k <= r - b;
  for (int64_t d = 0; valid && d < b; ++d)
    valid = x.shape[d] == indices_view.shape[d];
  if (!valid) {
    return ctx.invalid("indices " + shape_to_string(indices_view.shape) + " with batch_dims " +
                       std::to_string(b) + " do not fit data " + shape_to_string(x.shape));
  }
  EI_ASSIGN_OR_RETURN(const std::vector<int64_t> indices, read_int_tensor(ctx, 1));
  Shape out(indices_view.shape.begin(), indices_view.shape.end() - 1);
  out.insert(out.end(), x.shape.begin() + b + k, x.shape.end());
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, allocate_checked(ctx, 0, x.dtype, out));
  const TensorView& y = *y_view;
  int64_t batches = 1;
  for (int64_t d = 0; d < b; ++d)
    batches *= x.shape[d];
  int64_t block = 1;  // elements per addressed slice
  for (int64_t d = b + k; d < r; ++d)
    block *= x.shape[d];
  const int64_t batch_elems = shape_elements(x.shape) / std::max<int64_t>(batches, 1);
  const int64_t tuples = static_cast<int64_t>(indices.size()) / k;
  const int64_t per_batch = tuples / std::max<int64_t>(batches, 1);
  const std::vector<int64_t> strides = strides_of(x.shape);
  const size_t run = static_cast<size_t>(block) * dtype_size(x.dtype);
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t offset = (t / std::max<int64_t>(per_batch, 1)) * batch_elems;
    for (int64_t j = 0; j < k; ++j) {
      const int64_t dim = x.shape[b + j];
      int64_t i = indices[t * k + j];
      if (i < 0) i += dim;
      if (i < 0 || i >= dim) {
        return ctx.invalid("index " + std::to_string(indices[t * k + j]) +
                           " is out of range for axis " + std::to_string(b + j) + " of " +
                           shape_to_string(x.shape));
      }
      offset += i * strides[b + j];
    }
    copy_bytes(mutable_bytes_of(y) + static_cast<size_t>(t) * run,
               bytes_of(x) + static_cast<size_t>(offset) * dtype_size(x.dtype), run);
  }
  return Status::ok();
}

}  // namespace

void register_slice_gather(KernelRegistry& registry) {
  registry.add("Slice", slice);
  registry.add("Gather", gather);
  registry.add("GatherElements", gather_elements);
  registry.add("GatherND", gather_nd);
}

}  // namespace edgeinfer::cpu::reference
