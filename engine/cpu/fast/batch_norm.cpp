// Fast float32 BatchNormalization (inference): y = x * a[c] + b[c] per channel, with
// a = scale / sqrt(var + epsilon) and b = B - mean * a computed once per run in double. Training
// mode, the legacy per-element parameters (spatial=0), the pass-through mean/var outputs and
// other types go to the reference kernel.
#include <cmath>
#include <vector>

#include "cpu/fast/common.h"
#include "cpu/fast/families.h"
#include "cpu/run_cache.h"

namespace edgeinfer::cpu::fast {
namespace {

EI_VECTOR_CLONES void scale_shift(const float* x, float* y, int64_t n, float a, float b) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = x[i] * a + b;
}

// The per-channel scale and shift of the statistics, kept while they stay the same.
struct BatchNormRunCache final : RunCache {
  InputsKey key;
  std::vector<float> a, b;
};

Status batch_norm_kernel(KernelContext& ctx) {
  const ir::Node& node = ctx.node();
  if (!float_inputs(ctx, 5) || ctx.input(0).shape.size() < 2 ||
      node.attr_int("training_mode", 0) != 0) {
    return run_reference(ctx);
  }
  for (size_t out = 1; out < ctx.output_count(); ++out) {
    if (ctx.wants_output(out)) return run_reference(ctx);
  }
  const TensorView& x = ctx.input(0);
  const int64_t channels = x.shape[1];
  for (size_t i = 1; i <= 4; ++i) {
    if (ctx.input(i).elements() != channels) return run_reference(ctx);
  }
  // a and b depend on the statistics' contents only: computed once, kept for the next run.
  BatchNormRunCache& rc = run_cache_of<BatchNormRunCache>(ctx);
  if (!rc.key.matches(ctx, 1)) {
    rc.key.clear();
    const double epsilon = node.attr_float("epsilon", 1e-5f);
    const float* scale = ctx.input(1).as<float>();
    const float* bias = ctx.input(2).as<float>();
    const float* mean = ctx.input(3).as<float>();
    const float* var = ctx.input(4).as<float>();
    rc.a.resize(static_cast<size_t>(channels));
    rc.b.resize(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) {
      const double ac =
          static_cast<double>(scale[c]) / std::sqrt(static_cast<double>(var[c]) + epsilon);
      rc.a[c] = static_cast<float>(ac);
      rc.b[c] =
          static_cast<float>(static_cast<double>(bias[c]) - static_cast<double>(mean[c]) * ac);
    }
    rc.key.store(ctx, 1);
  }
  const std::vector<float>& a = rc.a;
  const std::vector<float>& b = rc.b;
  EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                      ctx.allocate_output_view(0, DType::kFloat32, x.shape));
  const TensorView& y = *y_view;
  if (y.elements() == 0) return Status::ok();
  const int64_t inner = x.elements() / (x.shape[0] * channels);
  const float* xp = x.as<float>();
  float* yp = y.as<float>();
  // One row per (n, c) plane.
  for_rows(ctx, x.shape[0] * channels, inner, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t c = row % channels;
      scale_shift(xp + row * inner, yp + row * inner, inner, a[c], b[c]);
    }
  });
  return Status::ok();
}

}  // namespace

void register_fast_normalization(KernelRegistry& registry) {
  registry.add("BatchNormalization", batch_norm_kernel);
}

}  // namespace edgeinfer::cpu::fast
