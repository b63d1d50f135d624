// Fast float32 2-D AveragePool and MaxPool (any kernel, strides, pads, ceil_mode,
// count_include_pad; dilation 1) and GlobalAveragePool.
//
// A pooling window is a rectangle, so it is done in two separable passes per output row: the
// kernel's input rows are combined (summed or maxed) into one padded row, a contiguous loop,
// and then each output element combines kernel_w neighbours of that row. The padding holds the
// neutral value (0 for sums, lowest() for max), so no loop tests borders. The average divisor
// is the product of the row count and the column count of the window, both looked up in
// tables. Dilation, the Indices output, other ranks and types go to the reference kernel.
// Nodes on blocked channel layouts go to pooling_nchwc.cpp (GlobalMaxPool is registered for
// those only).
#include <algorithm>
#include <limits>
#include <vector>

#include "cpu/blocked_layout.h"
#include "cpu/fast/common.h"
#include "cpu/fast/families.h"
#include "cpu/fast/pooling.h"
#include "cpu/reference/nn_window.h"
#include "cpu/run_cache.h"

namespace edgeinfer::cpu::fast {
namespace {

using reference::Window;

struct MaxOp {
  static float neutral() { return std::numeric_limits<float>::lowest(); }
  static float combine(float a, float b) { return a < b ? b : a; }
};
struct SumOp {
  static float neutral() { return 0.0f; }
  static float combine(float a, float b) { return a + b; }
};

template <typename Op>
EI_VECTOR_CLONES void combine_row(float* __restrict acc, const float* __restrict row, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    acc[i] = Op::combine(acc[i], row[i]);
}

// Output row `oy` of one plane. `padded` is scratch: pad_left + in_w + enough right padding
// for the last window.
template <typename Op, bool kAverage>
EI_VECTOR_CLONES void pool_row(const Window& win, const AxisWindows& rows, const AxisWindows& cols,
                               const float* plane, float* out, int64_t oy, float* padded,
                               int64_t padded_w) {
  const int64_t in_w = win.input[1];
  const int64_t out_w = win.output[1];
  const int64_t kw = win.kernel[1];
  const int64_t sw = win.strides[1];
  const int64_t pad_left = win.pads_begin[1];
  std::fill(padded, padded + padded_w, Op::neutral());
  float* acc = padded + pad_left;
  for (int64_t iy = rows.begin[oy]; iy < rows.end[oy]; ++iy)
    combine_row<Op>(acc, plane + iy * in_w, in_w);
  const float* p = padded;
  for (int64_t ox = 0; ox < out_w; ++ox) {
    const float* window = p + ox * sw;
    float v = window[0];
    for (int64_t k = 1; k < kw; ++k)
      v = Op::combine(v, window[k]);
    if constexpr (kAverage) {
      const float divisor = rows.count[oy] * cols.count[ox];
      v = divisor > 0.0f ? v / divisor : 0.0f;
    }
    out[ox] = v;
  }
}

// What a windowed pool computes from the node and its input's shape, kept for the next run.
struct PoolRunCache final : RunCache {
  InputsKey key;
  bool fast = false;  // false: the reference kernel handles this node
  Window win;
  Shape out_shape;
  bool count_include_pad = false;
  AxisWindows rows, cols;
  // The last window may reach past the right pad (ceil_mode): a padded row covers it too.
  int64_t padded_w = 0;
};

// Plans the run into `rc`; rc.fast stays false for what the reference kernel must handle.
void plan_pool(const KernelContext& ctx, PoolRunCache& rc) {
  rc.fast = false;
  const ir::Node& node = ctx.node();
  const std::vector<int64_t> kernel = node.attr_ints("kernel_shape", {});
  const std::vector<int64_t> dilations = node.attr_ints("dilations", {1, 1});
  if (kernel.size() != 2 || dilations != std::vector<int64_t>{1, 1}) return;
  const TensorView& x = ctx.input(0);
  const std::vector<int64_t> input(x.shape.begin() + 2, x.shape.end());
  auto win =
      reference::forward_window(ctx, input, kernel, false, node.attr_int("ceil_mode", 0) != 0);
  // The reference reports bad attributes and handles empty inputs.
  if (!win || x.elements() == 0) return;
  rc.win = std::move(*win);
  rc.out_shape = {x.shape[0], x.shape[1], rc.win.output[0], rc.win.output[1]};
  rc.count_include_pad = node.attr_int("count_include_pad", 0) != 0;
  rc.rows = plan_pool_axis(rc.win, 0, rc.count_include_pad);
  rc.cols = plan_pool_axis(rc.win, 1, rc.count_include_pad);
  rc.padded_w = std::max(rc.win.pads_begin[1] + rc.win.input[1],
                         (rc.win.output[1] - 1) * rc.win.strides[1] + rc.win.kernel[1]);
  rc.fast = true;
}

template <typename Op, bool kAverage>
void pool(KernelContext& ctx, PoolRunCache& rc, const float* x, float* y, int64_t planes) {
  const Window& win = rc.win;
  const int64_t in_size = win.input[0] * win.input[1];
  const int64_t out_h = win.output[0];
  const int64_t out_w = win.output[1];
  // One row per output row of every plane; one padded row per thread.
  const JobScratch padded_rows(ctx.thread_pool(), 0, static_cast<size_t>(rc.padded_w));
  for_rows_on_threads(ctx, planes * out_h, out_w * win.kernel[0] * win.kernel[1],
                      [&](int64_t begin, int64_t end, int thread) {
                        float* padded = padded_rows.at(thread);
                        for (int64_t r = begin; r < end; ++r) {
                          const int64_t plane = r / out_h;
                          const int64_t oy = r % out_h;
                          pool_row<Op, kAverage>(win, rc.rows, rc.cols, x + plane * in_size,
                                                 y + r * out_w, oy, padded, rc.padded_w);
                        }
                      });
}

Status windowed_pool(KernelContext& ctx, bool average) {
  if (uses_blocked_layout(ctx.node())) {
    return blocked_pool(ctx, average ? BlockedPool::kAverage : BlockedPool::kMax);
  }
  if (!float_inputs(ctx, 1) || ctx.input(0).shape.size() != 4 || ctx.wants_output(1)) {
    return run_reference(ctx);
  }
  PoolRunCache& rc = run_cache_of<PoolRunCache>(ctx);
  if (!rc.key.matches(ctx, ctx.input_count())) {
    rc.key.clear();
    plan_pool(ctx, rc);
    rc.key.store(ctx, ctx.input_count());
  }
  if (!rc.fast) return run_reference(ctx);
  const TensorView& x = ctx.input(0);
  EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                      ctx.allocate_output_view(0, DType::kFloat32, rc.out_shape));
  const TensorView& y = *y_view;
  if (y.elements() == 0) return Status::ok();
  const int64_t planes = x.shape[0] * x.shape[1];
  if (average) {
    pool<SumOp, true>(ctx, rc, x.as<float>(), y.as<float>(), planes);
  } else {
    pool<MaxOp, false>(ctx, rc, x.as<float>(), y.as<float>(), planes);
  }
  return Status::ok();
}

// Mean of each contiguous N x C plane, with eight partial sums.
EI_VECTOR_CLONES float plane_mean(const float* x, int64_t n) {
  float lanes[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j)
      lanes[j] += x[i + j];
  }
  float sum = 0.0f;
  for (int j = 0; j < 8; ++j)
    sum += lanes[j];
  for (; i < n; ++i)
    sum += x[i];
  return sum / static_cast<float>(n);
}

Status global_average_pool_kernel(KernelContext& ctx) {
  if (uses_blocked_layout(ctx.node())) return blocked_pool(ctx, BlockedPool::kGlobalAverage);
  if (!float_inputs(ctx, 1) || ctx.input(0).shape.size() < 3) return run_reference(ctx);
  const TensorView& x = ctx.input(0);
  const int64_t planes = x.shape[0] * x.shape[1];
  const int64_t size = planes > 0 ? x.elements() / planes : 0;
  if (size == 0) return run_reference(ctx);
  Shape& out_shape = run_cache_of<ShapeCache>(ctx).shape;
  out_shape.assign(x.shape.size(), 1);
  out_shape[0] = x.shape[0];
  out_shape[1] = x.shape[1];
  EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                      ctx.allocate_output_view(0, DType::kFloat32, out_shape));
  const TensorView& y = *y_view;
  const float* xp = x.as<float>();
  float* yp = y.as<float>();
  for_rows(ctx, planes, size, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p)
      yp[p] = plane_mean(xp + p * size, size);
  });
  return Status::ok();
}

// Blocked tensors only: the ONNX layout keeps the reference kernel.
Status global_max_pool_kernel(KernelContext& ctx) {
  if (uses_blocked_layout(ctx.node())) return blocked_pool(ctx, BlockedPool::kGlobalMax);
  return run_reference(ctx);
}

Status average_pool_kernel(KernelContext& ctx) {
  return windowed_pool(ctx, true);
}
Status max_pool_kernel(KernelContext& ctx) {
  return windowed_pool(ctx, false);
}

}  // namespace

void register_fast_pooling(KernelRegistry& registry) {
  registry.add("AveragePool", average_pool_kernel);
  registry.add("MaxPool", max_pool_kernel);
  registry.add("GlobalAveragePool", global_average_pool_kernel);
  registry.add("GlobalMaxPool", global_max_pool_kernel);
}

}  // namespace edgeinfer::cpu::fast
