// The process's Vulkan instance: created on first use and kept until the process ends. Keeping
// it means drivers are loaded once (not per session), and that drivers which leak a little at
// unload (Mesa's, seen under LeakSanitizer) are never unloaded.
#pragma once

#include <string>
#include <vector>

#include "edgeinfer/status.h"
#include "vulkan/loader.h"

namespace edgeinfer::vulkan {

struct Instance {
  Vk vk;  // global and instance-level entry points
  VkInstance handle = VK_NULL_HANDLE;
  std::vector<VkPhysicalDevice> devices;
  bool validation = false;
};

// One instance with VK_LAYER_KHRONOS_validation, one without; a failure (no loader, no driver)
// is remembered too.
Result<const Instance*> shared_instance(bool validation);

// Validation-layer errors reported so far in this process, and the message of error number
// `index` (0-based; empty if there is none).
int validation_errors_reported();
std::string validation_error_message(int index);

}  // namespace edgeinfer::vulkan
