#include "planner/memory_plan.h"

#include <algorithm>
#include <functional>

namespace edgeinfer::planner {

namespace {

bool overlaps_in_time(const Lifetime& a, const Lifetime& b) {
  return a.first <= b.last && b.first <= a.last;
}

size_t round_up(size_t n, size_t alignment) {
  return (n + alignment - 1) / alignment * alignment;
}

// What gets placed: one block per in-place chain (or per lone value), its lifetime the union
// of its members' and its size the largest member's.
struct Blocks {
  std::vector<int> root;       // per value: the block's first value, or -1 if not placed
  std::vector<Lifetime> life;  // per value id of a root
  std::vector<size_t> size;    // per value id of a root
  std::vector<size_t> roots;
};

Blocks make_blocks(const std::vector<Lifetime>& lifetimes, const std::vector<size_t>& bytes,
                   size_t alignment, const std::vector<int>& in_place) {
  const size_t n = std::min(lifetimes.size(), bytes.size());
  Blocks b;
  b.root.assign(lifetimes.size(), -1);
  b.life.assign(lifetimes.size(), Lifetime{});
  b.size.assign(lifetimes.size(), 0);
  // Members are visited in schedule order so a chain's root is known before its members.
  std::vector<size_t> by_first;
  for (size_t id = 0; id < n; ++id) {
    if (lifetimes[id].first >= 0 && bytes[id] > 0) by_first.push_back(id);
  }
  std::stable_sort(by_first.begin(), by_first.end(),
                   [&](size_t x, size_t y) { return lifetimes[x].first < lifetimes[y].first; });
  for (size_t id : by_first) {
    const int target = id < in_place.size() ? in_place[id] : -1;
    int root = static_cast<int>(id);
    if (target >= 0 && static_cast<size_t>(target) < n && b.root[target] >= 0) {
      root = b.root[target];
    }
    b.root[id] = root;
    Lifetime& life = b.life[root];
    if (root == static_cast<int>(id)) {
      life = lifetimes[id];
      b.roots.push_back(id);
    } else {
      life.first = std::min(life.first, lifetimes[id].first);
      life.last = std::max(life.last, lifetimes[id].last);
    }
    b.size[root] = std::max(b.size[root], round_up(bytes[id], alignment));
  }
  return b;
}

// Places the blocks in `order`; returns offsets per root (kNotPlanned elsewhere) and the size.
size_t place_in_order(const Blocks& blocks, const std::vector<size_t>& order, bool best_fit,
                      std::vector<size_t>& offsets) {
  offsets.assign(blocks.root.size(), kNotPlanned);
  std::vector<size_t> placed;
  placed.reserve(order.size());
  std::vector<std::pair<size_t, size_t>> busy;  // [offset, end) of time-overlapping blocks
  size_t arena = 0;
  for (size_t id : order) {
    const size_t size = blocks.size[id];
    busy.clear();
    for (size_t other : placed) {
      if (overlaps_in_time(blocks.life[id], blocks.life[other])) {
        busy.emplace_back(offsets[other], offsets[other] + blocks.size[other]);
      }
    }
    std::sort(busy.begin(), busy.end());
    // Best fit: the smallest gap between busy ranges that holds `size` (first fit: the
    // lowest one); else past the end.
    size_t best_offset = kNotPlanned, best_gap = kNotPlanned, cursor = 0;
    for (const auto& [start, end] : busy) {
      if (start > cursor && start - cursor >= size && start - cursor < best_gap) {
        best_gap = start - cursor;
        best_offset = cursor;
        if (!best_fit) break;
      }
      cursor = std::max(cursor, end);
    }
    if (best_offset == kNotPlanned) best_offset = cursor;
    offsets[id] = best_offset;
    arena = std::max(arena, best_offset + size);
    placed.push_back(id);
  }
  return arena;
}

}  // namespace

MemoryPlan plan_memory(const std::vector<Lifetime>& lifetimes, const std::vector<size_t>& bytes,
                       size_t steps, size_t alignment, const std::vector<int>& in_place) {
  const Blocks blocks = make_blocks(lifetimes, bytes, alignment, in_place);
  auto length = [&](size_t id) { return blocks.life[id].last - blocks.life[id].first; };
  auto size = [&](size_t id) { return blocks.size[id]; };
  using Less = std::function<bool(size_t, size_t)>;
  const std::vector<std::pair<const char*, Less>> orderings = {
      {"size",
       [&](size_t a, size_t b) {
         return size(a) != size(b) ? size(a) > size(b) : length(a) > length(b);
       }},
      {"lifetime length",
       [&](size_t a, size_t b) {
         return length(a) != length(b) ? length(a) > length(b) : size(a) > size(b);
       }},
      {"first use",
       [&](size_t a, size_t b) { return blocks.life[a].first < blocks.life[b].first; }},
      {"size x lifetime",
       [&](size_t a, size_t b) {
         return static_cast<double>(size(a)) * (length(a) + 1) >
                static_cast<double>(size(b)) * (length(b) + 1);
       }},
      {"last use", [&](size_t a, size_t b) { return blocks.life[a].last > blocks.life[b].last; }},
  };
  MemoryPlan best;
  std::vector<size_t> best_offsets, offsets;
  size_t best_arena = kNotPlanned;
  for (const auto& [name, less] : orderings) {
    std::vector<size_t> order = blocks.roots;
    std::stable_sort(order.begin(), order.end(), less);
    for (bool best_fit : {true, false}) {
      const size_t arena = place_in_order(blocks, order, best_fit, offsets);
      if (arena < best_arena) {
        best_arena = arena;
        best_offsets.swap(offsets);
        best.ordering = std::string(name) + (best_fit ? ", best fit" : ", first fit");
      }
    }
  }
  best.arena_bytes = blocks.roots.empty() ? 0 : best_arena;
  best.offsets.assign(lifetimes.size(), kNotPlanned);
  best.sizes.assign(lifetimes.size(), 0);
  best.shares_with.assign(lifetimes.size(), -1);
  for (size_t id = 0; id < lifetimes.size(); ++id) {
    const int root = blocks.root[id];
    if (root < 0) continue;
    best.offsets[id] = best_offsets[root];
    best.sizes[id] = blocks.size[root];
    if (root != static_cast<int>(id)) best.shares_with[id] = root;
  }
  // The bounds: aligned bytes alive per step, chains counted once (as their blocks).
  std::vector<size_t> aligned(bytes.size());
  for (size_t id = 0; id < bytes.size(); ++id)
    aligned[id] = bytes[id] > 0 ? round_up(bytes[id], alignment) : 0;
  best.lower_bound_without_in_place_bytes = lower_bound_bytes(lifetimes, aligned, steps);
  std::vector<Lifetime> block_lives(lifetimes.size(), Lifetime{});
  std::vector<size_t> block_sizes(lifetimes.size(), 0);
  for (size_t root : blocks.roots) {
    block_lives[root] = blocks.life[root];
    block_sizes[root] = blocks.size[root];
  }
  best.live_bytes = live_bytes_per_step(block_lives, block_sizes, steps);
  best.lower_bound_bytes = best.live_bytes.empty()
                               ? 0
                               : *std::max_element(best.live_bytes.begin(), best.live_bytes.end());
  return best;
}

bool plan_is_valid(const MemoryPlan& plan, const std::vector<Lifetime>& lifetimes) {
  auto chain = [&](size_t v) {
    return v < plan.shares_with.size() && plan.shares_with[v] >= 0
               ? static_cast<size_t>(plan.shares_with[v])
               : v;
  };
  for (size_t a = 0; a < plan.offsets.size(); ++a) {
    if (plan.offsets[a] == kNotPlanned) continue;
    if (plan.offsets[a] + plan.sizes[a] > plan.arena_bytes) return false;
    for (size_t b = a + 1; b < plan.offsets.size(); ++b) {
      if (plan.offsets[b] == kNotPlanned || chain(a) == chain(b)) continue;
      if (!overlaps_in_time(lifetimes[a], lifetimes[b])) continue;
      const bool apart = plan.offsets[a] + plan.sizes[a] <= plan.offsets[b] ||
                         plan.offsets[b] + plan.sizes[b] <= plan.offsets[a];
      if (!apart) return false;
    }
  }
  return true;
}

}  // namespace edgeinfer::planner
