// The memory plan of a graph run in a given schedule: in-place chains, Concat slices, then
// placement. One function, so the session and the scheduler plan the same way.
#pragma once

#include <cstddef>
#include <vector>

#include "edgeinfer/tensor.h"
#include "ir/graph.h"
#include "planner/lifetimes.h"
#include "planner/memory_plan.h"

namespace edgeinfer::planner {

// `bytes`: each intermediate's size; `shapes`: every value's shape (for Concat slices; a
// negative dim means unknown). The plan's concat_in_place names the Concats to run in place.
MemoryPlan plan_graph_memory(const ir::Graph& graph, const std::vector<ir::NodeId>& schedule,
                             const std::vector<Lifetime>& lifetimes,
                             const std::vector<size_t>& bytes, const std::vector<Shape>& shapes,
                             size_t alignment);

}  // namespace edgeinfer::planner
