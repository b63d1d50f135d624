// Shared by the fast-kernel tests: random tensors, and running one node with the fast kernels
// through the executor (1 and 2 threads) against the reference kernel.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>

#include "run_executor.h"

namespace edgeinfer::testing {

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
