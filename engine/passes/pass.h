// Graph rewrites. Each pass is a function over the IR that keeps the graph's meaning and
// reports what it changed; passes never see files or executors.
#pragma once

#include <string>
#include <vector>

#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::passes {

struct PassOptions {
  // Values that must stay computed as they are (tensors the caller asked to keep).
  std::vector<std::string> keep;
};

// Replaces every node whose inputs are all (non-overridable) constants by constants holding
// its outputs, computed with the reference kernels. Returns the number of nodes folded.
Result<int> fold_constants(ir::Graph& graph, const PassOptions& options);

// Removes nodes whose outputs nobody reads (graph outputs and kept values count as read)
// and values nothing refers to. Returns the number of nodes removed.
int eliminate_dead_code(ir::Graph& graph, const PassOptions& options);

// The passes every model gets, in order.
Status run_default_passes(ir::Graph& graph, const PassOptions& options);

}  // namespace edgeinfer::passes
