#include "cpu/fast/kernel_timer.h"

#include <algorithm>
#include <atomic>
#include <chrono>

#include "cpu/autotune_cache.h"
#include "ir/tensor_size.h"

namespace edgeinfer::cpu::fast {

namespace {
std::atomic<int64_t> timings{0};

// Enough runs for a stable minimum on a small layer, fewer for a slow one, so that an autotuned
// load stays short.
constexpr int kMaxRuns = 5;
constexpr double kBudgetMs = 20.0;
}  // namespace

int64_t autotune_timings() {
  return timings.load(std::memory_order_relaxed);
}

class KernelTimer::Context final : public KernelContext {
 public:
  Context(const PrepareContext& prepare, const std::vector<TensorView>& inputs,
          const PreparedState* state)
      : prepare_(prepare), inputs_(inputs), state_(state), outputs_(prepare.node.outputs.size()) {}

  const ir::Node& node() const override { return prepare_.node; }
  const TensorView& input(size_t i) const override { return inputs_.at(i); }
  ThreadPool* thread_pool() const override { return prepare_.pool; }
  const PreparedState* prepared() const override { return state_; }

  Result<TensorView> allocate_output(size_t i, DType dtype, const Shape& shape) override {
    if (!wants_output(i)) return fail(StatusCode::kInternal, "output was not requested");
    EI_ASSIGN_OR_RETURN(int64_t elements, ir::checked_elements(shape));
    const size_t floats = (static_cast<size_t>(elements) * dtype_size(dtype) + 3) / 4;
    if (outputs_[i].size() < floats) outputs_[i].resize(floats);
    return TensorView{dtype, shape, outputs_[i].data()};
  }

 private:
  const PrepareContext& prepare_;
  const std::vector<TensorView>& inputs_;
  const PreparedState* state_;
  std::vector<std::vector<float>> outputs_;
};

KernelTimer::~KernelTimer() = default;

Result<std::unique_ptr<KernelTimer>> KernelTimer::create(const PrepareContext& ctx) {
  std::unique_ptr<KernelTimer> timer(new KernelTimer(ctx));
  const ir::Node& node = ctx.node;
  timer->inputs_.resize(node.inputs.size());
  timer->storage_.resize(node.inputs.size());
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const ir::ValueId id = node.inputs[i];
    if (id == ir::kNoValue) continue;
    if (const TensorView* constant = ctx.constant_input(i)) {
      timer->inputs_[i] = *constant;
      continue;
    }
    const ir::Value& value = ctx.graph.values[id];
    if (!value.is_fully_static() || value.dtype != DType::kFloat32) {
      return error(StatusCode::kUnsupported,
                   node.describe() + ": input '" + value.name + "' has no static float32 shape");
    }
    const Shape shape = value.static_shape();
    EI_ASSIGN_OR_RETURN(int64_t elements, ir::checked_elements(shape));
    std::vector<float>& data = timer->storage_[i];
    data.resize(static_cast<size_t>(elements));
    // Values in [-1, 1): no denormals or infinities to make one candidate look slow.
    for (size_t k = 0; k < data.size(); ++k)
      data[k] = static_cast<float>((k * 2654435761u) % 2048) / 1024.0f - 1.0f;
    timer->inputs_[i] = TensorView{DType::kFloat32, shape, data.data()};
  }
  return timer;
}

Result<double> KernelTimer::time(KernelFn kernel, const PreparedState* state) {
  timings.fetch_add(1, std::memory_order_relaxed);
  Context context(ctx_, inputs_, state);
  EI_RETURN_IF_ERROR(kernel(context));  // warm-up: caches, scratch buffers, page faults
  double best = 0;
  double spent = 0;
  for (int run = 0; run < kMaxRuns && (run == 0 || spent < kBudgetMs); ++run) {
    const auto start = std::chrono::steady_clock::now();
    EI_RETURN_IF_ERROR(kernel(context));
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    best = run == 0 ? ms : std::min(best, ms);
    spent += ms;
  }
  return best;
}

Result<std::string> autotuned_algorithm(
    const PrepareContext& ctx, const std::string& layer, KernelFn kernel,
    const std::vector<std::string>& candidates, const std::string& rule,
    const std::function<std::unique_ptr<PreparedState>(const std::string&)>& make_state) {
  const std::string key =
      layer + " threads=" + std::to_string(ctx.threads) + " cpu=" + cpu_signature();
  if (const std::string* cached = ctx.autotune->find(key);
      cached && std::find(candidates.begin(), candidates.end(), *cached) != candidates.end()) {
    return *cached;
  }
  auto timer = KernelTimer::create(ctx);
  if (!timer) return rule;
  std::string best;
  double best_ms = 0;
  for (const std::string& name : candidates) {
    if (name == "reference") continue;
    const std::unique_ptr<PreparedState> state = make_state(name);
    EI_ASSIGN_OR_RETURN(double ms, (*timer)->time(kernel, state.get()));
    if (name == rule) ms *= 0.95;
    if (best.empty() || ms < best_ms) {
      best = name;
      best_ms = ms;
    }
  }
  ctx.autotune->record(key, best);
  return best;
}

std::string autotune_list(const std::vector<int64_t>& values) {
  std::string s;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(values[i]);
  }
  return s;
}

}  // namespace edgeinfer::cpu::fast
