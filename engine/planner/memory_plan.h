// The memory plan: an offset into one arena for every intermediate tensor, computed once from
// lifetimes and sizes (after TFLite's arena planner). A plan is plain data, easy to test.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "planner/lifetimes.h"

namespace edgeinfer::planner {

constexpr size_t kNotPlanned = std::numeric_limits<size_t>::max();

struct MemoryPlan {
  std::vector<size_t> offsets;  // per ValueId; kNotPlanned for values without a slot
  std::vector<size_t> sizes;    // per ValueId; bytes reserved at the offset
  // Per ValueId: the value whose slot it shares in place (the first of its chain), or -1.
  // Values of one chain may overlap in time and memory; no other two may.
  std::vector<int> shares_with;
  size_t arena_bytes = 0;
  // Largest total of (aligned) bytes alive at one step, counting a chain of in-place values
  // once: no plan of this schedule can use less.
  size_t lower_bound_bytes = 0;
  // The same bound if nothing ran in place (what the other memory modes are measured with).
  size_t lower_bound_without_in_place_bytes = 0;
  std::string ordering;  // which placement order won ("size", "first use", ...)
  // Bytes alive at each step as this plan runs (chains counted once): steps + 1 entries.
  std::vector<size_t> live_bytes;
};

// Places every value with a lifetime and a non-zero size. Two values share bytes only if
// their lifetimes do not overlap, or if `in_place[v]` names the value v may overwrite (see
// in_place.h; empty = none). Greedy: values are taken in a few orders (largest first, longest-
// lived first, earliest first, ...) and each goes into the best-fitting gap among the values
// already placed that overlap it in time; the smallest arena wins.
MemoryPlan plan_memory(const std::vector<Lifetime>& lifetimes, const std::vector<size_t>& bytes,
                       size_t steps, size_t alignment = 64, const std::vector<int>& in_place = {});

// True if no two values that are alive at the same step overlap in the arena (values of
// one in-place chain excepted) and every slot lies inside the arena.
bool plan_is_valid(const MemoryPlan& plan, const std::vector<Lifetime>& lifetimes);

}  // namespace edgeinfer::planner
