// The Vulkan loader, opened at run time (dlopen of libvulkan.so.1), so that libedgeinfer
// starts on machines without Vulkan and reports "no Vulkan loader" as an error instead.
// Every Vulkan entry point the executor uses is a member of `Vk`, listed once below.
#pragma once

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include "edgeinfer/status.h"

namespace edgeinfer::vulkan {

#define EI_VK_GLOBAL_FUNCTIONS(X)           \
  X(vkCreateInstance)                       \
  X(vkEnumerateInstanceLayerProperties)     \
  X(vkEnumerateInstanceExtensionProperties) \
  X(vkEnumerateInstanceVersion)

#define EI_VK_INSTANCE_FUNCTIONS(X)           \
  X(vkDestroyInstance)                        \
  X(vkEnumeratePhysicalDevices)               \
  X(vkGetPhysicalDeviceProperties)            \
  X(vkGetPhysicalDeviceProperties2)           \
  X(vkGetPhysicalDeviceFeatures2)             \
  X(vkGetPhysicalDeviceMemoryProperties)      \
  X(vkGetPhysicalDeviceQueueFamilyProperties) \
  X(vkEnumerateDeviceExtensionProperties)     \
  X(vkCreateDevice)                           \
  X(vkGetDeviceProcAddr)                      \
  X(vkCreateDebugUtilsMessengerEXT)           \
  X(vkDestroyDebugUtilsMessengerEXT)

#define EI_VK_DEVICE_FUNCTIONS(X)   \
  X(vkDestroyDevice)                \
  X(vkGetDeviceQueue)               \
  X(vkDeviceWaitIdle)               \
  X(vkCreateBuffer)                 \
  X(vkDestroyBuffer)                \
  X(vkGetBufferMemoryRequirements)  \
  X(vkAllocateMemory)               \
  X(vkFreeMemory)                   \
  X(vkBindBufferMemory)             \
  X(vkMapMemory)                    \
  X(vkUnmapMemory)                  \
  X(vkInvalidateMappedMemoryRanges) \
  X(vkFlushMappedMemoryRanges)      \
  X(vkCreateShaderModule)           \
  X(vkDestroyShaderModule)          \
  X(vkCreatePipelineCache)          \
  X(vkGetPipelineCacheData)         \
  X(vkDestroyPipelineCache)         \
  X(vkCreateComputePipelines)       \
  X(vkDestroyPipeline)              \
  X(vkCreatePipelineLayout)         \
  X(vkDestroyPipelineLayout)        \
  X(vkCreateDescriptorSetLayout)    \
  X(vkDestroyDescriptorSetLayout)   \
  X(vkCreateDescriptorPool)         \
  X(vkDestroyDescriptorPool)        \
  X(vkAllocateDescriptorSets)       \
  X(vkUpdateDescriptorSets)         \
  X(vkCreateCommandPool)            \
  X(vkDestroyCommandPool)           \
  X(vkAllocateCommandBuffers)       \
  X(vkFreeCommandBuffers)           \
  X(vkBeginCommandBuffer)           \
  X(vkEndCommandBuffer)             \
  X(vkCmdBindPipeline)              \
  X(vkCmdBindDescriptorSets)        \
  X(vkCmdPushConstants)             \
  X(vkCmdDispatch)                  \
  X(vkCmdPipelineBarrier)           \
  X(vkCmdCopyBuffer)                \
  X(vkCmdFillBuffer)                \
  X(vkCmdResetQueryPool)            \
  X(vkCmdWriteTimestamp)            \
  X(vkCreateQueryPool)              \
  X(vkDestroyQueryPool)             \
  X(vkGetQueryPoolResults)          \
  X(vkCreateFence)                  \
  X(vkDestroyFence)                 \
  X(vkResetFences)                  \
  X(vkWaitForFences)                \
  X(vkGetFenceStatus)               \
  X(vkQueueSubmit)

#define EI_VK_DECLARE(name) PFN_##name name = nullptr;

struct Vk {
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
  EI_VK_GLOBAL_FUNCTIONS(EI_VK_DECLARE)
  EI_VK_INSTANCE_FUNCTIONS(EI_VK_DECLARE)
  EI_VK_DEVICE_FUNCTIONS(EI_VK_DECLARE)
};

#undef EI_VK_DECLARE

// The process-wide table with the global functions loaded; fails with kBackendUnavailable
// when libvulkan.so.1 cannot be opened. Opened once, never closed.
Result<Vk*> load_vulkan();
// Fills the instance-level (and then device-level) entries of `vk`.
void load_instance_functions(Vk& vk, VkInstance instance);
void load_device_functions(Vk& vk, VkDevice device);

// "VK_ERROR_OUT_OF_DEVICE_MEMORY" for messages.
const char* vk_result_name(VkResult result);

}  // namespace edgeinfer::vulkan
