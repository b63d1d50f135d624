// Fast float32 Add Sub Mul Div Max Min and PRelu with NumPy broadcasting.
//
// The broadcast is planned into inner runs (broadcast_plan.h); each run is one of three
// contiguous loops (both inputs vary, or one of them is a scalar over the run), which the
// compiler vectorises. Other types, legacy (opset < 7) broadcasting, variadic Max/Min and
// shape errors go to the reference kernels.
#include <algorithm>
#include <string>

#include "cpu/fast/broadcast_plan.h"
#include "cpu/fast/common.h"
#include "cpu/fast/families.h"
#include "cpu/reference/broadcast.h"
#include "cpu/run_cache.h"

namespace edgeinfer::cpu::fast {
namespace {

// Each output element depends only on the input elements of the same index, so these loops
// stay correct when the output buffer is one of the inputs (in-place execution).
template <typename Op>
EI_VECTOR_CLONES void run_both(const float* a, const float* b, float* c, int64_t n, Op op) {
  for (int64_t i = 0; i < n; ++i)
    c[i] = op(a[i], b[i]);
}

template <typename Op>
EI_VECTOR_CLONES void run_scalar_b(const float* a, float b, float* c, int64_t n, Op op) {
  for (int64_t i = 0; i < n; ++i)
    c[i] = op(a[i], b);
}

template <typename Op>
EI_VECTOR_CLONES void run_scalar_a(float a, const float* b, float* c, int64_t n, Op op) {
  for (int64_t i = 0; i < n; ++i)
    c[i] = op(a, b[i]);
}

// `rows` consecutive inner runs of `inner` elements along one dim: row r reads a + r * step_a and
// b + r * step_b (a step of 0 repeats that input's run). The blocked channel layout's
// per-channel operands (1 x C/16 x 1 x 1 x 16 against N x C/16 x H x W x 16) are such runs of
// 16 repeated over every pixel; one call per run would cost more than the arithmetic. kInner,
// when not 0, is `inner` known at compile time: the layout's 16 (AVX-512) and 8 (AVX2) lanes
// become one or two vector operations a row with no loop over the run.
template <int kInner, typename Op>
EI_VECTOR_CLONES void run_short_rows(const float* a, int64_t step_a, const float* b, int64_t step_b,
                                     float* c, int64_t rows, int64_t inner, Op op) {
  const int64_t n = kInner > 0 ? kInner : inner;
  for (int64_t r = 0; r < rows; ++r) {
    const float* ar = a + r * step_a;
    const float* br = b + r * step_b;
    float* cr = c + r * n;
    for (int64_t i = 0; i < n; ++i)
      cr[i] = op(ar[i], br[i]);
  }
}

// Inner runs shorter than this go through run_short_rows where they can.
constexpr int64_t kShortRun = 64;

// Output elements [begin, end): the inner runs they cross, the first and last maybe in part.
template <typename Op>
void run_range(const BinaryPlan& plan, const float* a, const float* b, float* c, int64_t begin,
               int64_t end, Op op) {
  const int64_t inner = plan.inner();
  const bool a_runs = plan.stride_a.back() != 0;
  const bool b_runs = plan.stride_b.back() != 0;
  const size_t dims = plan.dims.size();
  const bool short_rows = a_runs && b_runs && inner < kShortRun && dims >= 2;
  int64_t row = begin / inner;
  int64_t col = begin % inner;
  while (begin < end) {
    if (short_rows && col == 0 && end - begin >= 2 * inner) {
      // Whole runs up to the end of the range or the wrap of the next-to-inner dim.
      const int64_t along = plan.dims[dims - 2];
      const int64_t rows = std::min((end - begin) / inner, along - row % along);
      int64_t oa = 0;
      int64_t ob = 0;
      plan.row_offsets(row, &oa, &ob);
      const int64_t step_a = plan.stride_a[dims - 2], step_b = plan.stride_b[dims - 2];
      if (inner == 16) {
        run_short_rows<16>(a + oa, step_a, b + ob, step_b, c + begin, rows, inner, op);
      } else if (inner == 8) {
        run_short_rows<8>(a + oa, step_a, b + ob, step_b, c + begin, rows, inner, op);
      } else {
        run_short_rows<0>(a + oa, step_a, b + ob, step_b, c + begin, rows, inner, op);
      }
      begin += rows * inner;
      row += rows;
      continue;
    }
    const int64_t n = std::min(inner - col, end - begin);
    int64_t oa = 0;
    int64_t ob = 0;
    plan.row_offsets(row, &oa, &ob);
    float* out = c + begin;
    if (a_runs && b_runs) {
      run_both(a + oa + col, b + ob + col, out, n, op);
    } else if (a_runs) {
      run_scalar_b(a + oa + col, b[ob], out, n, op);
    } else if (b_runs) {
      run_scalar_a(a[oa], b + ob + col, out, n, op);
    } else {
      out[0] = op(a[oa], b[ob]);  // inner == 1
    }
    begin += n;
    ++row;
    col = 0;
  }
}

// Split by output elements, not inner runs, so a same-shape Add (one run) is split like the
// nodes around it (for_elements): each thread reads what it wrote in the producers.
template <typename Op>
void run_plan(KernelContext& ctx, const BinaryPlan& plan, const float* a, const float* b, float* c,
              Op op) {
  for_elements(ctx, plan.rows() * plan.inner(),
               [&](int64_t begin, int64_t end) { run_range(plan, a, b, c, begin, end, op); });
}

bool legacy_broadcast(const ir::Node& node) {
  return node.opset > 0 && node.opset < 7 && node.attr_int("broadcast", 0) != 0;
}

// The output shape and broadcast plan of the inputs' shapes, kept for the next run.
struct BinaryRunCache final : RunCache {
  InputsKey key;
  Shape shape;
  BinaryPlan plan;
};

template <typename Op>
Status binary(KernelContext& ctx, Op op) {
  if (ctx.input_count() != 2 || !float_inputs(ctx, 2) || legacy_broadcast(ctx.node())) {
    return run_reference(ctx);
  }
  const TensorView& a = ctx.input(0);
  const TensorView& b = ctx.input(1);
  BinaryRunCache& rc = run_cache_of<BinaryRunCache>(ctx);
  if (!rc.key.matches(ctx, ctx.input_count())) {
    rc.key.clear();
    auto shape = reference::broadcast_shapes(ctx, {a.shape, b.shape});
    if (!shape) return run_reference(ctx);  // it reports the mismatch
    rc.shape = std::move(*shape);
    rc.plan = plan_binary(rc.shape, a.shape, b.shape);
    rc.key.store(ctx, ctx.input_count());
  }
  EI_ASSIGN_OR_RETURN(const TensorView* c_view,
                      ctx.allocate_output_view(0, DType::kFloat32, rc.shape));
  const TensorView& c = *c_view;
  if (c.elements() == 0) return Status::ok();
  run_plan(ctx, rc.plan, a.as<float>(), b.as<float>(), c.as<float>(), op);
  return Status::ok();
}

// NaN in either input gives NaN, like the reference (numpy.maximum/minimum).
float max_of(float a, float b) {
  const float m = a < b ? b : a;
  return (a != a || b != b) ? a + b : m;
}
float min_of(float a, float b) {
  const float m = b < a ? b : a;
  return (a != a || b != b) ? a + b : m;
}

Status add_kernel(KernelContext& ctx) {
  return binary(ctx, [](float a, float b) { return a + b; });
}
Status sub_kernel(KernelContext& ctx) {
  return binary(ctx, [](float a, float b) { return a - b; });
}
Status mul_kernel(KernelContext& ctx) {
  return binary(ctx, [](float a, float b) { return a * b; });
}
Status div_kernel(KernelContext& ctx) {
  return binary(ctx, [](float a, float b) { return a / b; });
}
Status max_kernel(KernelContext& ctx) {
  return binary(ctx, [](float a, float b) { return max_of(a, b); });
}
Status min_kernel(KernelContext& ctx) {
  return binary(ctx, [](float a, float b) { return min_of(a, b); });
}

// PRelu: the slope broadcasts to x's shape only (unidirectional); anything else is the
// reference's error.
Status prelu_kernel(KernelContext& ctx) {
  if (ctx.input_count() != 2 || !float_inputs(ctx, 2) ||
      !reference::broadcasts_to(ctx.input(1).shape, ctx.input(0).shape)) {
    return run_reference(ctx);
  }
  return binary(ctx, [](float x, float slope) { return x < 0.0f ? x * slope : x; });
}

}  // namespace

void register_fast_elementwise_binary(KernelRegistry& registry) {
  registry.add("Add", add_kernel);
  registry.add("Sub", sub_kernel);
  registry.add("Mul", mul_kernel);
  registry.add("Div", div_kernel);
  registry.add("Max", max_kernel);
  registry.add("Min", min_kernel);
  registry.add("PRelu", prelu_kernel);
}

}  // namespace edgeinfer::cpu::fast
