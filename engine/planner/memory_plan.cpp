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

// One value inside a block: its byte range relative to the block's start and its lifetime.
struct Member {
  size_t id = 0;
  size_t offset = 0;
  size_t size = 0;
  Lifetime life;
};

// What gets placed: a value with its own slot (the root) and every value aliased into it.
struct Block {
  size_t root = 0;
  size_t size = 0;  // the root's aligned size: every member lies inside it
  Lifetime span;    // union of the members' lifetimes
  std::vector<Member> members;
};

struct Blocks {
  std::vector<int> block_of;  // per value: index into `blocks`, or -1 if not placed
  std::vector<Block> blocks;
};

// Follows `aliases` from every placed value to the value that owns the slot (its root),
// summing offsets. An alias that points at an unplanned value, leaves its target's bytes or
// is misaligned is ignored: the value gets a slot of its own.
Blocks make_blocks(const std::vector<Lifetime>& lifetimes, const std::vector<size_t>& bytes,
                   size_t alignment, const std::vector<Alias>& aliases) {
  const size_t n = std::min(lifetimes.size(), bytes.size());
  auto placed = [&](int id) {
    return id >= 0 && static_cast<size_t>(id) < n && lifetimes[id].first >= 0 && bytes[id] > 0;
  };
  auto usable = [&](size_t id) {
    if (id >= aliases.size() || !placed(aliases[id].target)) return false;
    const Alias& a = aliases[id];
    return a.offset % alignment == 0 &&
           a.offset + round_up(bytes[id], alignment) <= round_up(bytes[a.target], alignment);
  };
  Blocks b;
  b.block_of.assign(lifetimes.size(), -1);
  std::vector<int> root(n, -1);
  std::vector<size_t> offset(n, 0);
  for (size_t id = 0; id < n; ++id) {
    if (!placed(static_cast<int>(id))) continue;
    // Walk to the root (at most n hops: a cycle, which no analysis makes, ends the walk).
    size_t at = id, total = 0;
    for (size_t hops = 0; usable(at) && hops < n; ++hops) {
      total += aliases[at].offset;
      at = static_cast<size_t>(aliases[at].target);
    }
    root[id] = static_cast<int>(at);
    offset[id] = total;
  }
  for (size_t id = 0; id < n; ++id) {
    if (root[id] < 0) continue;
    const size_t r = static_cast<size_t>(root[id]);
    if (b.block_of[r] < 0) {
      b.block_of[r] = static_cast<int>(b.blocks.size());
      Block block;
      block.root = r;
      block.size = round_up(bytes[r], alignment);
      block.span = lifetimes[r];
      b.blocks.push_back(block);
    }
    Block& block = b.blocks[b.block_of[r]];
    b.block_of[id] = b.block_of[r];
    const size_t size = std::min(round_up(bytes[id], alignment), block.size - offset[id]);
    block.members.push_back({id, offset[id], size, lifetimes[id]});
    block.span.first = std::min(block.span.first, lifetimes[id].first);
    block.span.last = std::max(block.span.last, lifetimes[id].last);
  }
  return b;
}

// Places the blocks in `order`; returns each block's offset and the arena size. A block may go
// at offset o if none of its members overlaps, in bytes and time, a member of a block already
// placed. Best fit takes the free position with the least slack (for a one-member block: the
// smallest gap that holds it), first fit the lowest; else past the end.
size_t place_in_order(const Blocks& blocks, const std::vector<size_t>& order, bool best_fit,
                      std::vector<long long>& offsets) {
  offsets.assign(blocks.blocks.size(), -1);
  std::vector<size_t> placed;
  placed.reserve(order.size());
  // Open intervals (lo, hi) of forbidden offsets: o <= lo or o >= hi keeps clear of one member.
  std::vector<std::pair<long long, long long>> forbidden;
  size_t arena = 0;
  for (size_t index : order) {
    const Block& block = blocks.blocks[index];
    forbidden.clear();
    for (size_t other_index : placed) {
      const Block& other = blocks.blocks[other_index];
      if (!overlaps_in_time(block.span, other.span)) continue;
      for (const Member& m : block.members) {
        for (const Member& p : other.members) {
          if (!overlaps_in_time(m.life, p.life)) continue;
          const long long start = offsets[other_index] + static_cast<long long>(p.offset);
          forbidden.emplace_back(
              start - static_cast<long long>(m.offset + m.size),
              start + static_cast<long long>(p.size) - static_cast<long long>(m.offset));
        }
      }
    }
    std::sort(forbidden.begin(), forbidden.end());
    long long best_offset = -1, best_slack = -1, cursor = 0;
    for (const auto& [lo, hi] : forbidden) {
      if (lo >= cursor && (best_offset < 0 || lo - cursor < best_slack)) {
        best_slack = lo - cursor;
        best_offset = cursor;
        if (!best_fit) break;
      }
      cursor = std::max(cursor, hi);
    }
    if (best_offset < 0) best_offset = cursor;
    offsets[index] = best_offset;
    arena = std::max(arena, static_cast<size_t>(best_offset) + block.size);
    placed.push_back(index);
  }
  return arena;
}

// Bytes reserved at each step 0..steps: per block, the union of its live members' ranges.
std::vector<size_t> block_live_bytes(const Blocks& blocks, size_t steps) {
  std::vector<size_t> live(steps + 1, 0);
  std::vector<std::pair<size_t, size_t>> ranges;
  for (const Block& block : blocks.blocks) {
    const size_t last =
        std::min(static_cast<size_t>(std::max(block.span.last, block.span.first)), steps);
    for (size_t s = static_cast<size_t>(block.span.first); s <= last; ++s) {
      ranges.clear();
      for (const Member& m : block.members) {
        const int step = static_cast<int>(s);
        if (m.life.first <= step && step <= std::max(m.life.last, m.life.first))
          ranges.emplace_back(m.offset, m.offset + m.size);
      }
      std::sort(ranges.begin(), ranges.end());
      size_t covered = 0, end = 0;
      for (const auto& [from, to] : ranges) {
        const size_t start = std::max(from, end);
        if (to > start) covered += to - start;
        end = std::max(end, to);
      }
      live[s] += covered;
    }
  }
  return live;
}

}  // namespace

std::vector<Alias> in_place_as_aliases(const std::vector<int>& in_place) {
  std::vector<Alias> aliases(in_place.size());
  for (size_t id = 0; id < in_place.size(); ++id)
    aliases[id].target = in_place[id];
  return aliases;
}

MemoryPlan plan_memory(const std::vector<Lifetime>& lifetimes, const std::vector<size_t>& bytes,
                       size_t steps, size_t alignment, const std::vector<Alias>& aliases) {
  const Blocks blocks = make_blocks(lifetimes, bytes, alignment, aliases);
  auto life = [&](size_t i) { return blocks.blocks[i].span; };
  auto length = [&](size_t i) { return life(i).last - life(i).first; };
  auto size = [&](size_t i) { return blocks.blocks[i].size; };
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
      {"first use", [&](size_t a, size_t b) { return life(a).first < life(b).first; }},
      {"size x lifetime",
       [&](size_t a, size_t b) {
         return static_cast<double>(size(a)) * (length(a) + 1) >
                static_cast<double>(size(b)) * (length(b) + 1);
       }},
      {"last use", [&](size_t a, size_t b) { return life(a).last > life(b).last; }},
  };
  MemoryPlan best;
  std::vector<long long> best_offsets, offsets;
  size_t best_arena = kNotPlanned;
  std::vector<size_t> all(blocks.blocks.size());
  for (size_t i = 0; i < all.size(); ++i)
    all[i] = i;
  for (const auto& [name, less] : orderings) {
    std::vector<size_t> order = all;
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
  best.arena_bytes = blocks.blocks.empty() ? 0 : best_arena;
  best.offsets.assign(lifetimes.size(), kNotPlanned);
  best.sizes.assign(lifetimes.size(), 0);
  best.shares_with.assign(lifetimes.size(), -1);
  for (size_t i = 0; i < blocks.blocks.size(); ++i) {
    const Block& block = blocks.blocks[i];
    for (const Member& m : block.members) {
      best.offsets[m.id] = static_cast<size_t>(best_offsets[i]) + m.offset;
      best.sizes[m.id] = m.size;
      if (m.id != block.root) best.shares_with[m.id] = static_cast<int>(block.root);
    }
  }
  // The bounds: aligned bytes alive per step, without aliases and with them (as placed).
  std::vector<size_t> aligned(bytes.size());
  for (size_t id = 0; id < bytes.size(); ++id)
    aligned[id] = bytes[id] > 0 ? round_up(bytes[id], alignment) : 0;
  best.lower_bound_without_in_place_bytes = lower_bound_bytes(lifetimes, aligned, steps);
  best.live_bytes = block_live_bytes(blocks, steps);
  best.lower_bound_bytes = *std::max_element(best.live_bytes.begin(), best.live_bytes.end());
  return best;
}

bool plan_is_valid(const MemoryPlan& plan, const std::vector<Lifetime>& lifetimes,
                   const std::vector<Alias>& aliases) {
  auto block = [&](size_t v) {
    return v < plan.shares_with.size() && plan.shares_with[v] >= 0
               ? static_cast<size_t>(plan.shares_with[v])
               : v;
  };
  for (size_t a = 0; a < plan.offsets.size(); ++a) {
    if (plan.offsets[a] == kNotPlanned) continue;
    if (plan.offsets[a] + plan.sizes[a] > plan.arena_bytes) return false;
    // A member of another value's block must sit exactly where its alias puts it.
    if (block(a) != a && a < aliases.size() && aliases[a].target >= 0) {
      const size_t target = static_cast<size_t>(aliases[a].target);
      if (target >= plan.offsets.size() || block(target) != block(a) ||
          plan.offsets[a] != plan.offsets[target] + aliases[a].offset) {
        return false;
      }
    }
    for (size_t b = a + 1; b < plan.offsets.size(); ++b) {
      if (plan.offsets[b] == kNotPlanned || block(a) == block(b)) continue;
      if (!overlaps_in_time(lifetimes[a], lifetimes[b])) continue;
      const bool apart = plan.offsets[a] + plan.sizes[a] <= plan.offsets[b] ||
                         plan.offsets[b] + plan.sizes[b] <= plan.offsets[a];
      if (!apart) return false;
    }
  }
  return true;
}

}  // namespace edgeinfer::planner
