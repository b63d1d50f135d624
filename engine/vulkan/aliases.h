// Values that need no memory of their own on the device, so no copy either:
// - the output of a reshape-like node (Reshape, Flatten, Squeeze, Unsqueeze, Identity, and a
//   Transpose that moves only dims of size 1: the same bytes under a new shape) is bound to its
//   input's memory;
// - an input of a Concat whose pieces are contiguous in its output (everything before the
//   axis is 1, as in NCHW channel concatenation) is written by its producer straight into its
//   slice of the output, and the Concat copies nothing.
#pragma once

#include <cstddef>
#include <vector>

#include "ir/graph.h"
#include "planner/lifetimes.h"

namespace edgeinfer::vulkan {

// Reshape, Flatten, Squeeze, Unsqueeze, Identity, or a Transpose that moves only dims of size 1:
// the output holds the input's bytes in the same order.
bool same_bytes_new_shape(const ir::Graph& graph, const ir::Node& node);

struct Alias {
  ir::ValueId root = ir::kNoValue;  // the value whose memory this one uses; kNoValue: its own
  size_t offset = 0;                // bytes into the root's memory
  bool reshape = false;             // the output of a reshape-like node: it needs no dispatch
};

// Per value, its alias. Roots are intermediates produced by a scheduled node or (for reshapes)
// graph inputs. Widens each root's lifetime over its aliases', so that the memory plan keeps
// the root's memory from the first alias written to the last one read. Concat slices start at
// multiples of `alignment` bytes (the device's storage-buffer offset alignment) or are not
// aliased.
std::vector<Alias> find_aliases(const ir::Graph& graph, const std::vector<ir::NodeId>& schedule,
                                const std::vector<size_t>& bytes, size_t alignment,
                                std::vector<planner::Lifetime>& lifetimes);

}  // namespace edgeinfer::vulkan
