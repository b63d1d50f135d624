// A Vulkan instance, the chosen physical device, a logical device and its compute queue,
// with what the executor needs to know about the device (limits and optional features).
#pragma once

#include <memory>
#include <string>

#include "edgeinfer/status.h"
#include "vulkan/loader.h"

namespace edgeinfer::vulkan {

struct DeviceInfo {
  std::string name;
  VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
  uint32_t vendor_id = 0;
  uint32_t device_id = 0;
  uint32_t driver_version = 0;
  uint32_t api_version = 0;
  uint8_t pipeline_cache_uuid[VK_UUID_SIZE] = {};
  // Largest range one storage-buffer descriptor may cover; larger tensors are bound in pieces.
  uint64_t max_storage_buffer_range = 0;
  uint64_t min_storage_buffer_offset_alignment = 1;
  uint32_t max_push_constants_size = 128;
  uint32_t max_compute_work_group_count[3] = {};
  // Largest workgroup: min(maxComputeWorkGroupSize[0], maxComputeWorkGroupInvocations).
  uint32_t max_workgroup_size = 128;
  uint32_t subgroup_size = 0;
  bool fp16_storage = false;     // storageBuffer16BitAccess
  bool fp16_arithmetic = false;  // shaderFloat16
  bool cooperative_matrix = false;
  float timestamp_period_ns = 0;  // 0: the queue has no timestamps
  uint64_t device_local_bytes = 0;
};

// "discrete", "integrated", "virtual", "cpu", "other".
const char* device_type_name(VkPhysicalDeviceType type);

struct DeviceOptions {
  // Physical device index among those enumerated; -1 picks the best (discrete, integrated,
  // virtual, cpu). $EDGEINFER_VULKAN_DEVICE is used when it is -1.
  int index = -1;
  // Only GPUs (discrete or integrated): what backend=auto wants, so that it never picks a
  // software rasterizer over the CPU executor.
  bool gpus_only = false;
  // Enable VK_LAYER_KHRONOS_validation and record its errors. $EDGEINFER_VULKAN_VALIDATION=1
  // turns it on.
  bool validation = false;
};

class Device {
 public:
  // Fails with kBackendUnavailable and a readable reason when there is no loader, no driver,
  // no device (of the wanted type) or no compute queue.
  static Result<std::shared_ptr<Device>> create(const DeviceOptions& options);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const Vk& vk() const { return *vk_; }
  VkDevice device() const { return device_; }
  VkPhysicalDevice physical_device() const { return physical_; }
  VkQueue queue() const { return queue_; }
  uint32_t queue_family() const { return queue_family_; }
  const DeviceInfo& info() const { return info_; }
  const VkPhysicalDeviceMemoryProperties& memory_properties() const { return memory_; }
  // One line: name, type, driver, limits and features.
  std::string describe() const;

  // Validation errors reported since this device was created (by any device of the process:
  // the validation callback belongs to the shared instance), and the first one's message.
  int validation_error_count() const;
  std::string validation_error() const;

 private:
  Device() = default;
  Vk* vk_ = nullptr;
  Vk own_;  // this device's function table (instance and device entries)
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  DeviceInfo info_;
  VkPhysicalDeviceMemoryProperties memory_{};
  int validation_baseline_ = 0;
};

// Status for a failed Vulkan call: "<what>: VK_ERROR_...".
Status vk_error(VkResult result, const std::string& what);

#define EI_VK_CHECK(call, what)                                                                 \
  do {                                                                                          \
    VkResult ei_vk_result_ = (call);                                                            \
    if (ei_vk_result_ != VK_SUCCESS) return ::edgeinfer::vulkan::vk_error(ei_vk_result_, what); \
  } while (0)

}  // namespace edgeinfer::vulkan
