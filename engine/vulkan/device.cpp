#include "vulkan/device.h"

#include <algorithm>

#include <cstdlib>
#include <cstring>
#include <sstream>
#include <vector>

#include "vulkan/gpu_presence.h"
#include "vulkan/instance.h"

namespace edgeinfer::vulkan {

namespace {

bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}

// Lower is better: the order in which `auto` device choice prefers device types.
int type_rank(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return 3;
    default:
      return 4;
  }
}

bool has_device_extension(const Vk& vk, VkPhysicalDevice device, const char* name) {
  uint32_t count = 0;
  if (vk.vkEnumerateDeviceExtensionProperties(device, nullptr, &count, nullptr) != VK_SUCCESS)
    return false;
  std::vector<VkExtensionProperties> extensions(count);
  if (vk.vkEnumerateDeviceExtensionProperties(device, nullptr, &count, extensions.data()) !=
      VK_SUCCESS)
    return false;
  for (const auto& e : extensions) {
    if (std::strcmp(e.extensionName, name) == 0) return true;
  }
  return false;
}

}  // namespace

const char* device_type_name(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "cpu";
    default:
      return "other";
  }
}

Status vk_error(VkResult result, const std::string& what) {
  const StatusCode code =
      result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY
          ? StatusCode::kOutOfMemory
          : StatusCode::kBackendUnavailable;
  return error(code, "Vulkan: " + what + ": " + vk_result_name(result));
}

Result<std::shared_ptr<Device>> Device::create(const DeviceOptions& requested) {
  DeviceOptions options = requested;
  // The environment variable chooses only when the caller did not.
  const char* index = std::getenv("EDGEINFER_VULKAN_DEVICE");
  if (options.index < 0 && index && *index) {
    char* end = nullptr;
    const long v = std::strtol(index, &end, 10);
    if (*end != '\0' || v < 0) {
      return error(
          StatusCode::kInvalidArgument,
          std::string("EDGEINFER_VULKAN_DEVICE must be a device index, got '") + index + "'");
    }
    options.index = static_cast<int>(v);
  }
  if (env_flag("EDGEINFER_VULKAN_VALIDATION")) options.validation = true;
  if (options.gpus_only && options.index < 0 && find_gpu_device_node().empty()) {
    return error(StatusCode::kBackendUnavailable,
                 "Vulkan: no GPU device node (/dev/dri, /dev/nvidia*, ...); the drivers were not "
                 "loaded");
  }

  EI_ASSIGN_OR_RETURN(const Instance* instance, shared_instance(options.validation));
  std::shared_ptr<Device> d(new Device());
  d->own_ = instance->vk;
  d->vk_ = &d->own_;
  d->validation_baseline_ = validation_errors_reported();
  Vk& vk = d->own_;
  const std::vector<VkPhysicalDevice>& devices = instance->devices;
  const uint32_t count = static_cast<uint32_t>(devices.size());

  int chosen = -1;
  if (options.index >= 0) {
    if (static_cast<uint32_t>(options.index) >= count) {
      return error(StatusCode::kInvalidArgument,
                   "Vulkan device index " + std::to_string(options.index) + " is out of range (" +
                       std::to_string(count) + " devices)");
    }
    chosen = options.index;
  } else {
    int best_rank = 100;
    for (uint32_t i = 0; i < count; ++i) {
      VkPhysicalDeviceProperties p;
      vk.vkGetPhysicalDeviceProperties(devices[i], &p);
      const int rank = type_rank(p.deviceType);
      if (p.apiVersion < VK_API_VERSION_1_1) continue;
      if (options.gpus_only && rank > 1) continue;
      if (rank < best_rank) {
        best_rank = rank;
        chosen = static_cast<int>(i);
      }
    }
    if (chosen < 0) {
      return error(StatusCode::kBackendUnavailable,
                   options.gpus_only ? "Vulkan: no GPU device (only software devices)"
                                     : "Vulkan: no device supports Vulkan 1.1");
    }
  }
  d->physical_ = devices[static_cast<size_t>(chosen)];

  // Properties, limits and optional features.
  DeviceInfo& info = d->info_;
  VkPhysicalDeviceSubgroupProperties subgroup{};
  subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
  VkPhysicalDeviceProperties2 props2{};
  props2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
  props2.pNext = &subgroup;
  vk.vkGetPhysicalDeviceProperties2(d->physical_, &props2);
  const VkPhysicalDeviceProperties& p = props2.properties;
  info.name = p.deviceName;
  info.type = p.deviceType;
  info.vendor_id = p.vendorID;
  info.device_id = p.deviceID;
  info.driver_version = p.driverVersion;
  info.api_version = p.apiVersion;
  std::memcpy(info.pipeline_cache_uuid, p.pipelineCacheUUID, VK_UUID_SIZE);
  info.max_storage_buffer_range = p.limits.maxStorageBufferRange;
  info.min_storage_buffer_offset_alignment = p.limits.minStorageBufferOffsetAlignment;
  info.max_push_constants_size = p.limits.maxPushConstantsSize;
  for (int i = 0; i < 3; ++i)
    info.max_compute_work_group_count[i] = p.limits.maxComputeWorkGroupCount[i];
  info.max_workgroup_size =
      std::min(p.limits.maxComputeWorkGroupSize[0], p.limits.maxComputeWorkGroupInvocations);
  info.subgroup_size = subgroup.subgroupSize;

  VkPhysicalDevice16BitStorageFeatures storage16{};

  storage16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
  VkPhysicalDeviceShaderFloat16Int8Features float16{};
  float16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES;
  const bool has_float16_ext =
      has_device_extension(vk, d->physical_, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
  VkPhysicalDeviceFeatures2 features2{};
  features2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  features2.pNext = &storage16;
  if (has_float16_ext) storage16.pNext = &float16;
  vk.vkGetPhysicalDeviceFeatures2(d->physical_, &features2);
  info.fp16_storage = storage16.storageBuffer16BitAccess;
  info.fp16_arithmetic = has_float16_ext && float16.shaderFloat16;
  info.cooperative_matrix = has_device_extension(vk, d->physical_, "VK_KHR_cooperative_matrix") ||
                            has_device_extension(vk, d->physical_, "VK_NV_cooperative_matrix");

  vk.vkGetPhysicalDeviceMemoryProperties(d->physical_, &d->memory_);
  for (uint32_t h = 0; h < d->memory_.memoryHeapCount; ++h) {
    if (d->memory_.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      info.device_local_bytes += d->memory_.memoryHeaps[h].size;
  }

  uint32_t family_count = 0;
  vk.vkGetPhysicalDeviceQueueFamilyProperties(d->physical_, &family_count, nullptr);
  std::vector<VkQueueFamilyProperties> families(family_count);
  vk.vkGetPhysicalDeviceQueueFamilyProperties(d->physical_, &family_count, families.data());
  // Prefer a compute queue without graphics (a dedicated or async one), else any compute one.
  int family = -1;
  for (uint32_t pass = 0; pass < 2 && family < 0; ++pass) {
    for (uint32_t i = 0; i < family_count; ++i) {
      const VkQueueFlags f = families[i].queueFlags;
      if (!(f & VK_QUEUE_COMPUTE_BIT)) continue;
      if (pass == 0 && (f & VK_QUEUE_GRAPHICS_BIT)) continue;
      family = static_cast<int>(i);
      break;
    }
  }
  if (family < 0) {
    return error(StatusCode::kBackendUnavailable,
                 "Vulkan: device '" + info.name + "' has no compute queue");
  }
  d->queue_family_ = static_cast<uint32_t>(family);
  if (families[d->queue_family_].timestampValidBits > 0)
    info.timestamp_period_ns = p.limits.timestampPeriod;

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info{};
  queue_info.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
  queue_info.queueFamilyIndex = d->queue_family_;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  VkDeviceCreateInfo device_info{};
  device_info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  device_info.queueCreateInfoCount = 1;
  device_info.pQueueCreateInfos = &queue_info;
  // 16-bit storage is enabled wherever the device has it (Vulkan 1.1 core): sessions asking for
  // fp16 storage then use the shaders' fp16 variants, fp32 sessions are unaffected.
  VkPhysicalDevice16BitStorageFeatures enabled16{};
  enabled16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
  enabled16.storageBuffer16BitAccess = info.fp16_storage ? VK_TRUE : VK_FALSE;
  if (info.fp16_storage) device_info.pNext = &enabled16;
  EI_VK_CHECK(vk.vkCreateDevice(d->physical_, &device_info, nullptr, &d->device_),
              "vkCreateDevice on '" + info.name + "'");
  load_device_functions(vk, d->device_);
  vk.vkGetDeviceQueue(d->device_, d->queue_family_, 0, &d->queue_);
  return d;
}

Device::~Device() {
  if (!vk_ || !device_) return;
  vk_->vkDeviceWaitIdle(device_);
  vk_->vkDestroyDevice(device_, nullptr);
}

std::string Device::describe() const {
  std::ostringstream s;
  s << info_.name << " (" << device_type_name(info_.type) << ", Vulkan "
    << VK_API_VERSION_MAJOR(info_.api_version) << "." << VK_API_VERSION_MINOR(info_.api_version)
    << ", maxStorageBufferRange " << info_.max_storage_buffer_range << ", subgroup "
    << info_.subgroup_size << ", fp16 storage " << (info_.fp16_storage ? "yes" : "no")
    << ", fp16 arithmetic " << (info_.fp16_arithmetic ? "yes" : "no") << ", cooperative matrix "
    << (info_.cooperative_matrix ? "yes" : "no") << ")";
  return s.str();
}

int Device::validation_error_count() const {
  return validation_errors_reported() - validation_baseline_;
}

std::string Device::validation_error() const {
  return validation_error_message(validation_baseline_);
}

}  // namespace edgeinfer::vulkan
