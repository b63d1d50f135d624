#include "planner/lifetimes.h"

#include <algorithm>

namespace edgeinfer::planner {

std::vector<Lifetime> compute_lifetimes(const ir::Graph& graph,
                                        const std::vector<ir::NodeId>& schedule,
                                        const std::vector<bool>& keep) {
  std::vector<Lifetime> lifetimes(graph.values.size());
  const int end = static_cast<int>(schedule.size());
  for (int step = 0; step < end; ++step) {
    const ir::Node& node = graph.nodes[schedule[step]];
    for (ir::ValueId out : node.outputs) {
      if (out == ir::kNoValue) continue;
      lifetimes[out].first = step;
      lifetimes[out].last = std::max(lifetimes[out].last, step);
    }
    for (ir::ValueId in : node.inputs) {
      if (in != ir::kNoValue) lifetimes[in].last = std::max(lifetimes[in].last, step);
    }
  }
  auto live_to_end = [&](ir::ValueId id) {
    if (lifetimes[id].first >= 0) lifetimes[id].last = end;
  };
  for (ir::ValueId out : graph.outputs)
    live_to_end(out);
  for (size_t id = 0; id < keep.size() && id < lifetimes.size(); ++id) {
    if (keep[id]) live_to_end(static_cast<ir::ValueId>(id));
  }
  return lifetimes;
}

std::vector<std::vector<ir::ValueId>> releases_per_step(const std::vector<Lifetime>& lifetimes,
                                                        size_t steps) {
  std::vector<std::vector<ir::ValueId>> releases(steps);
  for (size_t id = 0; id < lifetimes.size(); ++id) {
    const Lifetime& l = lifetimes[id];
    if (l.first >= 0 && l.last >= 0 && static_cast<size_t>(l.last) < steps) {
      releases[l.last].push_back(static_cast<ir::ValueId>(id));
    }
  }
  return releases;
}

std::vector<size_t> live_bytes_per_step(const std::vector<Lifetime>& lifetimes,
                                        const std::vector<size_t>& bytes, size_t steps) {
  // Difference array over steps [0, steps]: +bytes at first, -bytes after last.
  std::vector<long long> delta(steps + 2, 0);
  for (size_t id = 0; id < lifetimes.size() && id < bytes.size(); ++id) {
    const Lifetime& l = lifetimes[id];
    if (l.first < 0 || static_cast<size_t>(l.first) > steps) continue;
    const size_t last = std::min(static_cast<size_t>(std::max(l.last, l.first)), steps);
    delta[l.first] += static_cast<long long>(bytes[id]);
    delta[last + 1] -= static_cast<long long>(bytes[id]);
  }
  std::vector<size_t> live(steps + 1, 0);
  long long total = 0;
  for (size_t s = 0; s <= steps; ++s) {
    total += delta[s];
    live[s] = static_cast<size_t>(total);
  }
  return live;
}

size_t lower_bound_bytes(const std::vector<Lifetime>& lifetimes, const std::vector<size_t>& bytes,
                         size_t steps) {
  const std::vector<size_t> live = live_bytes_per_step(lifetimes, bytes, steps);
  return live.empty() ? 0 : *std::max_element(live.begin(), live.end());
}

}  // namespace edgeinfer::planner
