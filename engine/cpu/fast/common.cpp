#include "cpu/fast/common.h"

#include <atomic>

namespace edgeinfer::cpu::fast {

namespace {
std::atomic<int64_t> fallbacks{0};
}  // namespace

int64_t reference_fallback_count() {
  return fallbacks.load(std::memory_order_relaxed);
}

Status run_reference(KernelContext& ctx) {
  fallbacks.fetch_add(1, std::memory_order_relaxed);
  const KernelFn kernel = reference_kernels().find(ctx.node().op_type);
  if (!kernel) return ctx.unsupported("operator has no reference kernel");
  return kernel(ctx);
}

bool float_inputs(const KernelContext& ctx, size_t count) {
  if (ctx.input_count() < count) return false;
  for (size_t i = 0; i < count; ++i) {
    if (!ctx.has_input(i) || ctx.input(i).dtype != DType::kFloat32) return false;
  }
  return true;
}

}  // namespace edgeinfer::cpu::fast
