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

// A value that lives inside another value's bytes: `offset` bytes into `target`'s slot.
// In place (in_place.h): offset 0 into an input of the same size. A Concat input planned as
// a slice of the Concat's output (concat_in_place.h): offset = the slice's start.
struct Alias {
  int target = -1;  // ValueId, or -1: the value has a slot of its own
  size_t offset = 0;
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // per ValueId; kNotPlanned for values without a slot
  std::vector<size_t> sizes;    // per ValueId; bytes reserved at the offset
  // Per ValueId: the root of the block it lies in (the value that owns the slot its alias
  // chain ends in), or -1 for a root or an unplanned value. Values of one block may overlap
  // in time and memory as their aliases say; values of different blocks never do.
  std::vector<int> shares_with;
  // Per ValueId: a Concat output whose inputs (some or all) were planned as its slices; the
  // executor copies only the inputs that are not already where they belong.
  std::vector<bool> concat_in_place;
  size_t arena_bytes = 0;
  // Largest total of (aligned) bytes reserved at one step with the aliases applied: per block,
  // the union of the byte ranges of its members alive at that step (an in-place chain counts
  // once; a Concat output counts, before it is produced, only the slices already written).
  // No placement of this schedule with these aliases can use less.
  size_t lower_bound_bytes = 0;
  // The same bound with no alias at all: every value its own bytes (what the other memory
  // modes are measured with).
  size_t lower_bound_without_in_place_bytes = 0;
  std::string ordering;  // which placement order won ("size", "first use", ...)
  // Bytes reserved at each step as this plan runs (as in lower_bound_bytes): steps + 1
  // entries.
  std::vector<size_t> live_bytes;
};

// In-place targets (in_place.h: per value, the input it overwrites or kNoValue) as aliases.
std::vector<Alias> in_place_as_aliases(const std::vector<int>& in_place);

// Places every value with a lifetime and a non-zero size. Values joined by `aliases` form one
// block (a rigid group of byte ranges, each alive over its own value's lifetime); two values
// of different blocks share bytes only if their lifetimes do not overlap. Greedy: blocks are
// taken in a few orders (largest first, longest-lived first, earliest first, ...) and each
// goes to the best-fitting free position among the blocks already placed that overlap it in
// time; the smallest arena wins. An alias must keep the value inside its target's aligned
// size, at an offset that is a multiple of `alignment` (else it is ignored).
MemoryPlan plan_memory(const std::vector<Lifetime>& lifetimes, const std::vector<size_t>& bytes,
                       size_t steps, size_t alignment = 64, const std::vector<Alias>& aliases = {});

// True if no two values of different blocks that are alive at the same step overlap in the
// arena, every member lies where its alias says, and every slot lies inside the arena.
bool plan_is_valid(const MemoryPlan& plan, const std::vector<Lifetime>& lifetimes,
                   const std::vector<Alias>& aliases = {});

}  // namespace edgeinfer::planner
