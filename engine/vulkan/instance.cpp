#include "vulkan/instance.h"

#include <cstring>
#include <mutex>

namespace edgeinfer::vulkan {

namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";
constexpr size_t kKeptMessages = 16;

std::mutex& messages_mutex() {
  static std::mutex m;
  return m;
}
std::vector<std::string>& messages() {
  static std::vector<std::string> m;
  return m;
}
int& error_count() {
  static int n = 0;
  return n;
}

VKAPI_ATTR VkBool32 VKAPI_CALL on_validation_message(
    VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT,
    const VkDebugUtilsMessengerCallbackDataEXT* data, void*) {
  if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) {
    std::lock_guard<std::mutex> lock(messages_mutex());
    if (messages().size() < kKeptMessages)
      messages().push_back(data && data->pMessage ? data->pMessage : "(no message)");
    ++error_count();
  }
  return VK_FALSE;
}

bool has_layer(const Vk& vk, const char* name) {
  uint32_t count = 0;
  if (vk.vkEnumerateInstanceLayerProperties(&count, nullptr) != VK_SUCCESS) return false;
  std::vector<VkLayerProperties> layers(count);
  if (vk.vkEnumerateInstanceLayerProperties(&count, layers.data()) != VK_SUCCESS) return false;
  for (const auto& l : layers) {
    if (std::strcmp(l.layerName, name) == 0) return true;
  }
  return false;
}

Status create_instance(Instance& in, bool validation) {
  EI_ASSIGN_OR_RETURN(Vk * global, load_vulkan());
  in.vk = *global;
  in.validation = validation;
  Vk& vk = in.vk;
  uint32_t api = VK_API_VERSION_1_0;
  if (vk.vkEnumerateInstanceVersion) vk.vkEnumerateInstanceVersion(&api);
  if (api < VK_API_VERSION_1_1) {
    return error(StatusCode::kBackendUnavailable,
                 "Vulkan: the loader supports only Vulkan 1.0; EdgeInfer needs 1.1");
  }
  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "edgeinfer";
  app.pEngineName = "edgeinfer";
  app.apiVersion = VK_API_VERSION_1_1;
  std::vector<const char*> layers, extensions;
  if (validation) {
    if (!has_layer(vk, kValidationLayer)) {
      return error(StatusCode::kBackendUnavailable,
                   "Vulkan: validation was asked for but VK_LAYER_KHRONOS_validation is not "
                   "installed (Debian: vulkan-validationlayers)");
    }
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  }
  VkInstanceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  info.pApplicationInfo = &app;
  info.enabledLayerCount = static_cast<uint32_t>(layers.size());
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  const VkResult created = vk.vkCreateInstance(&info, nullptr, &in.handle);
  if (created == VK_ERROR_INCOMPATIBLE_DRIVER) {
    return error(StatusCode::kBackendUnavailable,
                 "Vulkan: no Vulkan driver found (vkCreateInstance: VK_ERROR_INCOMPATIBLE_DRIVER)");
  }
  if (created != VK_SUCCESS) {
    return error(StatusCode::kBackendUnavailable,
                 std::string("Vulkan: vkCreateInstance failed: ") + vk_result_name(created));
  }
  load_instance_functions(vk, in.handle);
  if (validation && vk.vkCreateDebugUtilsMessengerEXT) {
    VkDebugUtilsMessengerCreateInfoEXT m{};
    m.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
    m.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    m.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                    VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT;
    m.pfnUserCallback = on_validation_message;
    VkDebugUtilsMessengerEXT messenger;  // lives as long as the instance: the process
    if (vk.vkCreateDebugUtilsMessengerEXT(in.handle, &m, nullptr, &messenger) != VK_SUCCESS) {
      return error(StatusCode::kBackendUnavailable,
                   "Vulkan: cannot install the validation callback");
    }
  }
  uint32_t count = 0;
  if (vk.vkEnumeratePhysicalDevices(in.handle, &count, nullptr) != VK_SUCCESS || count == 0) {
    return error(StatusCode::kBackendUnavailable, "Vulkan: the loader found no physical device");
  }
  in.devices.resize(count);
  if (vk.vkEnumeratePhysicalDevices(in.handle, &count, in.devices.data()) != VK_SUCCESS) {
    return error(StatusCode::kBackendUnavailable, "Vulkan: vkEnumeratePhysicalDevices failed");
  }
  return Status::ok();
}

}  // namespace

Result<const Instance*> shared_instance(bool validation) {
  struct Slot {
    std::once_flag once;
    Instance instance;
    Status status;
  };
  static Slot slots[2];
  Slot& slot = slots[validation ? 1 : 0];
  std::call_once(slot.once, [&] { slot.status = create_instance(slot.instance, validation); });
  if (!slot.status.is_ok()) return slot.status;
  return &slot.instance;
}

int validation_errors_reported() {
  std::lock_guard<std::mutex> lock(messages_mutex());
  return error_count();
}

std::string validation_error_message(int index) {
  std::lock_guard<std::mutex> lock(messages_mutex());
  if (index < 0 || index >= error_count()) return "";
  if (static_cast<size_t>(index) < messages().size()) return messages()[static_cast<size_t>(index)];
  return messages().back() + " (and " + std::to_string(error_count() - kKeptMessages) + " more)";
}

}  // namespace edgeinfer::vulkan
