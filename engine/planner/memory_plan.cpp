#include "planner/memory_plan.h"

#include <algorithm>
#include <numeric>

namespace edgeinfer::planner {

namespace {

bool overlaps_in_time(const Lifetime& a, const Lifetime& b) {
  return a.first <= b.last && b.first <= a.last;
}

size_t round_up(size_t n, size_t alignment) {
  return (n + alignment - 1) / alignment * alignment;
}

// Places values in `order`; returns the plan.
MemoryPlan place_in_order(const std::vector<Lifetime>& lifetimes, const std::vector<size_t>& bytes,
                          const std::vector<size_t>& order, size_t alignment) {
  MemoryPlan plan;
  plan.offsets.assign(lifetimes.size(), kNotPlanned);
  plan.sizes.assign(lifetimes.size(), 0);
  std::vector<size_t> placed;
  placed.reserve(order.size());
  std::vector<std::pair<size_t, size_t>> busy;  // [offset, end) of time-overlapping values
  for (size_t id : order) {
    const size_t size = round_up(bytes[id], alignment);
    busy.clear();
    for (size_t other : placed) {
      if (overlaps_in_time(lifetimes[id], lifetimes[other])) {
        busy.emplace_back(plan.offsets[other], plan.offsets[other] + plan.sizes[other]);
      }
    }
    std::sort(busy.begin(), busy.end());
    // Best fit: the smallest gap between busy ranges that holds `size`; else past the end.
    size_t best_offset = kNotPlanned, best_gap = kNotPlanned, cursor = 0;
    for (const auto& [start, end] : busy) {
      if (start > cursor && start - cursor >= size && start - cursor < best_gap) {
        best_gap = start - cursor;
        best_offset = cursor;
      }
      cursor = std::max(cursor, end);
    }
    if (best_offset == kNotPlanned) best_offset = cursor;
    plan.offsets[id] = best_offset;
    plan.sizes[id] = size;
    plan.arena_bytes = std::max(plan.arena_bytes, best_offset + size);
    placed.push_back(id);
  }
  return plan;
}

}  // namespace

MemoryPlan plan_memory(const std::vector<Lifetime>& lifetimes, const std::vector<size_t>& bytes,
                       size_t steps, size_t alignment) {
  std::vector<size_t> ids;
  for (size_t id = 0; id < lifetimes.size() && id < bytes.size(); ++id) {
    if (lifetimes[id].first >= 0 && bytes[id] > 0) ids.push_back(id);
  }
  auto length = [&](size_t id) { return lifetimes[id].last - lifetimes[id].first; };
  std::vector<std::vector<size_t>> orders(3, ids);
  std::stable_sort(orders[0].begin(), orders[0].end(), [&](size_t a, size_t b) {
    return bytes[a] != bytes[b] ? bytes[a] > bytes[b] : length(a) > length(b);
  });
  std::stable_sort(orders[1].begin(), orders[1].end(), [&](size_t a, size_t b) {
    return length(a) != length(b) ? length(a) > length(b) : bytes[a] > bytes[b];
  });
  std::stable_sort(orders[2].begin(), orders[2].end(),
                   [&](size_t a, size_t b) { return lifetimes[a].first < lifetimes[b].first; });
  MemoryPlan best;
  bool have_best = false;
  for (const auto& order : orders) {
    MemoryPlan plan = place_in_order(lifetimes, bytes, order, alignment);
    if (!have_best || plan.arena_bytes < best.arena_bytes) {
      best = std::move(plan);
      have_best = true;
    }
  }
  std::vector<size_t> aligned(bytes.size());
  for (size_t id = 0; id < bytes.size(); ++id)
    aligned[id] = round_up(bytes[id], alignment);
  best.lower_bound_bytes = lower_bound_bytes(lifetimes, aligned, steps);
  if (!have_best) {
    best.offsets.assign(lifetimes.size(), kNotPlanned);
    best.sizes.assign(lifetimes.size(), 0);
  }
  return best;
}

bool plan_is_valid(const MemoryPlan& plan, const std::vector<Lifetime>& lifetimes) {
  for (size_t a = 0; a < plan.offsets.size(); ++a) {
    if (plan.offsets[a] == kNotPlanned) continue;
    if (plan.offsets[a] + plan.sizes[a] > plan.arena_bytes) return false;
    for (size_t b = a + 1; b < plan.offsets.size(); ++b) {
      if (plan.offsets[b] == kNotPlanned) continue;
      if (!overlaps_in_time(lifetimes[a], lifetimes[b])) continue;
      const bool apart = plan.offsets[a] + plan.sizes[a] <= plan.offsets[b] ||
                         plan.offsets[b] + plan.sizes[b] <= plan.offsets[a];
      if (!apart) return false;
    }
  }
  return true;
}

}  // namespace edgeinfer::planner
