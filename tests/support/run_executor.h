// Test support: run one node through the CPU executor with a given kernel registry (the fast
// kernels by default), so prepare steps, algorithm choice and the thread pool are exercised
// exactly as a session uses them. Inputs marked constant become graph constants (the weights a
// prepare step packs); the others are graph inputs.
#pragma once

#include <string>
#include <vector>

#include "cpu/executor.h"
#include "run_node.h"

namespace edgeinfer::testing {

struct ExecutorRun {
  std::vector<HostTensor> outputs;
  std::string algorithm;  // what the node's kernel chose ("" when it had no choice)
};

Result<ExecutorRun> run_node_in_executor(const NodeSpec& spec, const std::vector<bool>& constant,
                                         const cpu::ExecutorOptions& options,
                                         const cpu::KernelRegistry& registry);

}  // namespace edgeinfer::testing
