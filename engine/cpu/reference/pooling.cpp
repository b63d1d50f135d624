// Reference pooling (ONNX opsets 1..18): AveragePool, MaxPool (with the optional Indices
// output), LpPool and their Global* forms, for any number of spatial dims.
//
// Each output element visits its window directly; sums accumulate in double.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/blocked_layout.h"
#include "cpu/reference/dispatch.h"
#include "cpu/reference/families.h"
#include "cpu/reference/nn_window.h"

namespace edgeinfer::cpu::reference {
namespace {

enum class PoolKind { kMax, kAverage, kLp };

struct PoolParams {
  PoolKind kind = PoolKind::kMax;
  bool count_include_pad = false;  // AveragePool: divide by the window size within the pads
  double p = 2.0;                  // LpPool
  bool column_major = false;       // MaxPool storage_order=1 for Indices
};

Status check_input(const KernelContext& ctx) {
  if (!ctx.has_input(0)) return ctx.invalid("needs input X");
  const TensorView& x = ctx.input(0);
  if (x.shape.size() < 3) {
    return ctx.invalid("input X must have shape N x C x D1 x ... (rank >= 3), got " +
                       shape_to_string(x.shape));
  }
  return Status::ok();
}

// Pools every N x C plane of x over `win`; `indices` (may be null) gets MaxPool's argmax as
// an index into the flattened X.
template <typename T>
void pool_planes(const Window& win, const PoolParams& params, const T* x, T* y, int64_t* indices,
                 int64_t planes) {
  const size_t r = win.rank();
  const int64_t in_size = product(win.input);
  const int64_t out_size = product(win.output);
  const int64_t kernel_size = product(win.kernel);
  // Strides of X's spatial dims for the Indices output (row- or column-major).
  std::vector<int64_t> index_strides(r, 1);
  if (params.column_major) {
    for (size_t d = 1; d < r; ++d)
      index_strides[d] = index_strides[d - 1] * win.input[d - 1];
  } else {
    for (size_t d = r - 1; d-- > 0;)
      index_strides[d] = index_strides[d + 1] * win.input[d + 1];
  }
  std::vector<int64_t> o, k;
  for (int64_t plane = 0; plane < planes; ++plane) {
    const T* xp = x + plane * in_size;
    for (int64_t oi = 0; oi < out_size; ++oi) {
      unflatten(oi, win.output, o);
      double sum = 0.0;
      int64_t count = 0;         // window positions inside X
      int64_t padded_count = 0;  // window positions inside X plus its pads
      T best = std::numeric_limits<T>::lowest();
      int64_t best_index = -1;
      for (int64_t ki = 0; ki < kernel_size; ++ki) {
        unflatten(ki, win.kernel, k);
        bool inside = true;
        bool in_pads = true;
        int64_t flat = 0;
        int64_t index = 0;
        for (size_t d = 0; d < r; ++d) {
          const int64_t pos = o[d] * win.strides[d] + k[d] * win.dilations[d] - win.pads_begin[d];
          if (pos < 0 || pos >= win.input[d]) inside = false;
          if (pos < -win.pads_begin[d] || pos >= win.input[d] + win.pads_end[d]) in_pads = false;
          flat = flat * win.input[d] + pos;
          index += pos * index_strides[d];
        }
        if (in_pads) ++padded_count;
        if (!inside) continue;
        ++count;
        const T v = xp[flat];
        switch (params.kind) {
          case PoolKind::kMax:
            if (best_index < 0 || v > best) {
              best = v;
              best_index = index;
            }
            break;
          case PoolKind::kAverage:
            sum += static_cast<double>(v);
            break;
          case PoolKind::kLp:
            sum += std::pow(std::fabs(static_cast<double>(v)), params.p);
            break;
        }
      }
      T result;
      if (params.kind == PoolKind::kMax) {
        result = best;
        if (indices)
          indices[plane * out_size + oi] = plane * in_size + std::max<int64_t>(best_index, 0);
      } else if (params.kind == PoolKind::kAverage) {
        const int64_t divisor = params.count_include_pad ? padded_count : count;
        result = static_cast<T>(divisor > 0 ? sum / static_cast<double>(divisor) : 0.0);
      } else {
        result = static_cast<T>(std::pow(sum, 1.0 / params.p));
      }
      y[plane * out_size + oi] = result;
    }
  }
}

template <typename T>
Status run_pool(KernelContext& ctx, const Window& win, const PoolParams& params) {
  const TensorView& x = ctx.input(0);
  Shape out_shape{x.shape[0], x.shape[1]};
  out_shape.insert(out_shape.end(), win.output.begin(), win.output.end());
  EI_RETURN_IF_ERROR(check_shape(ctx, out_shape));
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, ctx.allocate_output_view(0, x.dtype, out_shape));
  const TensorView& y = *y_view;
  int64_t* indices = nullptr;
  if (params.kind == PoolKind::kMax && ctx.wants_output(1)) {
    EI_ASSIGN_OR_RETURN(const TensorView* idx_view,
                        ctx.allocate_output_view(1, DType::kInt64, out_shape));
    const TensorView& idx = *idx_view;
    indices = idx.as<int64_t>();
  }
  pool_planes<T>(win, params, x.as<T>(), y.as<T>(), indices, x.shape[0] * x.shape[1]);
  return Status::ok();
}

Result<double> lp_order(const KernelContext& ctx) {
  const ir::Node& node = ctx.node();
  double p = 2.0;
  if (node.has_attr("p")) {
    const ir::Attribute& a = node.attributes.at("p");
    if (const auto* i = std::get_if<int64_t>(&a)) p = static_cast<double>(*i);
    if (const auto* f = std::get_if<float>(&a)) p = *f;  // opset 1 had a float p
  }
  if (!(p > 0.0)) return ctx.invalid("p must be positive, got " + std::to_string(p));
  return p;
}

Status windowed_pool(KernelContext& ctx, PoolKind kind) {
  EI_RETURN_IF_ERROR(check_input(ctx));
  const TensorView& x = ctx.input(0);
  const ir::Node& node = ctx.node();
  const size_t rank = x.shape.size() - 2;
  if (!node.has_attr("kernel_shape")) return ctx.invalid("attribute 'kernel_shape' is required");
  EI_ASSIGN_OR_RETURN(std::vector<int64_t> kernel,
                      spatial_attr(ctx, "kernel_shape", rank, 1, true));
  const std::vector<int64_t> input(x.shape.begin() + 2, x.shape.end());
  const bool ceil_mode = node.attr_int("ceil_mode", 0) != 0;
  EI_ASSIGN_OR_RETURN(Window win, forward_window(ctx, input, kernel, true, ceil_mode));
  PoolParams params;
  params.kind = kind;
  params.count_include_pad = node.attr_int("count_include_pad", 0) != 0;
  params.column_major = node.attr_int("storage_order", 0) != 0;
  if (kind == PoolKind::kLp) {
    EI_ASSIGN_OR_RETURN(params.p, lp_order(ctx));
  }
  if (kind == PoolKind::kMax) {
    return dispatch<float, double, int8_t, uint8_t>(
        ctx, x.dtype, [&]<typename T>() { return run_pool<T>(ctx, win, params); });
  }
  return dispatch<float, double>(ctx, x.dtype,
                                 [&]<typename T>() { return run_pool<T>(ctx, win, params); });
}

// Global pooling: one window covering all spatial dims.
Status global_pool(KernelContext& ctx, PoolKind kind) {
  EI_RETURN_IF_ERROR(check_input(ctx));
  const TensorView& x = ctx.input(0);
  Window win;
  win.input.assign(x.shape.begin() + 2, x.shape.end());
  win.kernel = win.input;
  const size_t rank = win.input.size();
  win.strides.assign(rank, 1);
  win.dilations.assign(rank, 1);
  win.pads_begin.assign(rank, 0);
  win.pads_end.assign(rank, 0);
  win.output.assign(rank, 1);
  PoolParams params;
  params.kind = kind;
  if (kind == PoolKind::kLp) {
    EI_ASSIGN_OR_RETURN(params.p, lp_order(ctx));
  }
  if (product(win.input) == 0 && kind == PoolKind::kMax) {
    return ctx.invalid("cannot take the maximum over empty spatial dims of X " +
                       shape_to_string(x.shape));
  }
  if (kind == PoolKind::kMax) {
    return dispatch<float, double, int8_t, uint8_t>(
        ctx, x.dtype, [&]<typename T>() { return run_pool<T>(ctx, win, params); });
  }
  return dispatch<float, double>(ctx, x.dtype,
                                 [&]<typename T>() { return run_pool<T>(ctx, win, params); });
}

Status average_pool(KernelContext& ctx) {
  return windowed_pool(ctx, PoolKind::kAverage);
}
Status max_pool(KernelContext& ctx) {
  return windowed_pool(ctx, PoolKind::kMax);
}
Status lp_pool(KernelContext& ctx) {
  return windowed_pool(ctx, PoolKind::kLp);
}
Status global_average_pool(KernelContext& ctx) {
  return global_pool(ctx, PoolKind::kAverage);
}
Status global_max_pool(KernelContext& ctx) {
  return global_pool(ctx, PoolKind::kMax);
}
Status global_lp_pool(KernelContext& ctx) {
  return global_pool(ctx, PoolKind::kLp);
}

}  // namespace

void register_pooling(KernelRegistry& registry) {
  registry.add("AveragePool", with_blocked_layout<average_pool>);
  registry.add("MaxPool", with_blocked_layout<max_pool>);
  registry.add("LpPool", lp_pool);
  registry.add("GlobalAveragePool", with_blocked_layout<global_average_pool>);
  registry.add("GlobalMaxPool", with_blocked_layout<global_max_pool>);
  registry.add("GlobalLpPool", global_lp_pool);
}

}  // namespace edgeinfer::cpu::reference
