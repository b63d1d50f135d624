// Runs a graph node by node on the CPU with the kernels of a registry.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cpu/kernel.h"
#include "cpu/thread_pool.h"
#include "edgeinfer/edgeinfer.h"
#include "ir/graph.h"
#include "planner/lifetimes.h"
#include "planner/tensor_memory.h"

namespace edgeinfer::cpu {

// What the executor takes from the session's Options.
struct ExecutorOptions {
  int threads = 1;  // 0 = one per core; 1 = no worker thread
  // Node name or op type -> algorithm (Options::algorithms).
  std::map<std::string, std::string> algorithms;
  // The order to run the nodes in (planner/schedule.h); empty: the graph's topological order.
  std::vector<ir::NodeId> schedule;
  // Options::autotune: time the applicable algorithms of each layer at create, cached in
  // `cache_dir` (Options::cache_dir; empty: the default cache folder).
  bool autotune = false;
  std::string cache_dir;
  // Weights mode `mapped`: the model's weight cache, where prepare steps put pre-packed weights
  // (PrepareContext::packed_weights). Null: they are packed into private memory.
  planner::WeightStore* weight_store = nullptr;
};

class Executor {
 public:
  // Resolves a kernel for every node (an unknown op is a kUnsupported error naming the node)
  // and computes the schedule and lifetimes. `keep` marks values that must outlive the run.
  // Runs each kernel's prepare step once per node (pre-packing constant weights, choosing an
  // algorithm); an algorithm override naming no node or op type of the graph is an error.
  static Result<Executor> create(const ir::Graph& graph, const KernelRegistry& kernels,
                                 std::vector<bool> keep, const ExecutorOptions& options = {});

  // `values` holds one view per ValueId: inputs and constants must be filled in by the
  // caller; intermediates are filled as nodes run. After the run, `live[v]` tells which
  // intermediates still hold their data.
  Status run(std::vector<TensorView>& values, std::vector<bool>& live,
             planner::TensorMemory& memory, std::vector<NodeProfile>* profile);

  const std::vector<ir::NodeId>& schedule() const { return schedule_; }
  const std::vector<planner::Lifetime>& lifetimes() const { return lifetimes_; }
  // Bytes of each value in the last run (0 for values not produced by a node).
  const std::vector<size_t>& last_run_bytes() const { return bytes_; }
  // The algorithm chosen for schedule step `step` ("" when the kernel has no choice).
  std::string algorithm(size_t step) const;
  int threads() const { return pool_ ? pool_->threads() : 1; }
  // Bytes of pre-packed weights the prepare steps made, private and mapped.
  const PackedWeightTotals& packed_weights() const { return packed_; }

 private:
  Executor() = default;
  const ir::Graph* graph_ = nullptr;
  std::vector<ir::NodeId> schedule_;
  std::vector<KernelFn> kernels_;                         // per schedule step
  std::vector<std::unique_ptr<PreparedState>> prepared_;  // per schedule step, may be null
  std::vector<std::unique_ptr<RunCache>> caches_;         // per schedule step, filled by runs
  std::unique_ptr<ThreadPool> pool_;                      // null for one thread
  std::vector<planner::Lifetime> lifetimes_;
  std::vector<std::vector<ir::ValueId>> releases_;
  std::vector<size_t> bytes_;
  PackedWeightTotals packed_;
  Shape concat_shape_;  // scratch of concat_into_slices, kept so runs do not allocate
};

}  // namespace edgeinfer::cpu
