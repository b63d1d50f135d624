// Test support: run one operator through the Vulkan executor (a one-node graph) and compare it
// with the reference kernels (run_node). Device validation is on: a validation error fails.
#pragma once

#include <string>
#include <vector>

#include "run_node.h"

namespace edgeinfer::testing {

struct VulkanRun {
  std::vector<HostTensor> outputs;
  size_t cpu_nodes = 0;  // nodes that fell back to the CPU executor
  std::string plan;      // Executor::describe()
};

// Inputs flagged in `constant` become constants of the graph (weights, shapes), the others
// graph inputs fed at run time. `fp16_storage`: ExecutorOptions::fp16_storage.
Result<VulkanRun> run_node_vulkan(const NodeSpec& spec, const std::vector<bool>& constant,
                                  bool fp16_storage = false);

// Largest |a - b| over two float32 tensors of the same shape (infinity on a shape mismatch).
float max_abs_diff(const HostTensor& a, const HostTensor& b);

// Deterministic values in [lo, hi) for `shape`.
HostTensor pattern(const Shape& shape, float lo = -1.f, float hi = 1.f, uint32_t seed = 1);

}  // namespace edgeinfer::testing
