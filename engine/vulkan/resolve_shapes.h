// Shapes for graphs whose importer could not infer every intermediate shape (a Resize whose
// sizes are computed from a Shape node, say): one run of the CPU executor on zero inputs of
// the session's input shapes records every tensor's shape and type into the graph. The
// Vulkan executor records its dispatches from these shapes; shapes that depend on input
// values rather than input shapes are not supported this way.
#pragma once

#include <memory>
#include <vector>

#include "cpu/executor.h"
#include "edgeinfer/status.h"
#include "ir/graph.h"
#include "planner/tensor_memory.h"

namespace edgeinfer::vulkan {

// True if every graph input and produced value has a known shape and element type.
bool has_static_shapes(const ir::Graph& graph);
// Fills in the shape and dtype of every produced value of `graph` from a CPU run.
Status resolve_shapes(ir::Graph& graph);

// One run of the CPU executor on inputs of the graph's static input shapes, float32 inputs
// filled with `fill` and others with zeros (shared by resolve_shapes and fp16_weights).
// `values` point into memory this object owns; the values marked in `keep` (resized to the
// graph) stay live.
struct ConstantInputRun {
  std::unique_ptr<cpu::Executor> executor;
  std::unique_ptr<planner::TensorMemory> memory;
  std::vector<std::vector<unsigned char>> data;  // the inputs
  std::vector<TensorView> values;
  std::vector<bool> live;
};
Result<std::unique_ptr<ConstantInputRun>> run_on_constant_inputs(const ir::Graph& graph,
                                                                 std::vector<bool> keep,
                                                                 MemoryMode mode, float fill,
                                                                 const std::string& why);

}  // namespace edgeinfer::vulkan
