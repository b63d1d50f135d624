// Concat and Split along one axis. Both see a tensor as [outer, axis dim, inner] and move
// contiguous runs of (part of the axis) x inner elements.
#include "cpu/reference/tensor_ops.h"
#include "cpu/run_cache.h"

namespace edgeinfer::cpu::reference {

namespace {

Status concat(KernelContext& ctx) {
  // Storage kept from run to run: refilled without allocating once it has grown.
  ConcatCache& rc = run_cache_of<ConcatCache>(ctx);
  std::vector<const TensorView*>& inputs = rc.inputs;
  inputs.clear();
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    if (ctx.has_input(i)) inputs.push_back(&ctx.input(i));
  }
  Shape& out = rc.out;
  DType dtype{};
  EI_ASSIGN_OR_RETURN(const int64_t axis, concat_output_shape(ctx, out, dtype));
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, allocate_checked(ctx, 0, dtype, out));
  const TensorView& y = *y_view;
  const size_t elem = dtype_size(dtype);
  const int64_t outer = product_of_dims(out, 0, static_cast<size_t>(axis));
  const int64_t inner = product_of_dims(out, static_cast<size_t>(axis) + 1, out.size());
  unsigned char* dst = mutable_bytes_of(y);
  for (int64_t o = 0; o < outer; ++o) {
    for (const TensorView* t : inputs) {
      const size_t run = static_cast<size_t>(t->shape[axis] * inner) * elem;
      copy_bytes(dst, bytes_of(*t) + static_cast<size_t>(o) * run, run);
      dst += run;
    }
  }
  return Status::ok();
}

// The sizes of Split's outputs along the axis of size `dim`.
Result<std::vector<int64_t>> split_sizes(const KernelContext& ctx, int64_t dim) {
  const ir::Node& node = ctx.node();
  const int64_t outputs = static_cast<int64_t>(ctx.output_count());
  std::vector<int64_t> sizes;
  if (node.opset >= 13) {
    if (ctx.has_input(1)) {
      EI_ASSIGN_OR_RETURN(sizes, read_int_tensor(ctx, 1));
    }
  } else {
    sizes = node.attr_ints("split");
  }
  if (!sizes.empty()) {
    if (node.opset >= 18 && node.has_attr("num_outputs")) {
      return ctx.invalid("'split' and 'num_outputs' must not both be given");
    }
    if (static_cast<int64_t>(sizes.size()) != outputs) {
      return ctx.invalid("split " + shape_to_string(sizes) + " has " +
                         std::to_string(sizes.size()) + " entries for " + std::to_string(outputs) +
                         " outputs");
    }
    int64_t sum = 0;
    for (int64_t s : sizes) {
      if (s < 0) return ctx.invalid("split " + shape_to_string(sizes) + " has a negative size");
      sum += s;
      if (sum > dim) break;
    }
    if (sum != dim) {
      return ctx.invalid("split " + shape_to_string(sizes) + " does not add up to the axis size " +
                         std::to_string(dim));
    }
    return sizes;
  }
  if (node.opset >= 18 && node.has_attr("num_outputs")) {
    // Chunks of ceil(dim / n); the last one takes what is left.
    const int64_t n = node.attr_int("num_outputs", 0);
    if (n <= 0 || n != outputs) {
      return ctx.invalid("num_outputs " + std::to_string(n) + " differs from the " +
                         std::to_string(outputs) + " outputs of the node");
    }
    const int64_t chunk = (dim + n - 1) / n;
    if (chunk * (n - 1) > dim) {
      return ctx.invalid("axis size " + std::to_string(dim) + " cannot be split into " +
                         std::to_string(n) + " chunks");
    }
    sizes.assign(static_cast<size_t>(n), chunk);
    sizes.back() = dim - chunk * (n - 1);
    return sizes;
  }
  if (outputs <= 0 || dim % outputs != 0) {
    return ctx.invalid("axis size " + std::to_string(dim) + " cannot be split into " +
                       std::to_string(outputs) + " equal parts");
  }
  sizes.assign(static_cast<size_t>(outputs), dim / outputs);
  return sizes;
}

Status split(KernelContext& ctx) {
  const TensorView& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  EI_ASSIGN_OR_RETURN(const int64_t axis,
                      normalize_axis(ctx, ctx.node().attr_int("axis", 0), rank));
  EI_ASSIGN_OR_RETURN(const std::vector<int64_t> sizes, split_sizes(ctx, x.shape[axis]));
  const size_t elem = dtype_size(x.dtype);
  const int64_t outer = product_of_dims(x.shape, 0, static_cast<size_t>(axis));
  const int64_t inner = product_of_dims(x.shape, static_cast<size_t>(axis) + 1, x.shape.size());
  const size_t in_run = static_cast<size_t>(x.shape[axis] * inner) * elem;
  int64_t begin = 0;  // along the axis
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (ctx.wants_output(i)) {
      Shape shape = x.shape;
      shape[axis] = sizes[i];
      EI_ASSIGN_OR_RETURN(const TensorView* y_view, allocate_checked(ctx, i, x.dtype, shape));
      const TensorView& y = *y_view;
      const size_t run = static_cast<size_t>(sizes[i] * inner) * elem;
      const size_t skip = static_cast<size_t>(begin * inner) * elem;
      for (int64_t o = 0; o < outer; ++o) {
        copy_bytes(mutable_bytes_of(y) + static_cast<size_t>(o) * run,
                   bytes_of(x) + static_cast<size_t>(o) * in_run + skip, run);
      }
    }
    begin += sizes[i];
  }
  return Status::ok();
}

}  // namespace

void register_concat_split(KernelRegistry& registry) {
  registry.add("Concat", concat);
  registry.add("Split", split);
}

Result<int64_t> concat_output_shape(const KernelContext& ctx, Shape& out, DType& dtype) {
  if (!ctx.node().has_attr("axis")) return ctx.invalid("attribute 'axis' is required");
  const TensorView* first = nullptr;
  for (size_t i = 0; i < ctx.input_count() && !first; ++i) {
    if (ctx.has_input(i)) first = &ctx.input(i);
  }
  if (!first) return ctx.invalid("needs at least one input");
  const int64_t rank = static_cast<int64_t>(first->shape.size());
  EI_ASSIGN_OR_RETURN(const int64_t axis,
                      normalize_axis(ctx, ctx.node().attr_int("axis", 0), rank));
  out = first->shape;
  out[axis] = 0;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    if (!ctx.has_input(i)) continue;
    const TensorView& t = ctx.input(i);
    bool compatible = t.dtype == first->dtype && t.shape.size() == first->shape.size();
    for (int64_t d = 0; compatible && d < rank; ++d) {
      compatible = d == axis || t.shape[d] == first->shape[d];
    }
    if (!compatible) {
      return ctx.invalid("cannot concatenate " + shape_to_string(t.shape) + " (" +
                         dtype_name(t.dtype) + ") with " + shape_to_string(first->shape) + " (" +
                         dtype_name(first->dtype) + ") on axis " + std::to_string(axis));
    }
    out[axis] += t.shape[axis];
  }
  dtype = first->dtype;
  return axis;
}

}  // namespace edgeinfer::cpu::reference
