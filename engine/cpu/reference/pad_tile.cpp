// Ops that grow a tensor by repeating or padding it: Tile and Pad. Both build, per axis, a map
// from output position to input position and then copy element by element.
#include <set>

#include "cpu/reference/tensor_ops.h"

namespace edgeinfer::cpu::reference {

namespace {

Status tile(KernelContext& ctx) {
  const TensorView& x = ctx.input(0);
  EI_ASSIGN_OR_RETURN(const std::vector<int64_t> repeats, read_int_tensor(ctx, 1));
  if (repeats.size() != x.shape.size()) {
    return ctx.invalid("repeats " + shape_to_string(repeats) + " do not match the rank of " +
                       shape_to_string(x.shape));
  }
  Shape out(x.shape.size());
  for (size_t d = 0; d < out.size(); ++d) {
    if (repeats[d] < 0) {
      return ctx.invalid("repeats " + shape_to_string(repeats) + " has a negative entry");
    }
    if (__builtin_mul_overflow(x.shape[d], repeats[d], &out[d])) {
      return ctx.fail(StatusCode::kOutOfMemory, "tiling " + shape_to_string(x.shape) + " by " +
                                                    shape_to_string(repeats) + " is too large");
    }
  }
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, allocate_checked(ctx, 0, x.dtype, out));
  const TensorView& y = *y_view;
  const std::vector<int64_t> strides = strides_of(x.shape);
  const size_t elem = dtype_size(x.dtype);
  unsigned char* dst = mutable_bytes_of(y);
  for_each_index(out, [&](const std::vector<int64_t>& index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset += (index[d] % x.shape[d]) * strides[d];
    std::memcpy(dst, bytes_of(x) + static_cast<size_t>(offset) * elem, elem);
    dst += elem;
  });
  return Status::ok();
}

struct PadArgs {
  std::string mode;
  std::vector<int64_t> begin, end;   // per axis of the input, may be negative (crop)
  std::vector<unsigned char> value;  // one element of the input dtype
};

Result<PadArgs> pad_args(const KernelContext& ctx, const TensorView& x) {
  const ir::Node& node = ctx.node();
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  PadArgs a;
  a.mode = node.attr_string("mode", "constant");
  if (a.mode != "constant" && a.mode != "reflect" && a.mode != "edge" && a.mode != "wrap") {
    return ctx.invalid("unknown mode '" + a.mode + "'");
  }
  std::vector<int64_t> pads;
  if (node.opset < 11) {
    pads = node.attr_ints("pads");
    a.value = scalar_bytes(x.dtype, node.attr_float("value", 0.0f));
  } else {
    EI_ASSIGN_OR_RETURN(pads, read_int_tensor(ctx, 1));
    a.value.assign(dtype_size(x.dtype), 0);
    if (ctx.has_input(2) && ctx.input(2).elements() > 0) {
      const TensorView& v = ctx.input(2);
      if (v.dtype != x.dtype) {
        return ctx.invalid(std::string("constant_value is ") + dtype_name(v.dtype) +
                           " but the data is " + dtype_name(x.dtype));
      }
      copy_bytes(a.value.data(), v.data, a.value.size());
    }
  }
  std::vector<int64_t> axes;
  if (node.opset >= 18 && ctx.has_input(3)) {
    EI_ASSIGN_OR_RETURN(std::vector<int64_t> raw, read_int_tensor(ctx, 3));
    EI_ASSIGN_OR_RETURN(axes, normalize_axes(ctx, raw, rank));
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  const size_t k = axes.size();
  if (pads.size() != 2 * k) {
    return ctx.invalid("pads " + shape_to_string(pads) + " must have 2 x " + std::to_string(k) +
                       " values for input " + shape_to_string(x.shape));
  }
  a.begin.assign(x.shape.size(), 0);
  a.end.assign(x.shape.size(), 0);
  for (size_t i = 0; i < k; ++i) {
    a.begin[axes[i]] = pads[i];
    a.end[axes[i]] = pads[i + k];
  }
  return a;
}

// For each output position along one axis, the input position, or -1 for the constant.
// Negative pads crop first; the remaining input is then padded (as numpy.pad would).
Result<std::vector<int64_t>> pad_map(const KernelContext& ctx, const std::string& mode, int64_t dim,
                                     int64_t begin, int64_t end, int64_t out) {
  const int64_t lo = begin < 0 ? -begin : 0;
  const int64_t kept = dim - lo - (end < 0 ? -end : 0);  // input size after cropping
  const int64_t before = begin > 0 ? begin : 0;
  if (mode != "constant" && kept <= 0 && out > 0) {
    return ctx.invalid("cannot pad an empty axis in mode '" + mode + "'");
  }
  std::vector<int64_t> map(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    int64_t j = o - before;  // position in the cropped input
    if (j < 0 || j >= kept) {
      if (mode == "constant") {
        map[o] = -1;
        continue;
      } else if (mode == "edge") {
        j = j < 0 ? 0 : kept - 1;
      } else if (mode == "wrap") {
        j = ((j % kept) + kept) % kept;
      } else if (kept == 1) {  // reflect
        j = 0;
      } else {
        const int64_t period = 2 * (kept - 1);
        j = ((j % period) + period) % period;
        if (j >= kept) j = period - j;
      }
    }
    map[o] = lo + j;
  }
  return map;
}

Status pad(KernelContext& ctx) {
  const TensorView& x = ctx.input(0);
  EI_ASSIGN_OR_RETURN(const PadArgs args, pad_args(ctx, x));
  const size_t rank = x.shape.size();
  Shape out(rank);
  for (size_t d = 0; d < rank; ++d) {
    int64_t size = 0;
    if (__builtin_add_overflow(x.shape[d], args.begin[d], &size) ||
        __builtin_add_overflow(size, args.end[d], &size) || size < 0) {
      return ctx.invalid("pads begin " + shape_to_string(args.begin) + " end " +
                         shape_to_string(args.end) + " do not fit input " +
                         shape_to_string(x.shape));
    }
    out[d] = size;
  }
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, allocate_checked(ctx, 0, x.dtype, out));
  const TensorView& y = *y_view;
  if (y.elements() == 0) return Status::ok();  // (and a huge dim next to a 0 needs no map)
  std::vector<std::vector<int64_t>> maps;
  for (size_t d = 0; d < rank; ++d) {
    EI_ASSIGN_OR_RETURN(std::vector<int64_t> m,
                        pad_map(ctx, args.mode, x.shape[d], args.begin[d], args.end[d], out[d]));
    maps.push_back(std::move(m));
  }
  const std::vector<int64_t> strides = strides_of(x.shape);
  const size_t elem = dtype_size(x.dtype);
  unsigned char* dst = mutable_bytes_of(y);
  for_each_index(out, [&](const std::vector<int64_t>& index) {
    int64_t offset = 0;
    bool inside = true;
    for (size_t d = 0; d < rank && inside; ++d) {
      const int64_t i = maps[d][index[d]];
      inside = i >= 0;
      offset += i * strides[d];
    }
    std::memcpy(dst, inside ? bytes_of(x) + static_cast<size_t>(offset) * elem : args.value.data(),
                elem);
    dst += elem;
  });
  return Status::ok();
}

}  // namespace

void register_pad_tile(KernelRegistry& registry) {
  registry.add("Tile", tile);
  registry.add("Pad", pad);
}

}  // namespace edgeinfer::cpu::reference
