// Weights mode `mapped`, second half: constants that cannot point into the model file
// (misaligned raw data, weights the importer converted, constants the passes computed) are
// written once to a weight cache entry and mapped from there, so no constant of note stays in
// private memory.
#pragma once

#include <cstddef>

#include "edgeinfer/status.h"
#include "ir/graph.h"
#include "planner/weight_store.h"

namespace edgeinfer::planner {

// Every private constant of at least `min_bytes` bytes is laid out (64-byte aligned, in value
// order) in the entry `entry` of `store` and switched to the mapped bytes. On a cache hit each
// constant is compared with the cached bytes; any difference rebuilds the entry. Returns the
// bytes now mapped.
Result<size_t> map_private_constants(ir::Graph& graph, WeightStore& store, const std::string& entry,
                                     size_t min_bytes = 256);

}  // namespace edgeinfer::planner
