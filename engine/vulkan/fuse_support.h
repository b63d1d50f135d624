// What the Vulkan executor's graph rewrites (fuse_*.h) share.
#pragma once

#include <vector>

#include "edgeinfer/tensor.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace edgeinfer::vulkan {

// Pass options that protect the values flagged in `keep` (per ValueId).
passes::PassOptions keep_options(const ir::Graph& graph, const std::vector<bool>& keep);

// `s` holds one value per channel (dim 1) of the rank-4, batch-1 shape `x`: [1,C,1,1], [C,1,1]
// and the like.
bool per_channel_of(const Shape& s, const Shape& x);

// For a two-input Mul: the index (0 or 1) of the input that is a static float tensor of the
// output's shape while the other is a per-channel scale of it (per_channel_of); -1 if neither.
int per_channel_scaled_input(const ir::Graph& g, const ir::Node& mul);

}  // namespace edgeinfer::vulkan
