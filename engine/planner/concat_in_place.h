// Concat elimination: producers write straight into their slice of a Concat's output.
//
// With every dim before the concat axis equal to 1 (NCHW on the channel axis with batch 1, or
// axis 0), input i of a Concat is one contiguous run of the output's bytes, starting at the
// total size of the inputs before it. When such an input is read by nothing after the Concat
// (not a graph output, not kept), its producer can write it there in the first place: the plan
// aliases it to (output, start of its slice), and the Concat has nothing left to copy for it.
// Inputs that cannot be placed so (constants, graph inputs, values read later, slices whose
// start is not aligned for the kernels) are still copied by the executor.
#pragma once

#include <cstddef>
#include <vector>

#include "edgeinfer/tensor.h"
#include "ir/graph.h"
#include "planner/lifetimes.h"
#include "planner/memory_plan.h"

namespace edgeinfer::planner {

struct Aliasing {
  std::vector<Alias> aliases;         // per ValueId, for plan_memory
  std::vector<bool> concat_in_place;  // per ValueId: a Concat output with slices aliased
};

// Adds Concat slices to the in-place aliases (`in_place`: per value, the input it overwrites
// or kNoValue; empty = none). `shapes` gives every value's shape as it will run (static
// shapes, or those of a run). A slice is aliased through the root of its in-place chain, so a
// chain (conv -> relu -> concat input) is written in the slice from its first member on.
Aliasing concat_in_place_aliases(const ir::Graph& graph, const std::vector<ir::NodeId>& schedule,
                                 const std::vector<Lifetime>& lifetimes,
                                 const std::vector<size_t>& bytes, const std::vector<Shape>& shapes,
                                 const std::vector<ir::ValueId>& in_place, size_t alignment);

// The concat axis of `node` for an output of rank `rank` if every dim before it is 1 in
// `out_shape` (so each input is one contiguous run of the output), else -1.
int64_t contiguous_concat_axis(const ir::Node& node, const Shape& out_shape);

}  // namespace edgeinfer::planner
