// Data movement: Reshape/Flatten/Squeeze/Unsqueeze/Identity (a flat copy, in pieces when large),
// Transpose, Slice, Concat and Expand (strided copies of up to 4 dims after merging contiguous
// runs).
#include <algorithm>

#include "vulkan/ops/families.h"

namespace edgeinfer::vulkan {

namespace {

// A strided copy: dims iterated in row-major order, with source and destination strides.
struct CopyView {
  std::vector<int64_t> dims, src, dst;
  int64_t src_base = 0, dst_base = 0;
};

// Drops unit dims and merges neighbours that are contiguous in both views.
CopyView collapse(const CopyView& v) {
  CopyView r;
  r.src_base = v.src_base;
  r.dst_base = v.dst_base;
  for (size_t i = 0; i < v.dims.size(); ++i) {
    if (v.dims[i] == 1) continue;
    if (!r.dims.empty() && r.src.back() == v.src[i] * v.dims[i] &&
        r.dst.back() == v.dst[i] * v.dims[i]) {
      r.dims.back() *= v.dims[i];
      r.src.back() = v.src[i];
      r.dst.back() = v.dst[i];
      continue;
    }
    r.dims.push_back(v.dims[i]);
    r.src.push_back(v.src[i]);
    r.dst.push_back(v.dst[i]);
  }
  return r;
}

Status record_copy(OpBuilder& b, const Binding& y, const Binding& x, const CopyView& view) {
  const CopyView v = collapse(view);
  if (v.dims.size() > 4) return b.unsupported("copy needs more than 4 dims");
  Dispatch d;
  d.shader = ShaderId::kStridedCopy;
  d.bindings[0] = y;
  d.bindings[1] = x;
  int64_t count = 1;
  const size_t pad = 4 - v.dims.size();
  for (size_t i = 0; i < 4; ++i) {
    const bool real = i >= pad;
    d.params[1 + i] = real ? static_cast<int32_t>(v.dims[i - pad]) : 1;
    d.params[5 + i] = real ? static_cast<int32_t>(v.src[i - pad]) : 0;
    d.params[9 + i] = real ? static_cast<int32_t>(v.dst[i - pad]) : 0;
    if (real) count *= v.dims[i - pad];
  }
  d.params[0] = static_cast<int32_t>(count);
  d.params[13] = static_cast<int32_t>(v.src_base);
  d.params[14] = static_cast<int32_t>(v.dst_base);
  d.invocations = static_cast<uint64_t>(count);
  b.dispatch(d);
  return Status::ok();
}

void set_flat_piece(Dispatch& d, uint64_t n, const std::vector<bool>&) {
  d.params[0] = static_cast<int32_t>(n);
  for (int i = 1; i <= 3; ++i) {
    d.params[i] = 1;
    d.params[4 + i] = 0;
    d.params[8 + i] = 0;
  }
  d.params[4] = static_cast<int32_t>(n);
  d.params[8] = 1;
  d.params[12] = 1;
  d.params[13] = 0;
  d.params[14] = 0;
}

// Same bytes, new shape.
Status flat_copy(OpBuilder& b) {
  EI_ASSIGN_OR_RETURN(const Binding y, b.output(0, true, true));
  EI_ASSIGN_OR_RETURN(const Binding x, b.input(0, true, true));
  Dispatch d;
  d.shader = ShaderId::kStridedCopy;
  dispatch_in_pieces(b, d, static_cast<uint64_t>(shape_elements(b.output_shape())), {y, x},
                     {true, true}, set_flat_piece);
  return Status::ok();
}

Status transpose(OpBuilder& b) {
  const Shape x = b.input_shape(0), y = b.output_shape();
  std::vector<int64_t> perm = b.node().attr_ints("perm");
  if (perm.empty()) {
    for (size_t i = x.size(); i-- > 0;)
      perm.push_back(static_cast<int64_t>(i));
  }
  if (perm.size() != x.size()) return b.unsupported("perm");
  EI_ASSIGN_OR_RETURN(const Binding yb, b.output(0, true));
  EI_ASSIGN_OR_RETURN(const Binding xb, b.input(0, true));
  const std::vector<int64_t> xs = contiguous_strides(x);
  CopyView v;
  v.dims = y;
  v.dst = contiguous_strides(y);
  for (int64_t p : perm)
    v.src.push_back(xs.at(static_cast<size_t>(p)));
  return record_copy(b, yb, xb, v);
}

// Constant int list from input i (int32 or int64).
Result<std::vector<int64_t>> constant_ints(OpBuilder& b, size_t i) {
  const ir::Constant* c = b.constant(i);
  if (!c) return b.unsupported("input " + std::to_string(i) + " is not a constant");
  const TensorView v = c->view();
  std::vector<int64_t> r;
  for (int64_t k = 0; k < v.elements(); ++k) {
    if (v.dtype == DType::kInt64)
      r.push_back(v.as<int64_t>()[k]);
    else if (v.dtype == DType::kInt32)
      r.push_back(v.as<int32_t>()[k]);
    else
      return b.unsupported("input " + std::to_string(i) + " is not an integer list");
  }
  return r;
}

Status slice(OpBuilder& b) {
  const ir::Node& n = b.node();
  const Shape x = b.input_shape(0), y = b.output_shape();
  const int64_t rank = static_cast<int64_t>(x.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (n.opset < 10) {
    starts = n.attr_ints("starts");
    ends = n.attr_ints("ends");
    axes = n.attr_ints("axes");
  } else {
    EI_ASSIGN_OR_RETURN(starts, constant_ints(b, 1));
    EI_ASSIGN_OR_RETURN(ends, constant_ints(b, 2));
    if (b.has_input(3)) {
      EI_ASSIGN_OR_RETURN(axes, constant_ints(b, 3));
    }
    if (b.has_input(4)) {
      EI_ASSIGN_OR_RETURN(steps, constant_ints(b, 4));
    }
  }
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    return b.unsupported("starts, axes and steps differ in length");
  const std::vector<int64_t> xs = contiguous_strides(x);
  CopyView v;
  v.dims = y;
  v.dst = contiguous_strides(y);
  v.src = xs;
  for (size_t k = 0; k < starts.size(); ++k) {
    int64_t a = axes[k] < 0 ? axes[k] + rank : axes[k];
    if (a < 0 || a >= rank || steps[k] == 0) return b.unsupported("axis or step");
    const int64_t dim = x[static_cast<size_t>(a)];
    int64_t s = starts[k];
    if (s < 0) s += dim;
    s = steps[k] > 0 ? std::clamp<int64_t>(s, 0, dim) : std::clamp<int64_t>(s, 0, dim - 1);
    v.src_base += s * xs[static_cast<size_t>(a)];
    v.src[static_cast<size_t>(a)] = steps[k] * xs[static_cast<size_t>(a)];
  }
  EI_ASSIGN_OR_RETURN(const Binding yb, b.output(0, true));
  EI_ASSIGN_OR_RETURN(const Binding xb, b.input(0, true));
  return record_copy(b, yb, xb, v);
}

Status concat(OpBuilder& b) {
  const Shape y = b.output_shape();
  const int64_t rank = static_cast<int64_t>(y.size());
  int64_t axis = b.node().attr_int("axis", 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return b.unsupported("axis");
  EI_ASSIGN_OR_RETURN(const Binding yb, b.output(0, true));
  const std::vector<int64_t> ys = contiguous_strides(y);
  int64_t offset = 0;
  for (size_t i = 0; i < b.node().inputs.size(); ++i) {
    const Shape x = b.input_shape(i);
    if (shape_elements(x) == 0) continue;
    EI_ASSIGN_OR_RETURN(const Binding xb, b.input(i, true));
    CopyView v;
    v.dims = x;
    v.src = contiguous_strides(x);
    v.dst = ys;
    v.dst_base = offset * ys[static_cast<size_t>(axis)];
    // An input its producer wrote in place (vulkan/aliases.h) needs no copy.
    const bool in_place = xb.region == yb.region &&
                          xb.offset == yb.offset + static_cast<size_t>(v.dst_base) * 4 &&
                          xb.range == static_cast<size_t>(shape_elements(x)) * 4;
    if (!in_place) EI_RETURN_IF_ERROR(record_copy(b, yb, xb, v));
    offset += x[static_cast<size_t>(axis)];
  }
  return Status::ok();
}

// Broadcast copy: the input's strides are 0 along the dims it is broadcast over.
Status expand(OpBuilder& b) {
  const Shape x = b.input_shape(0), y = b.output_shape();
  if (x.size() > y.size()) return b.unsupported("input of higher rank than the output");
  EI_ASSIGN_OR_RETURN(const Binding yb, b.output(0, true));
  EI_ASSIGN_OR_RETURN(const Binding xb, b.input(0, true));
  const std::vector<int64_t> xs = contiguous_strides(x);
  CopyView v;
  v.dims = y;
  v.dst = contiguous_strides(y);
  v.src.assign(y.size(), 0);
  const size_t off = y.size() - x.size();
  for (size_t i = 0; i < x.size(); ++i)
    v.src[off + i] = x[i] == 1 ? 0 : xs[i];
  return record_copy(b, yb, xb, v);
}

}  // namespace

void register_layout(OpTable& table) {
  for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"})
    table[op] = flat_copy;
  table["Transpose"] = transpose;
  table["Slice"] = slice;
  table["Concat"] = concat;
  table["Expand"] = expand;
}

}  // namespace edgeinfer::vulkan
