// The Vulkan executor's state, shared by executor.cpp (building, running) and recording.cpp
// (command buffers and barriers).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "planner/memory_plan.h"
#include "vulkan/buffer.h"
#include "vulkan/executor.h"
#include "vulkan/ops/op_builder.h"
#include "vulkan/pipelines.h"

namespace edgeinfer::vulkan {

struct Step {
  ir::NodeId node = -1;
  bool gpu = false;
  size_t first_dispatch = 0, dispatch_count = 0;
  std::string fallback_reason;  // why a CPU step is not on the GPU
  int query = -1;               // timestamp written after the step (GPU steps)
};

// A command buffer replayed each run, or a node run on the CPU between two of them.
struct Phase {
  bool gpu = false;
  VkCommandBuffer commands = VK_NULL_HANDLE;
  int first_query = -1;  // timestamp at the start of the phase
  size_t step = 0;       // CPU phases: the step they run
};

constexpr size_t kNoSlot = planner::kNotPlanned;

struct Executor::Impl {
  ir::Graph own_graph;  // the session's graph with every shape resolved
  const ir::Graph* graph = nullptr;
  std::shared_ptr<Device> device;
  std::unique_ptr<Pipelines> pipelines;
  bool fp16_storage = false;  // ExecutorOptions::fp16_storage
  size_t weight_bytes = 0;    // the device's weights buffer

  std::vector<ir::NodeId> schedule;
  std::vector<planner::Lifetime> lifetimes;
  std::vector<size_t> bytes;  // per value, intermediates and inputs
  // Per value, the bytes the memory plan places: intermediates that are not aliases.
  std::vector<size_t> planned_bytes;
  planner::MemoryPlan plan;
  DeviceLayout layout;
  std::vector<Step> steps;
  std::vector<Dispatch> dispatches;
  std::vector<bool> produced_on_gpu;  // per value
  std::vector<bool> host_visible;     // per value: outputs and kept intermediates

  // Host staging: a slot per value that the host reads or writes (inputs, CPU-step operands,
  // outputs).
  std::vector<size_t> slot;  // per value; kNoSlot if none
  size_t staging_bytes = 0;

  std::unique_ptr<Buffer> arena, weights, inputs, staging, placeholder;
  VkDescriptorPool descriptor_pool = VK_NULL_HANDLE;
  std::vector<VkDescriptorSet> sets;  // per dispatch
  VkCommandPool command_pool = VK_NULL_HANDLE;
  std::vector<Phase> phases;           // replayed by run()
  std::vector<Phase> profiled_phases;  // the same with timestamps, replayed by profiled runs
  VkFence fence = VK_NULL_HANDLE;
  std::chrono::microseconds fence_spin{0};  // polling before a blocking fence wait
  VkQueryPool queries = VK_NULL_HANDLE;
  int query_count = 0;

  ~Impl();
  VkBuffer buffer_of(Region region) const;
  // Records every phase's command buffer (recording.cpp), into `phases`, or with a timestamp
  // after every GPU step into `profiled_phases`.
  Status record(bool timestamps);
  // Submits `commands` and waits for it.
  Status submit_and_wait(VkCommandBuffer commands);
};

}  // namespace edgeinfer::vulkan
