// Shared by the fast-kernel tests: random tensors, and running one node with the fast kernels
// through the executor (1 and 2 threads) against the reference kernel.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>

#include "cpu/kernel.h"
#include "cpu/thread_pool.h"
#include "run_executor.h"

namespace edgeinfer::testing {

// A context with nothing but a thread pool (null: the calling thread), for calling a kernel's
// loops or the row splits directly; `op_type` names the node in messages.
class PoolContext final : public cpu::KernelContext {
 public:
  explicit PoolContext(cpu::ThreadPool* pool, std::string op_type = "") : pool_(pool) {
    node_.op_type = std::move(op_type);
  }
  const ir::Node& node() const override { return node_; }
  const TensorView& input(size_t) const override { return none_; }
  Result<TensorView> allocate_output(size_t, DType, const Shape&) override {
    return fail(StatusCode::kInternal, "no outputs in a PoolContext");
  }
  cpu::ThreadPool* thread_pool() const override { return pool_; }

 private:
  cpu::ThreadPool* pool_;
  ir::Node node_;
  TensorView none_;
};

// Output size along one axis of a window with explicit pads, or -1 when the kernel does not fit.
inline int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe) {
  const int64_t span = in + pb + pe - (k - 1) * d - 1;
  return span < 0 ? -1 : span / s + 1;
}

// Whether a random 2-D conv case (h, w, kh, kw, strides, dilations, pads, auto_pad) has an
// output: explicit pads leave at least one output pixel, or the auto_pad window fits the image.
template <typename Case>
bool window_fits(const Case& c) {
  if (c.auto_pad.empty()) {
    return out_size(c.h, c.kh, c.strides[0], c.dilations[0], c.pads[0], c.pads[2]) >= 1 &&
           out_size(c.w, c.kw, c.strides[1], c.dilations[1], c.pads[1], c.pads[3]) >= 1;
  }
  return (c.kh - 1) * c.dilations[0] + 1 <= c.h && (c.kw - 1) * c.dilations[1] + 1 <= c.w;
}

inline HostTensor random_tensor(std::mt19937& rng, Shape shape) {
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(shape_elements(shape)));
  for (float& x : v)
    x = d(rng);
  return HostTensor::f32(std::move(shape), v);
}

inline std::vector<float> reference_output(const NodeSpec& spec) {
  auto ref = run_node(spec);
  INFO(ref.status().to_string());
  REQUIRE(ref.is_ok());
  return (*ref)[0].values<float>();
}

// Runs `spec` with the fast kernels at 1 and 2 threads (W, B and the PRelu slope constant) and
// checks every output against the reference kernel; returns the algorithm chosen.
inline std::string check_against_reference(const NodeSpec& spec, const std::string& description,
                                           std::map<std::string, std::string> algorithms = {}) {
  const std::vector<float> want = reference_output(spec);
  double scale = 1;
  for (float v : want)
    scale = std::max(scale, double(std::abs(v)));
  std::string algorithm;
  for (int threads : {1, 2}) {
    cpu::ExecutorOptions options;
    options.threads = threads;
    options.algorithms = algorithms;
    auto fast =
        run_node_in_executor(spec, {false, true, true, false, true}, options, cpu::fast_kernels());
    INFO(description << ", threads " << threads << ": " << fast.status().to_string());
    REQUIRE(fast.is_ok());
    const std::vector<float> got = fast->outputs[0].values<float>();
    REQUIRE(got.size() == want.size());
    double worst = 0;
    for (size_t i = 0; i < got.size(); ++i)
      worst = std::max(worst, std::abs(double(got[i]) - want[i]));
    INFO("algorithm " << fast->algorithm << ", max abs diff " << worst);
    REQUIRE(worst <= 1e-4 * scale);
    algorithm = fast->algorithm;
  }
  return algorithm;
}

}  // namespace edgeinfer::testing
