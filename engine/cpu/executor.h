// Runs a graph node by node on the CPU with the kernels of a registry.
#pragma once

#include <vector>

#include "cpu/kernel.h"
#include "edgeinfer/edgeinfer.h"
#include "ir/graph.h"
#include "planner/lifetimes.h"
#include "planner/tensor_memory.h"

namespace edgeinfer::cpu {

class Executor {
 public:
  // Resolves a kernel for every node (an unknown op is a kUnsupported error naming the node)
  // and computes the schedule and lifetimes. `keep` marks values that must outlive the run.
  static Result<Executor> create(const ir::Graph& graph, const KernelRegistry& kernels,
                                 std::vector<bool> keep);

  // `values` holds one view per ValueId: inputs and constants must be filled in by the
  // caller; intermediates are filled as nodes run. After the run, `live[v]` tells which
  // intermediates still hold their data.
  Status run(std::vector<TensorView>& values, std::vector<bool>& live,
             planner::TensorMemory& memory, std::vector<NodeProfile>* profile);

  const std::vector<ir::NodeId>& schedule() const { return schedule_; }
  const std::vector<planner::Lifetime>& lifetimes() const { return lifetimes_; }
  // Bytes of each value in the last run (0 for values not produced by a node).
  const std::vector<size_t>& last_run_bytes() const { return bytes_; }

 private:
  Executor() = default;
  const ir::Graph* graph_ = nullptr;
  std::vector<ir::NodeId> schedule_;
  std::vector<KernelFn> kernels_;  // per schedule step
  std::vector<planner::Lifetime> lifetimes_;
  std::vector<std::vector<ir::ValueId>> releases_;
  std::vector<size_t> bytes_;
};

}  // namespace edgeinfer::cpu
