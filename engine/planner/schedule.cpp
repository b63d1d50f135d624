#include "planner/schedule.h"

#include <algorithm>

#include "planner/graph_plan.h"
#include "planner/lifetimes.h"

namespace edgeinfer::planner {

namespace {

// The producers each node waits for and the consumers of each node (each pair once).
struct Dependencies {
  std::vector<int> pending;                    // per node: producers not yet run
  std::vector<std::vector<ir::NodeId>> users;  // per node: nodes reading one of its outputs
};

Dependencies dependencies(const ir::Graph& graph) {
  Dependencies d;
  d.pending.assign(graph.nodes.size(), 0);
  d.users.resize(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    std::vector<ir::NodeId> producers;
    for (ir::ValueId in : graph.nodes[i].inputs) {
      if (in == ir::kNoValue || static_cast<size_t>(in) >= graph.values.size()) continue;
      const ir::Value& v = graph.values[in];
      if (v.kind == ir::ValueKind::kIntermediate && v.producer >= 0)
        producers.push_back(v.producer);
    }
    std::sort(producers.begin(), producers.end());
    producers.erase(std::unique(producers.begin(), producers.end()), producers.end());
    for (ir::NodeId p : producers)
      d.users[p].push_back(static_cast<ir::NodeId>(i));
    d.pending[i] = static_cast<int>(producers.size());
  }
  return d;
}

// Readers per value, counting a node that reads a value twice once.
std::vector<int> reader_counts(const ir::Graph& graph) {
  std::vector<int> readers(graph.values.size(), 0);
  for (const ir::Node& node : graph.nodes) {
    std::vector<ir::ValueId> seen;
    for (ir::ValueId in : node.inputs) {
      if (in == ir::kNoValue || std::find(seen.begin(), seen.end(), in) != seen.end()) continue;
      seen.push_back(in);
      ++readers[in];
    }
  }
  return readers;
}

}  // namespace

std::vector<ir::NodeId> least_memory_first_order(const ir::Graph& graph,
                                                 const std::vector<size_t>& bytes,
                                                 const std::vector<bool>& keep) {
  Dependencies d = dependencies(graph);
  std::vector<int> readers = reader_counts(graph);
  std::vector<bool> stays(graph.values.size(), false);  // outputs and kept values never free
  for (ir::ValueId out : graph.outputs)
    stays[out] = true;
  for (size_t id = 0; id < keep.size() && id < stays.size(); ++id)
    stays[id] = stays[id] || keep[id];
  auto size = [&](ir::ValueId v) {
    return v != ir::kNoValue && static_cast<size_t>(v) < bytes.size()
               ? static_cast<long long>(bytes[v])
               : 0LL;
  };
  auto added = [&](ir::NodeId n) {
    const ir::Node& node = graph.nodes[n];
    long long delta = 0;
    for (ir::ValueId out : node.outputs)
      delta += size(out);
    std::vector<ir::ValueId> seen;
    for (ir::ValueId in : node.inputs) {
      if (in == ir::kNoValue || std::find(seen.begin(), seen.end(), in) != seen.end()) continue;
      seen.push_back(in);
      if (graph.values[in].kind == ir::ValueKind::kIntermediate && !stays[in] && readers[in] == 1)
        delta -= size(in);
    }
    return delta;
  };
  std::vector<ir::NodeId> ready, order;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (d.pending[i] == 0) ready.push_back(static_cast<ir::NodeId>(i));
  while (!ready.empty()) {
    size_t best = 0;
    long long best_delta = added(ready[0]);
    for (size_t k = 1; k < ready.size(); ++k) {
      const long long delta = added(ready[k]);
      if (delta < best_delta || (delta == best_delta && ready[k] < ready[best])) {
        best = k;
        best_delta = delta;
      }
    }
    const ir::NodeId n = ready[best];
    ready.erase(ready.begin() + static_cast<long>(best));
    order.push_back(n);
    std::vector<ir::ValueId> seen;
    for (ir::ValueId in : graph.nodes[n].inputs) {
      if (in == ir::kNoValue || std::find(seen.begin(), seen.end(), in) != seen.end()) continue;
      seen.push_back(in);
      --readers[in];
    }
    for (ir::NodeId u : d.users[n])
      if (--d.pending[u] == 0) ready.push_back(u);
  }
  return order;
}

std::vector<ir::NodeId> depth_first_order(const ir::Graph& graph) {
  Dependencies d = dependencies(graph);
  std::vector<ir::NodeId> stack, order;
  for (size_t i = graph.nodes.size(); i-- > 0;)
    if (d.pending[i] == 0) stack.push_back(static_cast<ir::NodeId>(i));
  while (!stack.empty()) {
    const ir::NodeId n = stack.back();
    stack.pop_back();
    order.push_back(n);
    // Pushed highest id first, so the lowest ready consumer runs next.
    for (auto it = d.users[n].rbegin(); it != d.users[n].rend(); ++it)
      if (--d.pending[*it] == 0) stack.push_back(*it);
  }
  return order;
}

bool is_topological_order(const ir::Graph& graph, const std::vector<ir::NodeId>& order) {
  if (order.size() != graph.nodes.size()) return false;
  std::vector<int> position(graph.nodes.size(), -1);
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i] < 0 || static_cast<size_t>(order[i]) >= graph.nodes.size() ||
        position[order[i]] >= 0)
      return false;
    position[order[i]] = static_cast<int>(i);
  }
  for (size_t i = 0; i < order.size(); ++i) {
    for (ir::ValueId in : graph.nodes[order[i]].inputs) {
      if (in == ir::kNoValue) continue;
      const ir::Value& v = graph.values[in];
      if (v.kind == ir::ValueKind::kIntermediate &&
          (v.producer < 0 || position[v.producer] >= static_cast<int>(i)))
        return false;
    }
  }
  return true;
}

Result<ScheduleChoice> choose_schedule(const ir::Graph& graph, const std::vector<size_t>& bytes,
                                       const std::vector<Shape>& shapes,
                                       const std::vector<bool>& keep, size_t alignment) {
  EI_ASSIGN_OR_RETURN(std::vector<ir::NodeId> topological, graph.topological_order());
  auto plan = [&](const std::vector<ir::NodeId>& order) {
    const auto lifetimes = compute_lifetimes(graph, order, keep);
    return plan_graph_memory(graph, order, lifetimes, bytes, shapes, alignment);
  };
  ScheduleChoice best;
  best.plan = plan(topological);
  best.topological_lower_bound_bytes = best.plan.lower_bound_bytes;
  best.lower_bound_bytes = best.topological_lower_bound_bytes;
  best.order = topological;
  best.name = "topological";
  const std::pair<const char*, std::vector<ir::NodeId>> candidates[] = {
      {"least memory first", least_memory_first_order(graph, bytes, keep)},
      {"depth first", depth_first_order(graph)},
  };
  // Candidates often equal the model's order (always on a chain): an order already planned
  // has the same bound, and planning costs a fraction of a millisecond of every load.
  std::vector<const std::vector<ir::NodeId>*> planned = {&topological};
  for (const auto& entry : candidates) {
    // Named, not a structured binding: clang before 16 cannot capture those in the lambda.
    const char* name = entry.first;
    const std::vector<ir::NodeId>& order = entry.second;
    const bool seen = std::any_of(planned.begin(), planned.end(),
                                  [&order](const auto* other) { return *other == order; });
    if (seen || !is_topological_order(graph, order)) continue;
    planned.push_back(&order);
    MemoryPlan candidate = plan(order);
    if (candidate.lower_bound_bytes < best.lower_bound_bytes) {
      best.lower_bound_bytes = candidate.lower_bound_bytes;
      best.plan = std::move(candidate);
      best.order = order;
      best.name = name;
    }
  }
  return best;
}

}  // namespace edgeinfer::planner
