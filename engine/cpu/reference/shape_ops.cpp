// Ops that change only the shape (or report it): Reshape Flatten Squeeze Unsqueeze Expand
// Shape Size. The first four copy the data unchanged; Expand broadcasts it.
#include <algorithm>

#include "cpu/reference/tensor_ops.h"
#include "cpu/run_cache.h"

namespace edgeinfer::cpu::reference {

namespace {

// Output 0 gets the bytes of input 0 under a new shape.
Status copy_with_shape(KernelContext& ctx, const Shape& shape) {
  const TensorView& x = ctx.input(0);
  if (shape_elements(shape) != x.elements()) {
    return ctx.fail(
        StatusCode::kInternal,
        "element count changed from " + shape_to_string(x.shape) + " to " + shape_to_string(shape));
  }
  EI_ASSIGN_OR_RETURN(const TensorView* out_view, allocate_checked(ctx, 0, x.dtype, shape));
  const TensorView& out = *out_view;
  copy_bytes(out.data, x.data, x.bytes());
  return Status::ok();
}

// Reshape's output shape for its inputs.
Result<Shape> reshape_target(const KernelContext& ctx) {
  const TensorView& x = ctx.input(0);
  EI_ASSIGN_OR_RETURN(std::vector<int64_t> target, read_int_tensor(ctx, 1));
  const bool allowzero = ctx.node().opset >= 14 && ctx.node().attr_int("allowzero", 0) != 0;
  const std::string what =
      "cannot reshape " + shape_to_string(x.shape) + " to " + shape_to_string(target);
  Shape out(target.size());
  Shape known;  // the dims other than the inferred one
  int64_t inferred = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    const int64_t v = target[i];
    if (v == 0 && !allowzero) {
      if (i >= x.shape.size())
        return ctx.invalid(what + ": dim " + std::to_string(i) +
                           " is 0 "
                           "but the input has no such dim");
      out[i] = x.shape[i];
    } else if (v == -1) {
      if (inferred >= 0) return ctx.invalid(what + ": more than one -1");
      inferred = static_cast<int64_t>(i);
      continue;
    } else if (v < 0) {
      return ctx.invalid(what + ": negative dim " + std::to_string(v));
    } else {
      out[i] = v;
    }
    known.push_back(out[i]);
  }
  EI_RETURN_IF_ERROR(check_shape(ctx, known));
  const int64_t total = x.elements();
  if (inferred >= 0) {
    const int64_t rest = shape_elements(known);
    if (rest == 0) return ctx.invalid(what + ": the -1 dim cannot be inferred next to a 0 dim");
    if (total % rest != 0) return ctx.invalid(what + ": element counts do not divide");
    out[static_cast<size_t>(inferred)] = total / rest;
  }
  if (shape_elements(out) != total) return ctx.invalid(what + ": element counts differ");
  return out;
}

// The output shape of the inputs' shapes and target, kept for the next run (computing it
// allocates).
struct ReshapeRunCache final : RunCache {
  InputsKey key;
  Shape out;
};

Status reshape(KernelContext& ctx) {
  ReshapeRunCache& rc = run_cache_of<ReshapeRunCache>(ctx);
  if (!rc.key.matches(ctx, 1)) {
    rc.key.clear();
    EI_ASSIGN_OR_RETURN(rc.out, reshape_target(ctx));
    rc.key.store(ctx, 1);
  }
  return copy_with_shape(ctx, rc.out);
}

Status flatten(KernelContext& ctx) {
  const TensorView& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = ctx.node().attr_int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) {
    return ctx.invalid("axis " + std::to_string(ctx.node().attr_int("axis", 1)) +
                       " is out of range for input " + shape_to_string(x.shape));
  }
  int64_t outer = 1;
  int64_t inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? outer : inner) *= x.shape[d];
  Shape& out = run_cache_of<ShapeCache>(ctx).shape;  // reused: no allocation after a first run
  out.assign({outer, inner});
  return copy_with_shape(ctx, out);
}

// Axes of Squeeze/Unsqueeze: an attribute before opset 13, input 1 from 13.
Result<std::vector<int64_t>> squeeze_axes(const KernelContext& ctx, bool* given) {
  if (ctx.node().opset >= 13) {
    *given = ctx.has_input(1);
    if (!*given) return std::vector<int64_t>{};
    return read_int_tensor(ctx, 1);
  }
  *given = ctx.node().has_attr("axes");
  return ctx.node().attr_ints("axes");
}

Status squeeze(KernelContext& ctx) {
  const TensorView& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  bool given = false;
  EI_ASSIGN_OR_RETURN(std::vector<int64_t> raw, squeeze_axes(ctx, &given));
  std::vector<bool> drop(x.shape.size(), false);
  if (!given || raw.empty()) {
    for (size_t d = 0; d < x.shape.size(); ++d)
      drop[d] = x.shape[d] == 1;
  } else {
    EI_ASSIGN_OR_RETURN(std::vector<int64_t> axes, normalize_axes(ctx, raw, rank));
    for (int64_t a : axes) {
      if (x.shape[a] != 1) {
        return ctx.invalid("cannot squeeze axis " + std::to_string(a) + " of " +
                           shape_to_string(x.shape) + ": its size is not 1");
      }
      drop[a] = true;
    }
  }
  Shape out;
  for (size_t d = 0; d < x.shape.size(); ++d) {
    if (!drop[d]) out.push_back(x.shape[d]);
  }
  return copy_with_shape(ctx, out);
}

Status unsqueeze(KernelContext& ctx) {
  const TensorView& x = ctx.input(0);
  bool given = false;
  EI_ASSIGN_OR_RETURN(std::vector<int64_t> raw, squeeze_axes(ctx, &given));
  if (!given) return ctx.invalid("axes are required");
  const int64_t out_rank = static_cast<int64_t>(x.shape.size() + raw.size());
  EI_ASSIGN_OR_RETURN(std::vector<int64_t> axes, normalize_axes(ctx, raw, out_rank));
  std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
  for (int64_t a : axes)
    inserted[a] = true;
  Shape out;
  size_t next = 0;
  for (int64_t d = 0; d < out_rank; ++d)
    out.push_back(inserted[d] ? 1 : x.shape[next++]);
  return copy_with_shape(ctx, out);
}

Status shape(KernelContext& ctx) {
  const Shape& in = ctx.input(0).shape;
  const int64_t rank = static_cast<int64_t>(in.size());
  int64_t start = 0;
  int64_t end = rank;
  if (ctx.node().opset >= 15) {
    start = ctx.node().attr_int("start", 0);
    end = ctx.node().attr_int("end", rank);
  }
  auto clamp_dim = [rank](int64_t v) { return std::clamp(v < 0 ? v + rank : v, int64_t{0}, rank); };
  start = clamp_dim(start);
  end = clamp_dim(end);
  const int64_t n = std::max<int64_t>(end - start, 0);
  Shape& out_shape =
      run_cache_of<ShapeCache>(ctx).shape;  // reused: no allocation after a first run
  out_shape.assign({n});
  EI_ASSIGN_OR_RETURN(const TensorView* out_view,
                      allocate_checked(ctx, 0, DType::kInt64, out_shape));
  const TensorView& out = *out_view;
  for (int64_t i = 0; i < n; ++i)
    out.as<int64_t>()[i] = in[start + i];
  return Status::ok();
}

Status size(KernelContext& ctx) {
  EI_ASSIGN_OR_RETURN(const TensorView* out_view, allocate_checked(ctx, 0, DType::kInt64, {}));
  const TensorView& out = *out_view;
  *out.as<int64_t>() = ctx.input(0).elements();
  return Status::ok();
}

// What Expand computes from its input's shape and target, kept for the next run while they stay
// the same.
struct ExpandRunCache final : RunCache {
  InputsKey key;
  Shape out;
  std::vector<int64_t> src_strides;
  std::vector<int64_t> index;  // strided_copy's running index
};

Status plan_expand(const KernelContext& ctx, ExpandRunCache& rc) {
  const TensorView& x = ctx.input(0);
  EI_ASSIGN_OR_RETURN(std::vector<int64_t> target, read_int_tensor(ctx, 1));
  const size_t rank = std::max(x.shape.size(), target.size());
  Shape& out = rc.out;
  out.assign(rank, 0);
  std::vector<int64_t>& src_strides = rc.src_strides;
  src_strides.assign(rank, 0);
  const std::vector<int64_t> in_strides = strides_of(x.shape);
  for (size_t d = 0; d < rank; ++d) {
    // Align both shapes on the right; missing leading dims count as 1.
    const size_t xi = d + x.shape.size();
    const size_t ti = d + target.size();
    const int64_t a = xi >= rank ? x.shape[xi - rank] : 1;
    const int64_t b = ti >= rank ? target[ti - rank] : 1;
    if (b < 0) {
      return ctx.invalid("shape " + shape_to_string(target) + " has a negative dim");
    }
    if (a == b || b == 1) {
      out[d] = a;
    } else if (a == 1) {
      out[d] = b;
    } else {
      return ctx.invalid("cannot expand " + shape_to_string(x.shape) + " to " +
                         shape_to_string(target));
    }
    if (xi >= rank && a != 1) src_strides[d] = in_strides[xi - rank];
  }
  return Status::ok();
}

Status expand(KernelContext& ctx) {
  ExpandRunCache& rc = run_cache_of<ExpandRunCache>(ctx);
  if (!rc.key.matches(ctx, 1)) {
    rc.key.clear();
    EI_RETURN_IF_ERROR(plan_expand(ctx, rc));
    rc.key.store(ctx, 1);
  }
  const TensorView& x = ctx.input(0);
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, allocate_checked(ctx, 0, x.dtype, rc.out));
  const TensorView& y = *y_view;
  strided_copy(mutable_bytes_of(y), bytes_of(x), rc.out, rc.src_strides, 0, dtype_size(x.dtype),
               rc.index);
  return Status::ok();
}

}  // namespace

void register_shape_ops(KernelRegistry& registry) {
  registry.add("Reshape", reshape);
  registry.add("Flatten", flatten);
  registry.add("Squeeze", squeeze);
  registry.add("Unsqueeze", unsqueeze);
  registry.add("Shape", shape);
  registry.add("Size", size);
  registry.add("Expand", expand);
}

}  // namespace edgeinfer::cpu::reference
