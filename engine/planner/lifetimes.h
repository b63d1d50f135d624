// Tensor lifetimes over an execution schedule, and the lower bound of intermediate memory
// they imply. Pure functions of the graph and the schedule: easy to test, reused by every
// memory mode.
#pragma once

#include <cstddef>
#include <vector>

#include "ir/graph.h"

namespace edgeinfer::planner {

// Steps are positions in the schedule. A value produced at step p and last read at step q
// occupies memory during steps [p, q]. Values that must survive the run (graph outputs, kept
// tensors) have last == schedule size.
struct Lifetime {
  int first = -1;  // step of the producer; -1 for values not produced by a node
  int last = -1;   // last step reading it; == first if nobody reads it
};

// Lifetimes of every value (indexed by ValueId). Only kIntermediate values get meaningful
// entries; `keep` marks values that must live to the end in addition to the graph outputs.
std::vector<Lifetime> compute_lifetimes(const ir::Graph& graph,
                                        const std::vector<ir::NodeId>& schedule,
                                        const std::vector<bool>& keep);

// For each step, which intermediates can be freed once it has finished.
std::vector<std::vector<ir::ValueId>> releases_per_step(const std::vector<Lifetime>& lifetimes,
                                                        size_t steps);

// Total of `bytes[v]` over intermediates alive at each step 0..steps (steps + 1 entries: the
// last one is what survives the run).
std::vector<size_t> live_bytes_per_step(const std::vector<Lifetime>& lifetimes,
                                        const std::vector<size_t>& bytes, size_t steps);

// Largest total of `bytes[v]` over intermediates alive at the same step.
size_t lower_bound_bytes(const std::vector<Lifetime>& lifetimes, const std::vector<size_t>& bytes,
                         size_t steps);

}  // namespace edgeinfer::planner
