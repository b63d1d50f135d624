// Runs a graph with compute shaders on a Vulkan device. At creation it plans the device memory
// (the memory planner's offsets in one arena buffer), uploads the weights once, decides per node
// whether a shader runs it or the CPU (partitioning, with explicit transfers), and records the
// command buffers once; each run then only copies the inputs in, replays them and reads the
// outputs back.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "edgeinfer/edgeinfer.h"
#include "ir/graph.h"
#include "planner/lifetimes.h"
#include "vulkan/device.h"

namespace edgeinfer::vulkan {

struct ExecutorOptions {
  DeviceOptions device;
  std::string cache_dir;  // pipeline cache folder; empty: the default cache folder
  // Weights stored as 16-bit floats (arithmetic stays fp32; docs/vulkan.md, "fp16 storage").
  // Needs storageBuffer16BitAccess: on a device without it, create() fails with kUnsupported.
  bool fp16_storage = false;
};

class Executor {
 public:
  // kBackendUnavailable when there is no usable device; kUnsupported for graphs whose shapes are
  // not all known at load time.
  static Result<std::unique_ptr<Executor>> create(const ir::Graph& graph,
                                                  const ExecutorOptions& options,
                                                  std::vector<bool> keep);
  ~Executor();

  // `values` holds one view per ValueId with the inputs and constants filled in. Afterwards the
  // graph outputs and kept intermediates point into host staging memory owned by the executor
  // (valid until the next run) and are the only live intermediates.
  Status run(std::vector<TensorView>& values, std::vector<bool>& live,
             std::vector<NodeProfile>* profile);

  // Where graph input `id` of `shape` may be written so that run() needs no copy: the host
  // staging memory it is uploaded from (valid as long as the executor), or nullptr.
  void* input_staging(ir::ValueId id, const Shape& shape) const;

  const std::vector<ir::NodeId>& schedule() const;
  const std::vector<planner::Lifetime>& lifetimes() const;
  const std::vector<size_t>& value_bytes() const;
  size_t arena_bytes() const;
  // The device and, per node, where it runs ("vulkan" or "cpu: <reason>").
  std::string describe() const;
  size_t cpu_node_count() const;

  struct Impl;

 private:
  explicit Executor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeinfer::vulkan
