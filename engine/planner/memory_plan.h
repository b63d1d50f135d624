// The memory plan: an offset into one arena for every intermediate tensor, computed once from
// lifetimes and sizes (after TFLite's arena planner). A plan is plain data, easy to test.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

#include "planner/lifetimes.h"

namespace edgeinfer::planner {

constexpr size_t kNotPlanned = std::numeric_limits<size_t>::max();

struct MemoryPlan {
  std::vector<size_t> offsets;  // per ValueId; kNotPlanned for values without a slot
  std::vector<size_t> sizes;    // per ValueId; bytes reserved at the offset
  size_t arena_bytes = 0;
  size_t lower_bound_bytes = 0;
};

// Places every value with a lifetime and a non-zero size. Two values share bytes only if
// their lifetimes do not overlap. Greedy: values are taken in a few orders (largest first,
// longest-lived first, earliest first) and each goes into the best-fitting gap among the
// values already placed that overlap it in time; the smallest arena wins.
MemoryPlan plan_memory(const std::vector<Lifetime>& lifetimes, const std::vector<size_t>& bytes,
                       size_t steps, size_t alignment = 64);

// True if no two values that are alive at the same step overlap in the arena.
bool plan_is_valid(const MemoryPlan& plan, const std::vector<Lifetime>& lifetimes);

}  // namespace edgeinfer::planner
