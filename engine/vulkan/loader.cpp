#include "vulkan/loader.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace edgeinfer::vulkan {

namespace {

struct LoadedVulkan {
  Vk vk;
  std::string error;
};

LoadedVulkan& loaded() {
  static LoadedVulkan state;
  static std::once_flag once;
  std::call_once(once, [] {
    void* library = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!library) library = dlopen("libvulkan.so", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      const char* why = dlerror();
      state.error = std::string("no Vulkan loader (libvulkan.so.1): ") + (why ? why : "not found");
      return;
    }
    state.vk.vkGetInstanceProcAddr =
        reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(library, "vkGetInstanceProcAddr"));
    if (!state.vk.vkGetInstanceProcAddr) {
      state.error = "the Vulkan loader has no vkGetInstanceProcAddr";
      return;
    }
#define EI_VK_LOAD_GLOBAL(name) \
  state.vk.name = reinterpret_cast<PFN_##name>(state.vk.vkGetInstanceProcAddr(nullptr, #name));
    EI_VK_GLOBAL_FUNCTIONS(EI_VK_LOAD_GLOBAL)
#undef EI_VK_LOAD_GLOBAL
    if (!state.vk.vkCreateInstance) state.error = "the Vulkan loader has no vkCreateInstance";
  });
  return state;
}

}  // namespace

Result<Vk*> load_vulkan() {
  LoadedVulkan& state = loaded();
  if (!state.error.empty()) return error(StatusCode::kBackendUnavailable, state.error);
  return &state.vk;
}

void load_instance_functions(Vk& vk, VkInstance instance) {
#define EI_VK_LOAD_INSTANCE(name) \
  vk.name = reinterpret_cast<PFN_##name>(vk.vkGetInstanceProcAddr(instance, #name));
  EI_VK_INSTANCE_FUNCTIONS(EI_VK_LOAD_INSTANCE)
#undef EI_VK_LOAD_INSTANCE
}

void load_device_functions(Vk& vk, VkDevice device) {
#define EI_VK_LOAD_DEVICE(name) \
  vk.name = reinterpret_cast<PFN_##name>(vk.vkGetDeviceProcAddr(device, #name));
  EI_VK_DEVICE_FUNCTIONS(EI_VK_LOAD_DEVICE)
#undef EI_VK_LOAD_DEVICE
}

const char* vk_result_name(VkResult result) {
  switch (result) {
#define EI_VK_CASE(name) \
  case name:             \
    return #name;
    EI_VK_CASE(VK_SUCCESS)
    EI_VK_CASE(VK_NOT_READY)
    EI_VK_CASE(VK_TIMEOUT)
    EI_VK_CASE(VK_INCOMPLETE)
    EI_VK_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    EI_VK_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    EI_VK_CASE(VK_ERROR_INITIALIZATION_FAILED)
    EI_VK_CASE(VK_ERROR_DEVICE_LOST)
    EI_VK_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    EI_VK_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    EI_VK_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    EI_VK_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    EI_VK_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    EI_VK_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    EI_VK_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    EI_VK_CASE(VK_ERROR_FRAGMENTED_POOL)
    EI_VK_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
#undef EI_VK_CASE
    default:
      return "VkResult error";
  }
}

}  // namespace edgeinfer::vulkan
