// Reference reductions (ONNX opsets 7..18): Softmax LogSoftmax Hardmax, the Reduce* family
// and ArgMax ArgMin.
//
// Floating-point reductions accumulate in double; integer sums and products in 64-bit two's
// complement (wrapping like numpy), rounded to the tensor type once per output.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "cpu/reference/dispatch.h"
#include "cpu/reference/families.h"

namespace edgeinfer::cpu::reference {
namespace {

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(v);
  } else {
    (void)v;
    return false;
  }
}

int64_t product(const Shape& shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i)
    n *= shape[i];
  return n;
}

// ---- Softmax, LogSoftmax, Hardmax -------------------------------------------------------

enum class SoftmaxKind { kSoftmax, kLogSoftmax, kHardmax };

// Opset < 13 flattens X to 2-D at `axis` (default 1) and normalizes each row; opset >= 13
// normalizes along the single dim `axis` (default -1). Both are (outer, length, inner) here.
Status softmax_family(KernelContext& ctx, SoftmaxKind kind) {
  if (!ctx.has_input(0)) return ctx.invalid("needs input X");
  const TensorView& x = ctx.input(0);
  const bool legacy = ctx.node().opset < 13;
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t axis_attr = ctx.node().attr_int("axis", legacy ? 1 : -1);
  int64_t outer, length, inner;
  if (rank == 0) {
    if (axis_attr != 0 && axis_attr != -1) {
      return ctx.invalid("axis " + std::to_string(axis_attr) + " is out of range for a scalar");
    }
    outer = length = inner = 1;
  } else if (legacy) {
    // The legacy coercion accepts axis == rank (rows of length 1).
    if (axis_attr < -rank || axis_attr > rank) {
      return ctx.invalid("axis " + std::to_string(axis_attr) + " is out of range for rank " +
                         std::to_string(rank));
    }
    const size_t axis = static_cast<size_t>(axis_attr < 0 ? axis_attr + rank : axis_attr);
    outer = product(x.shape, 0, axis);
    length = product(x.shape, axis, x.shape.size());
    inner = 1;
  } else {
    EI_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(ctx, axis_attr, rank));
    outer = product(x.shape, 0, static_cast<size_t>(axis));
    length = x.shape[axis];
    inner = product(x.shape, static_cast<size_t>(axis) + 1, x.shape.size());
  }
  return dispatch<float, double>(ctx, x.dtype, [&]<typename T>() -> Status {
    EI_ASSIGN_OR_RETURN(const TensorView* y_view, ctx.allocate_output_view(0, x.dtype, x.shape));
    const TensorView& y = *y_view;
    const T* xp = x.as<T>();
    T* yp = y.as<T>();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t base = o * length * inner + i;
        auto at = [&](int64_t l) { return base + l * inner; };
        // Maximum (first index of it for Hardmax).
        int64_t arg = 0;
        double max = -std::numeric_limits<double>::infinity();
        for (int64_t l = 0; l < length; ++l) {
          const double v = static_cast<double>(xp[at(l)]);
          if (v > max || l == 0) {
            max = v;
            arg = l;
          }
        }
        if (kind == SoftmaxKind::kHardmax) {
          for (int64_t l = 0; l < length; ++l)
            yp[at(l)] = static_cast<T>(l == arg ? 1 : 0);
          continue;
        }
        double sum = 0.0;
        for (int64_t l = 0; l < length; ++l)
          sum += std::exp(static_cast<double>(xp[at(l)]) - max);
        const double log_sum = std::log(sum);
        for (int64_t l = 0; l < length; ++l) {
          const double shifted = static_cast<double>(xp[at(l)]) - max;
          yp[at(l)] = static_cast<T>(kind == SoftmaxKind::kSoftmax ? std::exp(shifted) / sum
                                                                   : shifted - log_sum);
        }
      }
    }
    return Status::ok();
  });
}

Status softmax(KernelContext& ctx) {
  return softmax_family(ctx, SoftmaxKind::kSoftmax);
}
Status log_softmax(KernelContext& ctx) {
  return softmax_family(ctx, SoftmaxKind::kLogSoftmax);
}
Status hardmax(KernelContext& ctx) {
  return softmax_family(ctx, SoftmaxKind::kHardmax);
}

// ---- Reduce* ----------------------------------------------------------------------------

enum class ReduceKind {
  kSum,
  kMean,
  kMax,
  kMin,
  kProd,
  kL1,
  kL2,
  kLogSum,
  kLogSumExp,
  kSumSquare,
};

// Which dims a reduction covers and the resulting shape.
struct ReducePlan {
  bool identity = false;         // noop_with_empty_axes with no axes: Y = X
  std::vector<bool> reduced;     // per dim of X
  Shape out_shape;               // with or without the kept 1s
  std::vector<int64_t> offsets;  // offsets in X of the elements of one reduction
  std::vector<int64_t> bases;    // offset in X of the first element of each output
};

Result<ReducePlan> plan_reduction(const KernelContext& ctx, const Shape& shape,
                                  std::vector<int64_t> axes, bool keepdims, bool noop_if_empty) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  ReducePlan plan;
  plan.reduced.assign(shape.size(), axes.empty());
  if (axes.empty() && noop_if_empty) {
    plan.identity = true;
    plan.out_shape = shape;
    return plan;
  }
  for (int64_t a : axes) {
    EI_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(ctx, a, rank));
    if (plan.reduced[axis] && !axes.empty()) {
      return ctx.invalid("axis " + std::to_string(a) + " is listed twice");
    }
    plan.reduced[axis] = true;
  }
  Shape kept_dims, reduced_dims;
  std::vector<int64_t> kept_strides, reduced_strides;
  const std::vector<int64_t> strides = strides_of(shape);
  for (size_t d = 0; d < shape.size(); ++d) {
    if (plan.reduced[d]) {
      reduced_dims.push_back(shape[d]);
      reduced_strides.push_back(strides[d]);
      if (keepdims) plan.out_shape.push_back(1);
    } else {
      kept_dims.push_back(shape[d]);
      kept_strides.push_back(strides[d]);
      plan.out_shape.push_back(shape[d]);
    }
  }
  EI_RETURN_IF_ERROR(check_shape(ctx, plan.out_shape));
  // Offsets of an index space given its dims and strides in X.
  auto offsets_of = [](const Shape& dims, const std::vector<int64_t>& st) {
    const int64_t count = shape_elements(dims);
    std::vector<int64_t> out(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) {
      int64_t rest = i, off = 0;
      for (size_t d = dims.size(); d-- > 0;) {
        off += (rest % dims[d]) * st[d];
        rest /= dims[d];
      }
      out[i] = off;
    }
    return out;
  };
  plan.offsets = offsets_of(reduced_dims, reduced_strides);
  plan.bases = offsets_of(kept_dims, kept_strides);
  return plan;
}

template <typename T>
T reduce_one(ReduceKind kind, const T* x, const std::vector<int64_t>& offsets) {
  const int64_t count = static_cast<int64_t>(offsets.size());
  if constexpr (std::is_floating_point_v<T>) {
    double acc;
    switch (kind) {
      case ReduceKind::kMax:
      case ReduceKind::kMin: {
        const bool is_max = kind == ReduceKind::kMax;
        acc = is_max ? -std::numeric_limits<double>::infinity()
                     : std::numeric_limits<double>::infinity();
        for (int64_t off : offsets) {
          const double v = static_cast<double>(x[off]);
          if (std::isnan(v)) return static_cast<T>(v);  // NaN propagates, as numpy
          acc = is_max ? std::max(acc, v) : std::min(acc, v);
        }
        return static_cast<T>(acc);
      }
      case ReduceKind::kProd:
        acc = 1.0;
        for (int64_t off : offsets)
          acc *= static_cast<double>(x[off]);
        return static_cast<T>(acc);
      case ReduceKind::kLogSumExp: {
        double max = -std::numeric_limits<double>::infinity();
        for (int64_t off : offsets)
          max = std::max(max, static_cast<double>(x[off]));
        if (!std::isfinite(max)) {
          // All -inf or empty: -inf; any +inf: +inf; NaN is handled by the sum below.
          bool any_nan = false;
          for (int64_t off : offsets)
            any_nan = any_nan || std::isnan(static_cast<double>(x[off]));
          if (!any_nan) return static_cast<T>(max);
        }
        acc = 0.0;
        for (int64_t off : offsets)
          acc += std::exp(static_cast<double>(x[off]) - max);
        return static_cast<T>(max + std::log(acc));
      }
      default:
        break;
    }
    acc = 0.0;
    for (int64_t off : offsets) {
      const double v = static_cast<double>(x[off]);
      switch (kind) {
        case ReduceKind::kL1:
          acc += std::fabs(v);
          break;
        case ReduceKind::kL2:
        case ReduceKind::kSumSquare:
          acc += v * v;
          break;
        default:
          acc += v;
          break;
      }
    }
    switch (kind) {
      case ReduceKind::kMean:
        return static_cast<T>(acc / static_cast<double>(count));
      case ReduceKind::kL2:
        return static_cast<T>(std::sqrt(acc));
      case ReduceKind::kLogSum:
        return static_cast<T>(std::log(acc));
      default:
        return static_cast<T>(acc);
    }
  } else {
    // Integers: exact 64-bit arithmetic where the result is an integer; the logarithmic and
    // root forms go through double.
    auto wide = [](T v) -> uint64_t {
      if constexpr (std::is_signed_v<T>) {
        return static_cast<uint64_t>(static_cast<int64_t>(v));
      } else {
        return static_cast<uint64_t>(v);
      }
    };
    switch (kind) {
      case ReduceKind::kMax: {
        T best = std::numeric_limits<T>::lowest();
        for (int64_t off : offsets)
          best = std::max(best, x[off]);
        return best;
      }
      case ReduceKind::kMin: {
        T best = std::numeric_limits<T>::max();
        for (int64_t off : offsets)
          best = std::min(best, x[off]);
        return best;
      }
      case ReduceKind::kProd: {
        uint64_t acc = 1;
        for (int64_t off : offsets)
          acc *= wide(x[off]);
        return static_cast<T>(acc);
      }
      case ReduceKind::kSum:
      case ReduceKind::kSumSquare:
      case ReduceKind::kL1: {
        uint64_t acc = 0;
        for (int64_t off : offsets) {
          const uint64_t v = wide(x[off]);
          if (kind == ReduceKind::kSumSquare) {
            acc += v * v;
          } else if (kind == ReduceKind::kL1 && std::is_signed_v<T> && x[off] < T{0}) {
            acc -= v;
          } else {
            acc += v;
          }
        }
        return static_cast<T>(acc);
      }
      case ReduceKind::kMean: {
        if (count == 0) return T{0};
        if constexpr (std::is_signed_v<T>) {
          uint64_t acc = 0;
          for (int64_t off : offsets)
            acc += wide(x[off]);
          return static_cast<T>(static_cast<int64_t>(acc) / count);  // truncates, as numpy
        } else {
          uint64_t acc = 0;
          for (int64_t off : offsets)
            acc += wide(x[off]);
          return static_cast<T>(acc / static_cast<uint64_t>(count));
        }
      }
      default: {
        double acc = 0.0, max = -std::numeric_limits<double>::infinity();
        for (int64_t off : offsets)
          max = std::max(max, static_cast<double>(x[off]));
        for (int64_t off : offsets) {
          const double v = static_cast<double>(x[off]);
          if (kind == ReduceKind::kL2) acc += v * v;
          if (kind == ReduceKind::kLogSum) acc += v;
          if (kind == ReduceKind::kLogSumExp) acc += std::exp(v - max);
        }
        if (kind == ReduceKind::kL2) return static_cast<T>(std::sqrt(acc));
        if (kind == ReduceKind::kLogSum) return static_cast<T>(std::log(acc));
        return static_cast<T>(offsets.empty() ? 0.0 : max + std::log(acc));
      }
    }
  }
}

// Axes come from the optional second input (ReduceSum >= 13, the others >= 18) or from the
// 'axes' attribute (earlier opsets). No axes means all axes, or Y = X when
// noop_with_empty_axes is set.
Status reduce(KernelContext& ctx, ReduceKind kind) {
  if (!ctx.has_input(0)) return ctx.invalid("needs input data");
  const ir::Node& node = ctx.node();
  const TensorView& x = ctx.input(0);
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) {
    EI_ASSIGN_OR_RETURN(axes, read_int_tensor(ctx, 1));
  } else {
    axes = node.attr_ints("axes");
  }
  const bool keepdims = node.attr_int("keepdims", 1) != 0;
  const bool noop = node.attr_int("noop_with_empty_axes", 0) != 0;
  EI_ASSIGN_OR_RETURN(ReducePlan plan, plan_reduction(ctx, x.shape, axes, keepdims, noop));
  auto run = [&]<typename T>() -> Status {
    EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                        ctx.allocate_output_view(0, x.dtype, plan.out_shape));
    const TensorView& y = *y_view;
    if (plan.identity) {
      if (x.bytes() > 0) std::memcpy(y.data, x.data, x.bytes());
      return Status::ok();
    }
    const T* xp = x.as<T>();
    T* yp = y.as<T>();
    for (size_t o = 0; o < plan.bases.size(); ++o) {
      yp[o] = reduce_one<T>(kind, xp + plan.bases[o], plan.offsets);
    }
    return Status::ok();
  };
  if (kind == ReduceKind::kMax || kind == ReduceKind::kMin) {
    return dispatch<float, double, int32_t, int64_t, int8_t, uint8_t, uint32_t, uint64_t>(
        ctx, x.dtype, run);
  }
  return dispatch<float, double, int32_t, int64_t, uint32_t, uint64_t>(ctx, x.dtype, run);
}

Status reduce_sum(KernelContext& ctx) {
  return reduce(ctx, ReduceKind::kSum);
}
Status reduce_mean(KernelContext& ctx) {
  return reduce(ctx, ReduceKind::kMean);
}
Status reduce_max(KernelContext& ctx) {
  return reduce(ctx, ReduceKind::kMax);
}
Status reduce_min(KernelContext& ctx) {
  return reduce(ctx, ReduceKind::kMin);
}
Status reduce_prod(KernelContext& ctx) {
  return reduce(ctx, ReduceKind::kProd);
}
Status reduce_l1(KernelContext& ctx) {
  return reduce(ctx, ReduceKind::kL1);
}
Status reduce_l2(KernelContext& ctx) {
  return reduce(ctx, ReduceKind::kL2);
}
Status reduce_log_sum(KernelContext& ctx) {
  return reduce(ctx, ReduceKind::kLogSum);
}
Status reduce_log_sum_exp(KernelContext& ctx) {
  return reduce(ctx, ReduceKind::kLogSumExp);
}
Status reduce_sum_square(KernelContext& ctx) {
  return reduce(ctx, ReduceKind::kSumSquare);
}

// ---- ArgMax, ArgMin ---------------------------------------------------------------------

Status arg_reduce(KernelContext& ctx, bool is_max) {
  if (!ctx.has_input(0)) return ctx.invalid("needs input data");
  const ir::Node& node = ctx.node();
  const TensorView& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  EI_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(ctx, node.attr_int("axis", 0), rank));
  const bool keepdims = node.attr_int("keepdims", 1) != 0;
  const bool last = node.attr_int("select_last_index", 0) != 0;
  const int64_t length = x.shape[axis];
  if (length == 0) {
    return ctx.invalid("cannot take the arg" + std::string(is_max ? "max" : "min") +
                       " along empty axis " + std::to_string(axis) + " of " +
                       shape_to_string(x.shape));
  }
  const int64_t outer = product(x.shape, 0, static_cast<size_t>(axis));
  const int64_t inner = product(x.shape, static_cast<size_t>(axis) + 1, x.shape.size());
  Shape out_shape = x.shape;
  if (keepdims) {
    out_shape[axis] = 1;
  } else {
    out_shape.erase(out_shape.begin() + axis);
  }
  return dispatch<float, double, int32_t, int64_t, int8_t, uint8_t, uint32_t, uint64_t>(
      ctx, x.dtype, [&]<typename T>() -> Status {
        EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                            ctx.allocate_output_view(0, DType::kInt64, out_shape));
        const TensorView& y = *y_view;
        const T* xp = x.as<T>();
        int64_t* yp = y.as<int64_t>();
        for (int64_t o = 0; o < outer; ++o) {
          for (int64_t i = 0; i < inner; ++i) {
            const T* row = xp + o * length * inner + i;
            int64_t arg = 0;
            T best = row[0];
            for (int64_t l = 1; l < length; ++l) {
              const T v = row[l * inner];
              if (is_nan(best)) break;  // the first NaN wins, as numpy
              const bool better =
                  is_max ? (last ? v >= best : v > best) : (last ? v <= best : v < best);
              if (better || is_nan(v)) {
                best = v;
                arg = l;
              }
            }
            yp[o * inner + i] = arg;
          }
        }
        return Status::ok();
      });
}

Status arg_max(KernelContext& ctx) {
  return arg_reduce(ctx, true);
}
Status arg_min(KernelContext& ctx) {
  return arg_reduce(ctx, false);
}

}  // namespace

void register_reduction(KernelRegistry& registry) {
  registry.add("Softmax", softmax);
  registry.add("LogSoftmax", log_softmax);
  registry.add("Hardmax", hardmax);
  registry.add("ReduceSum", reduce_sum);
  registry.add("ReduceMean", reduce_mean);
  registry.add("ReduceMax", reduce_max);
  registry.add("ReduceMin", reduce_min);
  registry.add("ReduceProd", reduce_prod);
  registry.add("ReduceL1", reduce_l1);
  registry.add("ReduceL2", reduce_l2);
  registry.add("ReduceLogSum", reduce_log_sum);
  registry.add("ReduceLogSumExp", reduce_log_sum_exp);
  registry.add("ReduceSumSquare", reduce_sum_square);
  registry.add("ArgMax", arg_max);
  registry.add("ArgMin", arg_min);
}

}  // namespace edgeinfer::cpu::reference
