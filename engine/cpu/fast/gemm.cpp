// Fast float32 Gemm and MatMul with a constant 2-D B, through the packed SGEMM: the weights
// (alpha * B', transposed so each output feature is a packed row) are packed once per node,
// and the result is computed as Y^T = W * A'^T with the bias (beta * C) per row. The models'
// dense layers have one or a few rows, so Y^T is transposed into Y when M > 1 and the fused
// epilogue (Gemm only) is applied on Y. Other cases run the reference kernel.
#include <algorithm>
#include <cstdio>
#include <limits>
#include <memory>

#include "cpu/fast/algorithm_choice.h"
#include "cpu/fast/families.h"
#include "cpu/fast/gemm_driver.h"
#include "cpu/thread_pool.h"

namespace edgeinfer::cpu::fast {
namespace {

const char* const kReference = "reference";
const char* const kSgemm = "sgemm";
// Output features per task, so a few tasks exist for 2 threads even with one row of A.
constexpr int64_t kRowsPerTask = 64;
constexpr int64_t kChunkFloats = 64 * 1024;

class GemmState final : public PreparedState {
 public:
  std::string algorithm() const override { return name; }

  std::string name;
  const void* weights = nullptr;
  const void* bias_source = nullptr;
  int64_t k = 0, n = 0;
  PackedRows packed;        // n rows (output features) x k
  std::vector<float> bias;  // beta * C per output feature; empty without C
  const kernels::KernelSet* ks = nullptr;
};

bool is_float_input(const PrepareContext& ctx, size_t i) {
  return ctx.node.has_input(i) && ctx.graph.values[ctx.node.inputs[i]].dtype == DType::kFloat32;
}

Result<std::unique_ptr<PreparedState>> prepare_gemm(const PrepareContext& ctx) {
  const ir::Node& node = ctx.node;
  const bool is_gemm = node.op_type == "Gemm";
  const TensorView* b = ctx.constant_input(1);
  bool usable = is_float_input(ctx, 0) && b && b->dtype == DType::kFloat32 &&
                b->shape.size() == 2 && !node.has_attr("broadcast");
  const bool trans_b = is_gemm && node.attr_int("transB", 0) != 0;
  const int64_t k = usable ? (trans_b ? b->shape[1] : b->shape[0]) : 0;
  const int64_t n = usable ? (trans_b ? b->shape[0] : b->shape[1]) : 0;
  const TensorView* c = is_gemm ? ctx.constant_input(2) : nullptr;
  if (usable && is_gemm && node.has_input(2)) {
    // A bias per output feature ([N] or [1, N]); other C shapes keep the reference kernel.
    usable = c && c->dtype == DType::kFloat32 && c->elements() == n &&
             (c->shape.size() == 1 || (c->shape.size() == 2 && c->shape[0] == 1));
  }
  usable = usable && k > 0 && n > 0;
  std::vector<std::string> candidates = {kReference};
  if (usable) candidates.push_back(kSgemm);
  auto state = std::make_unique<GemmState>();
  EI_ASSIGN_OR_RETURN(state->name, choose_algorithm(ctx, {kReference, kSgemm}, candidates,
                                                    usable ? kSgemm : kReference));
  if (state->name == kReference) return std::unique_ptr<PreparedState>(std::move(state));
  state->weights = b->data;
  state->k = k;
  state->n = n;
  state->ks = &kernels::best_kernel_set();
  // Row j (output feature), column p of W is B'[p][j], times alpha.
  const int mr = state->ks->mr;
  const float alpha = is_gemm ? node.attr_float("alpha", 1.f) : 1.f;
  const size_t floats = PackedRows::floats_for(n, k, mr);
  char alpha_text[32];
  std::snprintf(alpha_text, sizeof alpha_text, "%a", static_cast<double>(alpha));
  const PackedBytes packed = ctx.packed_weights(
      "Gemm sgemm mr=" + std::to_string(mr) + " transB=" + std::to_string(trans_b) +
          " alpha=" + alpha_text,
      {b}, floats * sizeof(float), [&](unsigned char* out) {
        auto* values = reinterpret_cast<float*>(out);
        pack_rows_into(b->as<float>(), n, k, trans_b ? k : 1, trans_b ? 1 : n, mr, values);
        if (alpha != 1.f) {
          for (size_t i = 0; i < floats; ++i)
            values[i] *= alpha;
        }
      });
  state->packed =
      packed_rows_at(reinterpret_cast<const float*>(packed.data), packed.owner, n, k, mr);
  if (c) {
    state->bias_source = c->data;
    const float beta = node.attr_float("beta", 1.f);
    state->bias.resize(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j)
      state->bias[j] = beta * c->as<float>()[j];
  }
  return std::unique_ptr<PreparedState>(std::move(state));
}

struct GemmRunCache final : RunCache {
  bool ready = false;
  Shape a_shape;  // the input shape the rest was computed for
  Shape out_shape;
  Epilogue activation;  // Gemm's fused activation; residual and slope are bound on each run
};

Status gemm(KernelContext& ctx) {
  const auto* st = dynamic_cast<const GemmState*>(ctx.prepared());
  const bool is_gemm = ctx.node().op_type == "Gemm";
  auto reference = [&] { return reference_kernels().find(ctx.node().op_type)(ctx); };
  if (!st || st->name == kReference || !ctx.has_input(0) || !ctx.has_input(1)) return reference();
  const TensorView& a = ctx.input(0);
  const bool trans_a = is_gemm && ctx.node().attr_int("transA", 0) != 0;
  const bool bias_same = !is_gemm || !ctx.has_input(2) || ctx.input(2).data == st->bias_source;
  if (a.dtype != DType::kFloat32 || ctx.input(1).data != st->weights || !bias_same ||
      a.shape.empty() || (is_gemm && a.shape.size() != 2)) {
    return reference();
  }
  // Gemm: A' is M x K. MatMul: A is [..., M, K], every leading row one more row of Y.
  const int64_t k = trans_a ? a.shape[0] : a.shape.back();
  if (k != st->k || (!is_gemm && a.shape.size() < 2)) return reference();
  const int64_t m = trans_a ? a.shape[1] : a.elements() / k;
  GemmRunCache& rc = run_cache_of<GemmRunCache>(ctx);
  if (!rc.ready || rc.a_shape != a.shape) {
    // The output shape and the fused activation: computed once, kept for the next run.
    rc.ready = false;
    rc.out_shape = is_gemm ? Shape{m, st->n} : a.shape;
    rc.out_shape.back() = st->n;
    if (is_gemm) {
      EI_ASSIGN_OR_RETURN(rc.activation, node_activation(ctx));
    }
    rc.a_shape = a.shape;
    rc.ready = true;
  }
  const Shape& out_shape = rc.out_shape;
  Epilogue e;
  if (is_gemm) {
    EI_ASSIGN_OR_RETURN(e, bind_epilogue(ctx, rc.activation, out_shape, st->n));
  }
  EI_ASSIGN_OR_RETURN(const TensorView* yv_view,
                      ctx.allocate_output_view(0, DType::kFloat32, out_shape));
  const TensorView& yv = *yv_view;
  if (m == 0) return Status::ok();
  const kernels::KernelSet& ks = *st->ks;
  float* y = yv.as<float>();
  // With one row Y^T is Y; otherwise compute Y^T aside and transpose.
  float* yt = m == 1 ? y : thread_scratch(1, static_cast<size_t>(st->n * m));
  const float* ap = a.as<float>();
  const int64_t chunk =
      std::min(round_up(m, ks.nr), std::max<int64_t>(ks.nr, kChunkFloats / k / ks.nr * ks.nr));
  const int64_t chunks = (m + chunk - 1) / chunk;
  const int64_t row_tasks = (st->n + kRowsPerTask - 1) / kRowsPerTask;
  const float inf = std::numeric_limits<float>::infinity();
  const float* bias = st->bias.empty() ? nullptr : st->bias.data();
  const JobScratch scratch(ctx.thread_pool(), 0, static_cast<size_t>(k * chunk));
  parallel_for(ctx.thread_pool(), chunks * row_tasks, [&](int64_t task, int thread) {
    const int64_t m0 = (task / row_tasks) * chunk;
    const int64_t mc = std::min(chunk, m - m0);
    const int64_t r0 = (task % row_tasks) * kRowsPerTask;
    float* b = scratch.at(thread);
    // A'^T is K x M: element (p, i) is A[i][p] (or A[p][i] when transposed).
    if (trans_a) {
      pack_columns(ap, m, k, m0, mc, ks.nr, b);
    } else {
      pack_columns_strided(ap, 1, k, k, m0, mc, ks.nr, b);
    }
    gemm_packed(ks, st->packed, r0, r0 + kRowsPerTask, b, mc, yt + m0, m, bias, nullptr, 0, -inf,
                inf);
  });
  if (m > 1) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < st->n; ++j)
        y[i * st->n + j] = yt[j * m + i];
  }
  // Output channels run along the rows here (dim 1 = N), so the epilogue is per element.
  if (!e.empty()) apply_epilogue(e, y, m, st->n, 1);
  return Status::ok();
}

}  // namespace

void register_gemm(KernelRegistry& registry) {
  registry.add("Gemm", gemm, prepare_gemm);
  registry.add("MatMul", gemm, prepare_gemm);
}

}  // namespace edgeinfer::cpu::fast
