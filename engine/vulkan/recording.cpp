// Records the executor's command buffers once: uploads, dispatches with the barriers their
// data dependencies need, downloads around CPU steps, timestamps after each GPU step.
#include <algorithm>

#include "vulkan/executor_impl.h"

namespace edgeinfer::vulkan {

namespace {

// Ranges written and read since the last barrier: a dispatch that reads or overwrites what an
// earlier one wrote (or overwrites what it read) must wait for it; others may overlap.
class HazardTracker {
 public:
  bool needs_barrier(const Dispatch& d) const {
    for (size_t k = 0; k < d.bindings.size(); ++k) {
      const Binding& b = d.bindings[k];
      if (b.region == Region::kNone) continue;
      for (const Binding& w : written_) {
        if (b.overlaps(w)) return true;
      }
      if (k == 0) {
        for (const Binding& r : read_) {
          if (b.overlaps(r)) return true;
        }
      }
    }
    return false;
  }
  void add(const Dispatch& d) {
    written_.push_back(d.bindings[0]);
    for (size_t k = 1; k < d.bindings.size(); ++k) {
      if (d.bindings[k].region != Region::kNone) read_.push_back(d.bindings[k]);
    }
  }
  void clear() {
    written_.clear();
    read_.clear();
  }

 private:
  std::vector<Binding> written_, read_;
};

void barrier(const Vk& vk, VkCommandBuffer cmd, VkPipelineStageFlags src, VkAccessFlags src_access,
             VkPipelineStageFlags dst, VkAccessFlags dst_access) {
  VkMemoryBarrier b{};
  b.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  b.srcAccessMask = src_access;
  b.dstAccessMask = dst_access;
  vk.vkCmdPipelineBarrier(cmd, src, dst, 0, 1, &b, 0, nullptr, 0, nullptr);
}

constexpr VkPipelineStageFlags kWork =
    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
constexpr VkAccessFlags kWrites = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
constexpr VkAccessFlags kAll = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                               VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;

}  // namespace

Status Executor::Impl::record(bool timestamps) {
  const Vk& vk = device->vk();
  // Timestamps only in the profiled copy: on some drivers each bottom-of-pipe timestamp waits
  // for all earlier work, which would serialise independent dispatches in ordinary runs.
  std::vector<Phase>& phases = timestamps ? profiled_phases : this->phases;
  const VkQueryPool queries = timestamps ? this->queries : VK_NULL_HANDLE;
  const ir::Graph& g = *graph;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  bool has_commands = false;
  int next_query = 0;
  HazardTracker hazards;
  // Values that a later GPU step reads, written by a CPU step: uploaded after it.
  std::vector<ir::ValueId> pending_uploads;
  for (ir::ValueId id : g.inputs) {
    if (slot[id] != kNoSlot && layout.values[id].region == Region::kInputs)
      pending_uploads.push_back(id);
  }

  auto begin_phase = [&]() -> Status {
    VkCommandBufferAllocateInfo alloc{};
    alloc.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    alloc.commandPool = command_pool;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = 1;
    EI_VK_CHECK(vk.vkAllocateCommandBuffers(device->device(), &alloc, &cmd),
                "vkAllocateCommandBuffers");
    VkCommandBufferBeginInfo begin{};
    begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    EI_VK_CHECK(vk.vkBeginCommandBuffer(cmd, &begin), "vkBeginCommandBuffer");
    Phase phase;
    phase.gpu = true;
    phase.commands = cmd;
    has_commands = false;
    hazards.clear();
    // Host writes to staging are visible to the device at submission; earlier submissions
    // finished before this one starts (the host waited), but their writes need a barrier.
    barrier(vk, cmd, kWork | VK_PIPELINE_STAGE_HOST_BIT, kWrites | VK_ACCESS_HOST_WRITE_BIT, kWork,
            kAll);
    if (!pending_uploads.empty()) {
      for (ir::ValueId id : pending_uploads) {
        const Binding& dst = layout.values[id];
        VkBufferCopy copy{slot[id], dst.offset, dst.range};
        vk.vkCmdCopyBuffer(cmd, staging->handle(), buffer_of(dst.region), 1, &copy);
      }
      pending_uploads.clear();
      barrier(vk, cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, kWork, kAll);
      has_commands = true;
    }
    if (phases.empty()) {
      // The first command buffer resets every query of the run and is never dropped.
      if (queries) vk.vkCmdResetQueryPool(cmd, queries, 0, static_cast<uint32_t>(query_count));
      has_commands = true;
    }
    if (queries) {
      phase.first_query = next_query++;
      vk.vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries,
                             static_cast<uint32_t>(phase.first_query));
    }
    phases.push_back(phase);
    return Status::ok();
  };
  // Copies `ids` from the device to their staging slots and closes the phase.
  auto end_phase = [&](const std::vector<ir::ValueId>& ids) -> Status {
    barrier(vk, cmd, kWork, kWrites, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    for (ir::ValueId id : ids) {
      const Binding& src = layout.values[id];
      VkBufferCopy copy{src.offset, slot[id], src.range};
      vk.vkCmdCopyBuffer(cmd, buffer_of(src.region), staging->handle(), 1, &copy);
      has_commands = true;
    }
    barrier(vk, cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
            VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    EI_VK_CHECK(vk.vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
    if (!has_commands) {
      // Nothing to do on the device here (two CPU steps in a row): drop the phase; its command
      // buffer stays unused in the pool.
      if (phases.back().first_query >= 0) next_query = phases.back().first_query;
      phases.pop_back();
    }
    return Status::ok();
  };

  EI_RETURN_IF_ERROR(begin_phase());
  for (size_t s = 0; s < steps.size(); ++s) {
    Step& step = steps[s];
    const ir::Node& node = g.nodes[step.node];
    if (!step.gpu) {
      std::vector<ir::ValueId> downloads;
      for (ir::ValueId in : node.inputs) {
        if (in != ir::kNoValue && produced_on_gpu[in] &&
            std::find(downloads.begin(), downloads.end(), in) == downloads.end())
          downloads.push_back(in);
      }
      EI_RETURN_IF_ERROR(end_phase(downloads));
      Phase cpu;
      cpu.step = s;
      phases.push_back(cpu);
      for (ir::ValueId out : node.outputs) {
        if (out == ir::kNoValue) continue;
        bool gpu_reader = false;
        for (size_t later = s + 1; later < steps.size() && !gpu_reader; ++later) {
          if (!steps[later].gpu) continue;
          for (ir::ValueId in : g.nodes[steps[later].node].inputs)
            gpu_reader = gpu_reader || in == out;
        }
        if (gpu_reader) pending_uploads.push_back(out);
      }
      EI_RETURN_IF_ERROR(begin_phase());
      continue;
    }
    for (size_t k = 0; k < step.dispatch_count; ++k) {
      const size_t index = step.first_dispatch + k;
      const Dispatch& d = dispatches[index];
      if (hazards.needs_barrier(d)) {
        barrier(vk, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
        hazards.clear();
      }
      hazards.add(d);
      EI_ASSIGN_OR_RETURN(VkPipeline pipeline, pipelines->get(d.shader, d.half_mask()));
      vk.vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
      vk.vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipelines->layout(), 0, 1,
                                 &sets[index], 0, nullptr);
      vk.vkCmdPushConstants(cmd, pipelines->layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                            kPushConstantWords * 4, d.params.data());
      const uint64_t groups = std::max<uint64_t>((d.invocations + 63) / 64, 1);
      const uint64_t max_x = device->info().max_compute_work_group_count[0];
      const uint64_t gx = std::min(groups, max_x);
      const uint64_t gy = (groups + gx - 1) / gx;
      if (gy > device->info().max_compute_work_group_count[1]) {
        return error(StatusCode::kUnsupported, node.describe() + ": dispatch of " +
                                                   std::to_string(d.invocations) +
                                                   " invocations is too large for the device");
      }
      vk.vkCmdDispatch(cmd, static_cast<uint32_t>(gx), static_cast<uint32_t>(gy), 1);
      has_commands = true;
    }
    if (queries) {
      step.query = next_query++;
      vk.vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries,
                             static_cast<uint32_t>(step.query));
    }
  }
  std::vector<ir::ValueId> outputs;
  for (size_t id = 0; id < g.values.size(); ++id) {
    if (host_visible[id] && produced_on_gpu[id]) outputs.push_back(static_cast<ir::ValueId>(id));
  }
  EI_RETURN_IF_ERROR(end_phase(outputs));
  return Status::ok();
}

}  // namespace edgeinfer::vulkan
