// What a loaded model holds: the graph after import and passes, and its interface.
#pragma once

#include <string>
#include <vector>

#include "edgeinfer/edgeinfer.h"
#include "ir/graph.h"
#include "planner/weight_store.h"

namespace edgeinfer {

class ModelImpl {
 public:
  std::string path;
  Options options;
  ir::Graph graph;
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;
  // Weights mode `mapped`: this model's weight cache (pre-packed weights go here too).
  std::shared_ptr<planner::WeightStore> weight_store;
};

}  // namespace edgeinfer
