// Fast float32 Resize/Upsample, nearest and bilinear, over the last two axes.
//
// Each of the two axes gets a table, computed with the reference's coordinate rules in double
// on the first run and kept in the node's run cache while the inputs stay the same (the tables
// allocate): per output position the input index (nearest) or the two input indices and
// weights (linear). Nearest then gathers each output row from one input row (repeating a row
// is a memcpy). Bilinear blends the two input rows of an output row into one row (a contiguous
// loop), then gathers two neighbours per output element. Leading axes must keep their size;
// other cases (cubic, resized leading axes, modes resize_spec.h lists) go to the reference.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu/blocked_layout.h"
#include "cpu/fast/common.h"
#include "cpu/fast/families.h"
#include "cpu/fast/resize_spec.h"
#include "cpu/reference/dispatch.h"
#include "cpu/run_cache.h"

namespace edgeinfer::cpu::fast {
namespace {

EI_VECTOR_CLONES void gather_row(const float* __restrict src, const int64_t* __restrict index,
                                 float* __restrict dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    dst[i] = src[index[i]];
}

EI_VECTOR_CLONES void blend_rows(const float* __restrict r0, const float* __restrict r1, float w0,
                                 float w1, float* __restrict dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    dst[i] = r0[i] * w0 + r1[i] * w1;
}

EI_VECTOR_CLONES void blend_gather(const float* __restrict src, const AxisTable& cols,
                                   float* __restrict dst, int64_t begin, int64_t end) {
  const int64_t* i0 = cols.index0.data();
  const int64_t* i1 = cols.index1.data();
  const float* w0 = cols.weight0.data();
  const float* w1 = cols.weight1.data();
  for (int64_t i = begin; i < end; ++i)
    dst[i] = src[i0[i]] * w0[i] + src[i1[i]] * w1[i];
}

// True when a linear table doubles the axis with one pair of weights for even outputs and one
// for odd ones away from the edges (2x upsampling with half-pixel or asymmetric coordinates):
// output 2i + p blends inputs i + p - 1 + shift and i + p + shift.
bool is_doubling(const AxisTable& t, int64_t in, int64_t* shift) {
  const int64_t out = static_cast<int64_t>(t.index0.size());
  if (out != 2 * in || in < 8) return false;
  *shift = t.index0[4] - 1;  // output 4 (even, i = 2) reads input 1 + shift
  if (*shift < 0 || *shift > 1) return false;
  for (int64_t x = 4; x < out - 4; ++x) {
    const int64_t i = x / 2, p = x % 2;
    if (t.index0[x] != i + p - 1 + *shift || t.index1[x] != i + p + *shift ||
        t.weight0[x] != t.weight0[4 + p] || t.weight1[x] != t.weight1[4 + p]) {
      return false;
    }
  }
  return true;
}

// blend_gather's arithmetic for outputs [begin, end), inline: the four outputs at each edge of
// a doubled row are too few for a call through the clone dispatch (which cost more than the
// row's interior on 32-wide rows).
inline void blend_edge(const float* __restrict src, const AxisTable& cols, float* __restrict dst,
                       int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i)
    dst[i] = src[cols.index0[i]] * cols.weight0[i] + src[cols.index1[i]] * cols.weight1[i];
}

// blend_gather for a doubling table: the interior is two contiguous blends interleaved (no
// gathers), the edges use the table. Same products and sums as blend_gather, so same bits.
EI_VECTOR_CLONES void blend_double(const float* __restrict src, const AxisTable& cols,
                                   int64_t shift, float* __restrict dst, int64_t n) {
  const float e0 = cols.weight0[4], e1 = cols.weight1[4];
  const float o0 = cols.weight0[5], o1 = cols.weight1[5];
  blend_edge(src, cols, dst, 0, 4);
  const float* a = src + shift - 1;  // even output 2i: a[i] * e0 + a[i + 1] * e1
  const float* b = src + shift;      // odd output 2i + 1: b[i] * o0 + b[i + 1] * o1
  for (int64_t i = 2; i < n / 2 - 2; ++i) {
    dst[2 * i] = a[i] * e0 + a[i + 1] * e1;
    dst[2 * i + 1] = b[i] * o0 + b[i + 1] * o1;
  }
  blend_edge(src, cols, dst, n - 4, n);
}

struct Geometry {
  int64_t in_h, in_w, out_h, out_w;
};

void nearest_plane(const Geometry& g, const AxisTable& rows, const AxisTable& cols, const float* x,
                   float* y) {
  for (int64_t oy = 0; oy < g.out_h; ++oy) {
    float* out = y + oy * g.out_w;
    if (oy > 0 && rows.index0[oy] == rows.index0[oy - 1]) {
      std::memcpy(out, out - g.out_w, static_cast<size_t>(g.out_w) * sizeof(float));
      continue;
    }
    gather_row(x + rows.index0[oy] * g.in_w, cols.index0.data(), out, g.out_w);
  }
}

void linear_plane(const Geometry& g, const AxisTable& rows, const AxisTable& cols, const float* x,
                  float* y, float* blended) {
  int64_t shift = 0;
  const bool doubling = is_doubling(cols, g.in_w, &shift);
  for (int64_t oy = 0; oy < g.out_h; ++oy) {
    blend_rows(x + rows.index0[oy] * g.in_w, x + rows.index1[oy] * g.in_w, rows.weight0[oy],
               rows.weight1[oy], blended, g.in_w);
    if (doubling) {
      blend_double(blended, cols, shift, y + oy * g.out_w, g.out_w);
    } else {
      blend_gather(blended, cols, y + oy * g.out_w, 0, g.out_w);
    }
  }
}

// The plan of a run, kept for the next one while the inputs (and the contents of roi, scales
// and sizes) stay the same.
struct ResizeRunCache final : RunCache {
  InputsKey key;
  bool fast = false;  // false: the reference kernel handles this node
  ResizeSpec spec;
  Geometry g{};
  AxisTable rows, cols;
};

// Plans the run into `rc`; rc.fast stays false for what the reference kernel must handle.
void plan_resize(const KernelContext& ctx, ResizeRunCache& rc) {
  rc.fast = false;
  const std::optional<ResizeSpec> spec = fast_resize_spec(ctx);
  if (!spec) return;
  const TensorView& x = ctx.input(0);
  const size_t rank = x.shape.size();
  if (rank < 2 || x.elements() == 0) return;
  for (size_t d = 0; d + 2 < rank; ++d) {
    if (spec->out[d] != x.shape[d] ||
        !is_identity(plan_resize_axis(*spec, d, x.shape[d], x.shape[d]), spec->mode)) {
      return;
    }
  }
  rc.spec = *spec;
  rc.g = {x.shape[rank - 2], x.shape[rank - 1], spec->out[rank - 2], spec->out[rank - 1]};
  rc.rows = plan_resize_axis(*spec, rank - 2, rc.g.in_h, rc.g.out_h);
  rc.cols = plan_resize_axis(*spec, rank - 1, rc.g.in_w, rc.g.out_w);
  rc.fast = true;
}

Status resize_kernel(KernelContext& ctx) {
  if (uses_blocked_layout(ctx.node())) return blocked_resize(ctx);
  ResizeRunCache& rc = run_cache_of<ResizeRunCache>(ctx);
  if (!rc.key.matches(ctx, 1)) {
    rc.key.clear();
    plan_resize(ctx, rc);
    rc.key.store(ctx, 1);
  }
  if (!rc.fast) return run_reference(ctx);
  const TensorView& x = ctx.input(0);
  const Geometry& g = rc.g;
  EI_RETURN_IF_ERROR(reference::check_shape(ctx, rc.spec.out));
  EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                      ctx.allocate_output_view(0, DType::kFloat32, rc.spec.out));
  const TensorView& y = *y_view;
  if (y.elements() == 0) return Status::ok();
  const AxisTable& rows = rc.rows;
  const AxisTable& cols = rc.cols;
  const ResizeMode mode = rc.spec.mode;
  const int64_t planes = x.elements() / (g.in_h * g.in_w);
  const float* xp = x.as<float>();
  float* yp = y.as<float>();
  // Linear: one blended input row per thread.
  const JobScratch blended(ctx.thread_pool(), 0,
                           static_cast<size_t>(mode == ResizeMode::kLinear ? g.in_w : 0));
  for_rows_on_threads(ctx, planes, g.out_h * g.out_w, [&](int64_t begin, int64_t end, int thread) {
    for (int64_t p = begin; p < end; ++p) {
      const float* in = xp + p * g.in_h * g.in_w;
      float* out = yp + p * g.out_h * g.out_w;
      if (mode == ResizeMode::kNearest) {
        nearest_plane(g, rows, cols, in, out);
      } else {
        linear_plane(g, rows, cols, in, out, blended.at(thread));
      }
    }
  });
  return Status::ok();
}

}  // namespace

void register_fast_resize(KernelRegistry& registry) {
  registry.add("Resize", resize_kernel);
  registry.add("Upsample", resize_kernel);
}

}  // namespace edgeinfer::cpu::fast
