#include "vulkan/executor.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "cpu/evaluate_node.h"
#include "ir/tensor_size.h"
#include "vulkan/aliases.h"
#include "vulkan/executor_impl.h"
#include "vulkan/fold_load_time.h"
#include "vulkan/fp16_weights.h"
#include "vulkan/fuse_channel_scale.h"
#include "vulkan/fuse_dense.h"
#include "vulkan/fuse_dense_pair.h"
#include "vulkan/fuse_nhwc_input.h"
#include "vulkan/fuse_prelu.h"
#include "vulkan/fuse_scaled_add.h"
#include "vulkan/resolve_shapes.h"

namespace edgeinfer::vulkan {

namespace {

size_t align_up(size_t v, size_t a) {
  return (v + a - 1) / a * a;
}

// $EDGEINFER_VULKAN_FENCE_SPIN_US: how long a run polls its fence before it sleeps (default
// 2000 microseconds; 0 always sleeps).
std::chrono::microseconds fence_spin_time() {
  const char* v = std::getenv("EDGEINFER_VULKAN_FENCE_SPIN_US");
  if (!v || !*v) return std::chrono::microseconds(2000);
  char* end = nullptr;
  const long long us = std::strtoll(v, &end, 10);
  if (*end != '\0' || us < 0) return std::chrono::microseconds(2000);
  return std::chrono::microseconds(us);
}

// $EDGEINFER_VULKAN_MAX_BINDING_BYTES lowers maxStorageBufferRange, so that tests can force the
// large-tensor paths on small tensors.
uint64_t binding_limit(uint64_t device_limit) {
  const char* v = std::getenv("EDGEINFER_VULKAN_MAX_BINDING_BYTES");
  if (!v || !*v) return device_limit;
  char* end = nullptr;
  const unsigned long long limit = std::strtoull(v, &end, 10);
  if (*end != '\0' || limit < 256) return device_limit;
  return std::min<uint64_t>(device_limit, limit);
}

}  // namespace

Executor::Impl::~Impl() {
  if (!device) return;
  const Vk& vk = device->vk();
  VkDevice d = device->device();
  vk.vkDeviceWaitIdle(d);
  if (fence) vk.vkDestroyFence(d, fence, nullptr);
  if (queries) vk.vkDestroyQueryPool(d, queries, nullptr);
  if (command_pool) vk.vkDestroyCommandPool(d, command_pool, nullptr);
  if (descriptor_pool) vk.vkDestroyDescriptorPool(d, descriptor_pool, nullptr);
}

VkBuffer Executor::Impl::buffer_of(Region region) const {
  switch (region) {
    case Region::kArena:
      return arena->handle();
    case Region::kWeights:
      return weights->handle();
    case Region::kInputs:
      return inputs->handle();
    case Region::kNone:
      break;
  }
  return placeholder->handle();
}

Status Executor::Impl::submit_and_wait(VkCommandBuffer commands) {
  const Vk& vk = device->vk();
  EI_VK_CHECK(vk.vkResetFences(device->device(), 1, &fence), "vkResetFences");
  VkSubmitInfo submit{};
  submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &commands;
  EI_VK_CHECK(vk.vkQueueSubmit(device->queue(), 1, &submit, fence), "vkQueueSubmit");
  // Poll first: a model runs in well under a millisecond on a fast GPU, and waking from a
  // sleeping wait can add tens of microseconds to that. Slow devices end up in the blocking
  // wait after fence_spin.
  const auto give_up = std::chrono::steady_clock::now() + fence_spin;
  while (fence_spin.count() > 0) {
    const VkResult r = vk.vkGetFenceStatus(device->device(), fence);
    if (r == VK_SUCCESS) return Status::ok();
    if (r != VK_NOT_READY) return vk_error(r, "vkGetFenceStatus");
    if (std::chrono::steady_clock::now() >= give_up) break;
  }
  EI_VK_CHECK(vk.vkWaitForFences(device->device(), 1, &fence, VK_TRUE, UINT64_MAX),
              "vkWaitForFences");
  return Status::ok();
}

Executor::Executor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Executor::~Executor() = default;

Result<std::unique_ptr<Executor>> Executor::create(const ir::Graph& graph,
                                                   const ExecutorOptions& options,
                                                   std::vector<bool> keep) {
  auto impl = std::make_unique<Impl>();
  Impl& x = *impl;
  EI_ASSIGN_OR_RETURN(x.device, Device::create(options.device));
  if (options.fp16_storage && !x.device->info().fp16_storage) {
    return error(StatusCode::kUnsupported, "fp16 storage was asked for, but Vulkan device '" +
                                               x.device->info().name +
                                               "' has no storageBuffer16BitAccess; use fp32");
  }
  x.fp16_storage = options.fp16_storage;
  x.fence_spin = fence_spin_time();
  x.own_graph = graph;
  expand_nhwc_output(x.own_graph);
  if (!has_static_shapes(x.own_graph)) EI_RETURN_IF_ERROR(resolve_shapes(x.own_graph));
  // fp16 storage: which weights may be fp16 depends on the activations' magnitudes, measured on
  // the graph before the rewrites below (whose fused ops the CPU executor does not run).
  std::vector<float> magnitudes;
  if (x.fp16_storage) {
    EI_ASSIGN_OR_RETURN(magnitudes, unit_input_magnitudes(x.own_graph));
  }
  // Fewer dispatches (and barriers): chains the graph passes leave, fused on this copy.
  EI_RETURN_IF_ERROR(fuse_dense_chains(x.own_graph, keep).status());
  EI_RETURN_IF_ERROR(fuse_prelu(x.own_graph, keep).status());
  EI_RETURN_IF_ERROR(fuse_channel_scale(x.own_graph, keep).status());
  EI_RETURN_IF_ERROR(fuse_scaled_add(x.own_graph, keep).status());
  EI_RETURN_IF_ERROR(fuse_nhwc_input(x.own_graph, keep).status());
  EI_RETURN_IF_ERROR(
      fuse_dense_pairs(x.own_graph, keep, x.device->info().max_workgroup_size).status());
  x.graph = &x.own_graph;
  const ir::Graph& g = x.own_graph;
  EI_ASSIGN_OR_RETURN(x.pipelines, Pipelines::create(x.device, options.cache_dir));
  const Vk& vk = x.device->vk();
  const VkDevice dev = x.device->device();

  // Schedule, lifetimes and the memory plan, exactly as for host memory, over the nodes left
  // after load-time folding.
  keep.resize(g.values.size(), false);
  EI_ASSIGN_OR_RETURN(const std::vector<ir::NodeId> order, g.topological_order());
  EI_ASSIGN_OR_RETURN(const std::vector<bool> folded, fold_load_time_nodes(x.own_graph, keep));
  for (ir::NodeId id : order) {
    if (!folded[id]) x.schedule.push_back(id);
  }
  x.lifetimes = planner::compute_lifetimes(g, x.schedule, keep);
  x.bytes.assign(g.values.size(), 0);
  for (size_t id = 0; id < g.values.size(); ++id) {
    const ir::Value& v = g.values[id];
    if (v.kind == ir::ValueKind::kConstant) continue;
    if (v.kind == ir::ValueKind::kIntermediate && v.producer < 0) continue;
    EI_ASSIGN_OR_RETURN(const int64_t n, ir::checked_elements(v.static_shape()));
    x.bytes[id] = static_cast<size_t>(n) * dtype_size(v.dtype);
  }
  const size_t alignment = std::max<size_t>(
      64, static_cast<size_t>(x.device->info().min_storage_buffer_offset_alignment));
  // Reshape outputs and Concat inputs that live inside another value's memory (aliases.h)
  // are not planned.
  const std::vector<Alias> alias = find_aliases(g, x.schedule, x.bytes, alignment, x.lifetimes);
  std::vector<size_t> intermediate_bytes = x.bytes;
  for (ir::ValueId id : g.inputs)
    intermediate_bytes[id] = 0;
  for (size_t id = 0; id < g.values.size(); ++id) {
    if (alias[id].root != ir::kNoValue) intermediate_bytes[id] = 0;
  }
  x.planned_bytes = intermediate_bytes;
  x.plan = planner::plan_memory(x.lifetimes, intermediate_bytes, x.schedule.size(), alignment);

  x.layout.alignment = alignment;
  x.layout.max_binding_bytes = binding_limit(x.device->info().max_storage_buffer_range);
  x.layout.max_workgroup_size = x.device->info().max_workgroup_size;
  if (x.fp16_storage) {
    EI_ASSIGN_OR_RETURN(x.layout.fp16_weights, fp16_weight_values(g, magnitudes));
  }
  x.layout.values.assign(g.values.size(), Binding{});
  for (size_t id = 0; id < g.values.size(); ++id) {
    if (x.plan.offsets[id] != planner::kNotPlanned && intermediate_bytes[id] > 0)
      x.layout.values[id] = Binding{Region::kArena, x.plan.offsets[id], intermediate_bytes[id]};
  }
  size_t input_bytes = 0;
  for (ir::ValueId id : g.inputs) {
    if (x.bytes[id] == 0) continue;
    x.layout.values[id] = Binding{Region::kInputs, input_bytes, x.bytes[id]};
    input_bytes = align_up(input_bytes + x.bytes[id], alignment);
  }
  for (size_t id = 0; id < g.values.size(); ++id) {
    if (alias[id].root == ir::kNoValue) continue;
    x.layout.values[id] = x.layout.values[alias[id].root];
    x.layout.values[id].offset += alias[id].offset;
    x.layout.values[id].range = x.bytes[id];
  }

  // Partition: a node runs on the GPU if its op has a shader that accepts it.
  x.produced_on_gpu.assign(g.values.size(), false);
  for (ir::NodeId id : x.schedule) {
    const ir::Node& node = g.nodes[id];
    Step step;
    step.node = id;
    const bool known_domain =
        node.domain.empty() || node.domain == "ai.onnx" || node.domain == kVulkanDomain;
    OpFn fn = known_domain ? find_vulkan_op(node.op_type) : nullptr;
    if (node.outputs.size() == 1 && node.outputs[0] != ir::kNoValue &&
        alias[node.outputs[0]].reshape) {
      step.gpu = true;  // no dispatch: the output is bound to the input's memory
      step.first_dispatch = x.dispatches.size();
    } else if (!fn) {
      step.fallback_reason = "no Vulkan shader for " + node.op_type;
    } else {
      step.first_dispatch = x.dispatches.size();
      OpBuilder builder(g, node, x.layout, x.dispatches);
      Status s = fn(builder);
      if (s.is_ok()) {
        step.gpu = true;
        step.dispatch_count = x.dispatches.size() - step.first_dispatch;
      } else if (s.code() == StatusCode::kUnsupported) {
        x.dispatches.resize(step.first_dispatch);
        step.fallback_reason = s.message();
      } else {
        return s;
      }
    }
    if (step.gpu) {
      for (ir::ValueId out : node.outputs) {
        if (out != ir::kNoValue) x.produced_on_gpu[out] = true;
      }
    }
    x.steps.push_back(step);
  }

  // Host staging slots.
  x.slot.assign(g.values.size(), kNoSlot);
  x.host_visible.assign(g.values.size(), false);
  auto add_slot = [&](ir::ValueId id) {
    if (id == ir::kNoValue || x.slot[id] != kNoSlot || x.bytes[id] == 0) return;
    const ir::Value& v = g.value(id);
    if (v.kind == ir::ValueKind::kConstant) return;
    x.slot[id] = x.staging_bytes;
    x.staging_bytes = align_up(x.staging_bytes + x.bytes[id], alignment);
  };
  for (ir::ValueId id : g.inputs)
    add_slot(id);
  for (const Step& step : x.steps) {
    if (step.gpu) continue;
    const ir::Node& node = g.nodes[step.node];
    for (ir::ValueId in : node.inputs) {
      if (in != ir::kNoValue && g.value(in).kind == ir::ValueKind::kIntermediate) add_slot(in);
    }
    for (ir::ValueId out : node.outputs)
      add_slot(out);
  }
  for (size_t id = 0; id < g.values.size(); ++id) {
    const bool wanted = std::find(g.outputs.begin(), g.outputs.end(),
                                  static_cast<ir::ValueId>(id)) != g.outputs.end() ||
                        keep[id];
    if (wanted && g.values[id].kind == ir::ValueKind::kIntermediate) {
      x.host_visible[id] = true;
      add_slot(static_cast<ir::ValueId>(id));
    }
  }

  // Buffers; the weights go up once through a temporary staging buffer.
  EI_ASSIGN_OR_RETURN(x.arena, Buffer::create(x.device, x.plan.arena_bytes,
                                              MemoryKind::kDeviceLocal, "the tensor arena"));
  x.weight_bytes = x.layout.weights.size();
  EI_ASSIGN_OR_RETURN(x.weights, Buffer::create(x.device, x.layout.weights.size(),
                                                MemoryKind::kDeviceLocal, "the weights"));
  EI_ASSIGN_OR_RETURN(x.inputs,
                      Buffer::create(x.device, input_bytes, MemoryKind::kDeviceLocal, "inputs"));
  EI_ASSIGN_OR_RETURN(x.staging, Buffer::create(x.device, x.staging_bytes, MemoryKind::kHostStaging,
                                                "host staging"));
  EI_ASSIGN_OR_RETURN(x.placeholder,
                      Buffer::create(x.device, 256, MemoryKind::kDeviceLocal, "placeholder"));

  VkCommandPoolCreateInfo pool_info{};

  pool_info.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  pool_info.queueFamilyIndex = x.device->queue_family();
  EI_VK_CHECK(vk.vkCreateCommandPool(dev, &pool_info, nullptr, &x.command_pool),
              "vkCreateCommandPool");
  VkFenceCreateInfo fence_info{};
  fence_info.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  EI_VK_CHECK(vk.vkCreateFence(dev, &fence_info, nullptr, &x.fence), "vkCreateFence");
  if (!x.layout.weights.empty()) {
    EI_ASSIGN_OR_RETURN(auto upload, Buffer::create(x.device, x.layout.weights.size(),
                                                    MemoryKind::kHostStaging, "weight upload"));
    std::memcpy(upload->mapped(), x.layout.weights.data(), x.layout.weights.size());
    VkCommandBufferAllocateInfo alloc{};
    alloc.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    alloc.commandPool = x.command_pool;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = 1;
    VkCommandBuffer cmd;
    EI_VK_CHECK(vk.vkAllocateCommandBuffers(dev, &alloc, &cmd), "vkAllocateCommandBuffers");
    VkCommandBufferBeginInfo begin{};
    begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    EI_VK_CHECK(vk.vkBeginCommandBuffer(cmd, &begin), "vkBeginCommandBuffer");
    VkBufferCopy copy{0, 0, x.layout.weights.size()};
    vk.vkCmdCopyBuffer(cmd, upload->handle(), x.weights->handle(), 1, &copy);
    EI_VK_CHECK(vk.vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
    EI_RETURN_IF_ERROR(x.submit_and_wait(cmd));
    vk.vkFreeCommandBuffers(dev, x.command_pool, 1, &cmd);
    // The host copy is no longer needed.
    std::vector<unsigned char>().swap(x.layout.weights);
  }

  // One descriptor set per dispatch, written once.
  if (!x.dispatches.empty()) {
    VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                              static_cast<uint32_t>(x.dispatches.size() * kMaxBindings)};
    VkDescriptorPoolCreateInfo dp{};
    dp.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
    dp.maxSets = static_cast<uint32_t>(x.dispatches.size());
    dp.poolSizeCount = 1;
    dp.pPoolSizes = &size;
    EI_VK_CHECK(vk.vkCreateDescriptorPool(dev, &dp, nullptr, &x.descriptor_pool),
                "vkCreateDescriptorPool");
    std::vector<VkDescriptorSetLayout> layouts(x.dispatches.size(), x.pipelines->set_layout());
    x.sets.resize(x.dispatches.size());
    VkDescriptorSetAllocateInfo alloc{};
    alloc.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
    alloc.descriptorPool = x.descriptor_pool;
    alloc.descriptorSetCount = static_cast<uint32_t>(layouts.size());
    alloc.pSetLayouts = layouts.data();
    EI_VK_CHECK(vk.vkAllocateDescriptorSets(dev, &alloc, x.sets.data()),
                "vkAllocateDescriptorSets");
    std::vector<VkDescriptorBufferInfo> infos(x.dispatches.size() * kMaxBindings);
    std::vector<VkWriteDescriptorSet> writes;
    for (size_t i = 0; i < x.dispatches.size(); ++i) {
      for (uint32_t k = 0; k < kMaxBindings; ++k) {
        const Binding& b = x.dispatches[i].bindings[k];
        VkDescriptorBufferInfo& info = infos[i * kMaxBindings + k];
        info.buffer = x.buffer_of(b.region);
        info.offset = b.region == Region::kNone ? 0 : b.offset;
        info.range = b.region == Region::kNone ? VK_WHOLE_SIZE : b.range;
        VkWriteDescriptorSet w{};
        w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
        w.dstSet = x.sets[i];
        w.dstBinding = k;
        w.descriptorCount = 1;
        w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        w.pBufferInfo = &info;
        writes.push_back(w);
      }
    }
    vk.vkUpdateDescriptorSets(dev, static_cast<uint32_t>(writes.size()), writes.data(), 0, nullptr);
  }

  if (x.device->info().timestamp_period_ns > 0) {
    x.query_count = static_cast<int>(2 * x.steps.size() + 2);
    VkQueryPoolCreateInfo q{};
    q.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
    q.queryType = VK_QUERY_TYPE_TIMESTAMP;
    q.queryCount = static_cast<uint32_t>(x.query_count);
    EI_VK_CHECK(vk.vkCreateQueryPool(dev, &q, nullptr, &x.queries), "vkCreateQueryPool");
  }
  EI_RETURN_IF_ERROR(x.record(false));
  if (x.queries) EI_RETURN_IF_ERROR(x.record(true));
  x.pipelines->save_cache();
  if (x.device->validation_error_count() > 0) {
    return error(StatusCode::kInternal, "Vulkan validation error while preparing the session: " +
                                            x.device->validation_error());
  }
  std::unique_ptr<Executor> executor(new Executor(std::move(impl)));
  // $EDGEINFER_VULKAN_VERBOSE=1: the device and the partition on stderr.
  if (const char* verbose = std::getenv("EDGEINFER_VULKAN_VERBOSE"); verbose && *verbose == '1')
    std::fputs(executor->describe().c_str(), stderr);
  return executor;
}

Status Executor::run(std::vector<TensorView>& values, std::vector<bool>& live,
                     std::vector<NodeProfile>* profile) {
  Impl& x = *impl_;
  const ir::Graph& g = *x.graph;
  for (ir::ValueId id : g.inputs) {
    const TensorView& v = values[id];
    if (v.shape != g.value(id).static_shape()) {
      return error(StatusCode::kInvalidArgument,
                   "input '" + g.value(id).name + "' has shape " + shape_to_string(v.shape) +
                       "; the Vulkan backend runs the shape the session was created with, " +
                       shape_to_string(g.value(id).static_shape()));
    }
    // Inputs the session placed in staging (input_staging) are there already.
    unsigned char* staged_input =
        x.slot[id] != kNoSlot ? x.staging->mapped() + x.slot[id] : nullptr;
    if (staged_input && v.data != staged_input) std::memcpy(staged_input, v.data, v.bytes());
  }
  for (size_t id = 0; id < g.values.size(); ++id) {
    if (g.values[id].kind == ir::ValueKind::kIntermediate) live[id] = false;
  }
  auto staged = [&](ir::ValueId id) {
    const ir::Value& v = g.value(id);
    return TensorView{v.dtype, v.static_shape(), x.staging->mapped() + x.slot[id]};
  };
  std::vector<double> cpu_ms(x.steps.size(), 0.0);
  const bool timed = profile && x.queries;
  for (const Phase& phase : timed ? x.profiled_phases : x.phases) {
    if (phase.gpu) {
      EI_RETURN_IF_ERROR(x.submit_and_wait(phase.commands));
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    const Step& step = x.steps[phase.step];
    const ir::Node& node = g.nodes[step.node];
    std::vector<TensorView> inputs;
    for (ir::ValueId in : node.inputs) {
      if (in == ir::kNoValue) {
        inputs.emplace_back();
      } else if (g.value(in).kind == ir::ValueKind::kIntermediate) {
        inputs.push_back(staged(in));
      } else {
        inputs.push_back(values[in]);
      }
    }
    auto outputs = cpu::evaluate_node(node, inputs);
    if (!outputs) return outputs.status();
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const ir::ValueId out = node.outputs[i];
      if (out == ir::kNoValue || x.slot[out] == kNoSlot) continue;
      const TensorView result = (*outputs)[i]->view();
      const TensorView dst = staged(out);
      if (result.shape != dst.shape || result.dtype != dst.dtype) {
        return error(StatusCode::kInternal, node.describe() + ": CPU fallback produced " +
                                                shape_to_string(result.shape) + ", planned " +
                                                shape_to_string(dst.shape));
      }
      std::memcpy(dst.data, result.data, dst.bytes());
    }
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    cpu_ms[phase.step] = took.count();
  }
  if (x.device->validation_error_count() > 0) {
    return error(StatusCode::kInternal, "Vulkan validation error: " + x.device->validation_error());
  }
  for (size_t id = 0; id < g.values.size(); ++id) {
    if (!x.host_visible[id]) continue;
    values[id] = staged(static_cast<ir::ValueId>(id));
    live[id] = true;
  }
  if (profile) {
    profile->clear();
    std::vector<uint64_t> stamps;
    if (x.queries && x.query_count > 0) {
      stamps.assign(static_cast<size_t>(x.query_count), 0);
      // Only queries written by the recorded phases are read (they all completed).
      int used = 0;
      for (const Step& s : x.steps)
        used = std::max(used, s.query + 1);
      for (const Phase& p : x.profiled_phases)
        used = std::max(used, p.first_query + 1);
      if (used > 0) {
        EI_VK_CHECK(x.device->vk().vkGetQueryPoolResults(
                        x.device->device(), x.queries, 0, static_cast<uint32_t>(used),
                        stamps.size() * sizeof(uint64_t), stamps.data(), sizeof(uint64_t),
                        VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
                    "vkGetQueryPoolResults");
      }
    }
    const double period = x.device->info().timestamp_period_ns;
    int previous = -1;
    for (size_t s = 0; s < x.steps.size(); ++s) {
      const Step& step = x.steps[s];
      const ir::Node& node = g.nodes[step.node];
      if (!step.gpu) {
        profile->push_back({node.name, node.op_type + " [cpu]", cpu_ms[s], "cpu fallback"});
        previous = -1;
        continue;
      }
      // The previous timestamp: the last GPU step's in this phase, or the phase's start.
      if (previous < 0) {
        for (const Phase& p : x.profiled_phases) {
          if (p.gpu && p.first_query >= 0 && p.first_query < step.query) previous = p.first_query;
        }
      }
      double ms = 0;
      if (!stamps.empty() && step.query >= 0 && previous >= 0) {
        ms = static_cast<double>(stamps[step.query] - stamps[previous]) * period / 1e6;
      }
      profile->push_back({node.name, node.op_type, ms, "vulkan"});
      previous = step.query;
    }
  }
  return Status::ok();
}

void* Executor::input_staging(ir::ValueId id, const Shape& shape) const {
  const Impl& x = *impl_;
  if (id < 0 || static_cast<size_t>(id) >= x.slot.size() || x.slot[id] == kNoSlot) return nullptr;
  if (std::find(x.graph->inputs.begin(), x.graph->inputs.end(), id) == x.graph->inputs.end())
    return nullptr;
  if (shape != x.graph->value(id).static_shape()) return nullptr;
  return x.staging->mapped() + x.slot[id];
}

const std::vector<ir::NodeId>& Executor::schedule() const {
  return impl_->schedule;
}
const std::vector<planner::Lifetime>& Executor::lifetimes() const {
  return impl_->lifetimes;
}
const std::vector<size_t>& Executor::value_bytes() const {
  return impl_->planned_bytes;
}
size_t Executor::arena_bytes() const {
  return impl_->plan.arena_bytes;
}

size_t Executor::cpu_node_count() const {
  size_t n = 0;
  for (const Step& s : impl_->steps)
    n += s.gpu ? 0 : 1;
  return n;
}

std::string Executor::describe() const {
  std::ostringstream s;
  s << "vulkan device: " << impl_->device->describe() << "\n";
  s << "vulkan plan: arena " << impl_->plan.arena_bytes << " bytes, weights " << impl_->weight_bytes
    << " bytes (" << (impl_->fp16_storage ? "fp16 storage" : "fp32") << "), "
    << impl_->dispatches.size() << " dispatches, " << cpu_node_count() << " of "
    << impl_->steps.size() << " nodes on the CPU\n";
  for (const Step& step : impl_->steps) {
    if (step.gpu) continue;
    s << "  cpu: " << impl_->graph->nodes[step.node].describe() << ": " << step.fallback_reason
      << "\n";
  }
  return s.str();
}

}  // namespace edgeinfer::vulkan
