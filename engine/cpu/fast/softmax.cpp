// Fast float32 Softmax and LogSoftmax along one axis of an (outer, length, inner) view.
//
// Over the last axis (inner == 1) each row is reduced with eight partial sums, which the
// compiler keeps in a vector register. Over an inner axis (e.g. the channels of NCHW) the
// reductions run across `inner` contiguous elements at a time, so every loop is contiguous.
// Hardmax, other types and bad axes go to the reference kernel.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/fast/common.h"
#include "cpu/fast/families.h"

namespace edgeinfer::cpu::fast {
namespace {

constexpr int kLanes = 8;

EI_VECTOR_CLONES float row_max(const float* x, int64_t n) {
  float lanes[kLanes];
  std::fill(lanes, lanes + kLanes, -std::numeric_limits<float>::infinity());
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j)
      lanes[j] = std::max(lanes[j], x[i + j]);
  }
  float m = *std::max_element(lanes, lanes + kLanes);
  for (; i < n; ++i)
    m = std::max(m, x[i]);
  return m;
}

// y[i] = e^(x[i] - shift) (when y is given); returns the sum of those values. y may be x.
EI_VECTOR_CLONES float exp_row(const float* x, float* y, int64_t n, float shift) {
  float lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      const float e = fast_exp(x[i + j] - shift);
      if (y) y[i + j] = e;
      lanes[j] += e;
    }
  }
  float sum = 0.0f;
  for (int j = 0; j < kLanes; ++j)
    sum += lanes[j];
  for (; i < n; ++i) {
    const float e = fast_exp(x[i] - shift);
    if (y) y[i] = e;
    sum += e;
  }
  return sum;
}

EI_VECTOR_CLONES void scale_row(float* y, int64_t n, float factor) {
  for (int64_t i = 0; i < n; ++i)
    y[i] *= factor;
}

// Softmax or LogSoftmax of one row (inner == 1); y may be x.
void last_axis_row(const float* x, float* y, int64_t n, bool log) {
  const float m = row_max(x, n);
  if (log) {
    const float shift = m + std::log(exp_row(x, nullptr, n, m));
    for (int64_t i = 0; i < n; ++i)
      y[i] = x[i] - shift;
    return;
  }
  scale_row(y, n, 1.0f / exp_row(x, y, n, m));
}

// Columns [0, inner) of one outer block of a non-last axis (y may be x): x and y are length rows
// `stride` floats apart; `m` and `sum` are scratch rows of `inner` floats.
EI_VECTOR_CLONES void inner_axis_block(const float* x, float* y, int64_t length, int64_t inner,
                                       int64_t stride, bool log, float* m, float* sum) {
  std::copy(x, x + inner, m);
  for (int64_t l = 1; l < length; ++l) {
    const float* row = x + l * stride;
    for (int64_t i = 0; i < inner; ++i)
      m[i] = std::max(m[i], row[i]);
  }
  std::fill(sum, sum + inner, 0.0f);
  if (log) {
    // The exponentials are only summed, so x is still intact when y is x.
    for (int64_t l = 0; l < length; ++l) {
      const float* row = x + l * stride;
      for (int64_t i = 0; i < inner; ++i)
        sum[i] += fast_exp(row[i] - m[i]);
    }
    for (int64_t i = 0; i < inner; ++i)
      sum[i] = m[i] + std::log(sum[i]);
    for (int64_t l = 0; l < length; ++l) {
      const float* row = x + l * stride;
      float* out = y + l * stride;
      for (int64_t i = 0; i < inner; ++i)
        out[i] = row[i] - sum[i];
    }
    return;
  }
  for (int64_t l = 0; l < length; ++l) {
    const float* row = x + l * stride;
    float* out = y + l * stride;
    for (int64_t i = 0; i < inner; ++i) {
      out[i] = fast_exp(row[i] - m[i]);
      sum[i] += out[i];
    }
  }
  for (int64_t i = 0; i < inner; ++i)
    sum[i] = 1.0f / sum[i];
  for (int64_t l = 0; l < length; ++l) {
    float* out = y + l * stride;
    for (int64_t i = 0; i < inner; ++i)
      out[i] *= sum[i];
  }
}

// Rows shorter than this (e.g. two classes per pixel in an NHWC segmentation output) are too
// short for a vector loop of their own: blocks of them are transposed into scratch, normalised
// across the block like a non-last axis, and transposed back.
constexpr int64_t kShortRow = 16;
constexpr int64_t kRowBlock = 64;

// Rows [0, count) of `length` elements, count <= kRowBlock; scratch holds
// (length + 2) * kRowBlock floats.
EI_VECTOR_CLONES void short_rows(const float* x, float* y, int64_t count, int64_t length, bool log,
                                 float* scratch) {
  float* t = scratch;
  for (int64_t r = 0; r < count; ++r) {
    for (int64_t l = 0; l < length; ++l)
      t[l * count + r] = x[r * length + l];
  }
  inner_axis_block(t, t, length, count, count, log, scratch + length * kRowBlock,
                   scratch + (length + 1) * kRowBlock);
  for (int64_t r = 0; r < count; ++r) {
    for (int64_t l = 0; l < length; ++l)
      y[r * length + l] = t[l * count + r];
  }
}

int64_t product(const Shape& shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t d = begin; d < end; ++d)
    n *= shape[d];
  return n;
}

// Opset < 13 flattens X to 2-D at `axis` (default 1) and normalises each row; from opset 13
// the normalisation runs along the one dim `axis` (default -1).
Status softmax_family(KernelContext& ctx, bool log) {
  if (!float_inputs(ctx, 1) || ctx.input(0).shape.empty()) return run_reference(ctx);
  const TensorView& x = ctx.input(0);
  const bool legacy = ctx.node().opset < 13;
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = ctx.node().attr_int("axis", legacy ? 1 : -1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return run_reference(ctx);  // reports the bad axis
  const size_t a = static_cast<size_t>(axis);
  const int64_t outer = product(x.shape, 0, a);
  const int64_t length = legacy ? product(x.shape, a, x.shape.size()) : x.shape[a];
  const int64_t inner = legacy ? 1 : product(x.shape, a + 1, x.shape.size());
  EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                      ctx.allocate_output_view(0, DType::kFloat32, x.shape));
  const TensorView& y = *y_view;
  if (y.elements() == 0) return Status::ok();
  const float* xp = x.as<float>();
  float* yp = y.as<float>();
  const int64_t block = length * inner;
  if (inner == 1 && length < kShortRow) {
    const size_t per_thread = static_cast<size_t>((length + 2) * kRowBlock);
    const JobScratch scratch(ctx.thread_pool(), 0, per_thread);
    for_rows_on_threads(ctx, (outer + kRowBlock - 1) / kRowBlock, kRowBlock * length * 4,
                        [&](int64_t begin, int64_t end, int thread) {
                          float* s = scratch.at(thread);
                          for (int64_t b = begin; b < end; ++b) {
                            const int64_t first = b * kRowBlock;
                            const int64_t count = std::min(kRowBlock, outer - first);
                            short_rows(xp + first * length, yp + first * length, count, length, log,
                                       s);
                          }
                        });
    return Status::ok();
  }
  if (inner == 1) {
    for_rows(ctx, outer, block * 4, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o)
        last_axis_row(xp + o * block, yp + o * block, length, log);
    });
    return Status::ok();
  }
  // A non-last axis (NCHW over channels): each thread takes the same columns (pixels) of every
  // outer block, the part of each plane that it wrote in the node before.
  const int64_t lines = (inner + kLineElements - 1) / kLineElements;
  const JobScratch scratch(ctx.thread_pool(), 0, static_cast<size_t>(2 * inner));
  for_plane_parts_on_threads(ctx, outer, lines, kLineElements * length * 4,
                             [&](int64_t begin, int64_t end, int64_t from, int64_t to, int thread) {
                               float* s = scratch.at(thread);
                               const int64_t first = from * kLineElements;
                               const int64_t count = std::min(to * kLineElements, inner) - first;
                               for (int64_t o = begin; o < end; ++o) {
                                 inner_axis_block(xp + o * block + first, yp + o * block + first,
                                                  length, count, inner, log, s, s + count);
                               }
                             });
  return Status::ok();
}

Status softmax_kernel(KernelContext& ctx) {
  return softmax_family(ctx, false);
}
Status log_softmax_kernel(KernelContext& ctx) {
  return softmax_family(ctx, true);
}

}  // namespace

void register_fast_softmax(KernelRegistry& registry) {
  registry.add("Softmax", softmax_kernel);
  registry.add("LogSoftmax", log_softmax_kernel);
}

}  // namespace edgeinfer::cpu::fast
