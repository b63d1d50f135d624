// Times one node's kernel at prepare time, for autotuning: the node runs on synthetic inputs of
// its static shapes (its constant inputs are the real ones) with the session's thread pool.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cpu/kernel.h"

namespace edgeinfer::cpu::fast {

class KernelTimer {
 public:
  // Fails (kUnsupported) when an input that is not a constant has no fully static shape.
  static Result<std::unique_ptr<KernelTimer>> create(const PrepareContext& ctx);
  ~KernelTimer();

  // The fastest of a few runs of `kernel` with `state`, in milliseconds, after one warm-up.
  Result<double> time(KernelFn kernel, const PreparedState* state);

 private:
  KernelTimer(const PrepareContext& ctx) : ctx_(ctx) {}
  class Context;

  const PrepareContext& ctx_;
  std::vector<TensorView> inputs_;
  std::vector<std::vector<float>> storage_;  // the synthetic inputs' data
};

// Autotuning one node: the fastest of `candidates` on this machine, read from the cache, else
// timed with `kernel` on states from `make_state` and recorded. `layer` names what the result
// depends on in the node (op, shapes, attributes); the cache key adds the thread count and the
// CPU. "reference" is never timed (it is there for tests); another candidate must beat `rule`
// by 5% to replace it, so timing noise does not flip choices. Returns `rule` when the node
// cannot be timed (a dynamic input shape).
Result<std::string> autotuned_algorithm(
    const PrepareContext& ctx, const std::string& layer, KernelFn kernel,
    const std::vector<std::string>& candidates, const std::string& rule,
    const std::function<std::unique_ptr<PreparedState>(const std::string&)>& make_state);

// "1,16,128,128": shapes and attribute lists in an autotune `layer`.
std::string autotune_list(const std::vector<int64_t>& values);

// How many candidate timings autotuning has run in this process (tests check that a cached
// choice times nothing).
int64_t autotune_timings();

}  // namespace edgeinfer::cpu::fast
