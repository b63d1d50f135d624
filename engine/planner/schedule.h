// Memory-aware scheduling: where a graph has parallel branches, the order the nodes run in
// decides which tensors are alive together. A few topological orders are tried, each planned
// as the session would plan it (planner/graph_plan.h), and the one with the lowest bound wins;
// the model's own order wins ties, so graphs without a choice keep their schedule.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "edgeinfer/status.h"
#include "edgeinfer/tensor.h"
#include "ir/graph.h"
#include "planner/memory_plan.h"

namespace edgeinfer::planner {

struct ScheduleChoice {
  std::vector<ir::NodeId> order;
  std::string name;                          // "topological", "least memory first" or "depth first"
  size_t lower_bound_bytes = 0;              // of `order`, with in place and Concat slices
  size_t topological_lower_bound_bytes = 0;  // of ir::Graph::topological_order()
  // The memory plan of `order` (plan_graph_memory with the lifetimes `keep` gives): the plan
  // the session would make, so it need not plan that order again.
  MemoryPlan plan;
};

// Greedy: among the nodes whose inputs are ready, run the one that adds the fewest bytes (its
// outputs minus the inputs it is the last reader of); ties go to the lowest node id.
std::vector<ir::NodeId> least_memory_first_order(const ir::Graph& graph,
                                                 const std::vector<size_t>& bytes,
                                                 const std::vector<bool>& keep);

// Depth first: after a node, its consumers that became ready run before older ready nodes,
// so a branch is finished (and its temporaries freed) before the next one starts.
std::vector<ir::NodeId> depth_first_order(const ir::Graph& graph);

// `bytes`: each intermediate's size; `shapes`: every value's shape; `keep`: values that live to
// the end. Fails only if the graph has no topological order.
Result<ScheduleChoice> choose_schedule(const ir::Graph& graph, const std::vector<size_t>& bytes,
                                       const std::vector<Shape>& shapes,
                                       const std::vector<bool>& keep, size_t alignment);

// True if `order` runs every node once, each after the producers of its inputs.
bool is_topological_order(const ir::Graph& graph, const std::vector<ir::NodeId>& order);

}  // namespace edgeinfer::planner
