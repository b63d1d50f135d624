#include "planner/graph_plan.h"

#include "planner/concat_in_place.h"
#include "planner/in_place.h"

namespace edgeinfer::planner {

MemoryPlan plan_graph_memory(const ir::Graph& graph, const std::vector<ir::NodeId>& schedule,
                             const std::vector<Lifetime>& lifetimes,
                             const std::vector<size_t>& bytes, const std::vector<Shape>& shapes,
                             size_t alignment) {
  const auto in_place = in_place_aliases(graph, schedule, lifetimes, bytes);
  Aliasing aliasing =
      concat_in_place_aliases(graph, schedule, lifetimes, bytes, shapes, in_place, alignment);
  MemoryPlan plan = plan_memory(lifetimes, bytes, schedule.size(), alignment, aliasing.aliases);
  plan.concat_in_place = std::move(aliasing.concat_in_place);
  return plan;
}

}  // namespace edgeinfer::planner
