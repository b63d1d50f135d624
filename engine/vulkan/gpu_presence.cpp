#include "vulkan/gpu_presence.h"

#include <dirent.h>

#include <cstring>

namespace edgeinfer::vulkan {

namespace {

// The first entry of `folder` whose name starts with one of `prefixes`; "" when none does (or
// the folder cannot be read).
std::string first_entry_with_prefix(const std::string& folder,
                                    std::initializer_list<const char*> prefixes) {
  DIR* dir = opendir(folder.c_str());
  if (!dir) return "";
  std::string found;
  while (const dirent* entry = readdir(dir)) {
    for (const char* prefix : prefixes) {
      if (std::strncmp(entry->d_name, prefix, std::strlen(prefix)) == 0) {
        found = folder + "/" + entry->d_name;
        break;
      }
    }
    if (!found.empty()) break;
  }
  closedir(dir);
  return found;
}

}  // namespace

std::string find_gpu_device_node(const std::string& dev_root) {
  // DRM: every Mesa driver (radv, anv, nvk, turnip, v3dv, panvk, venus) opens a render node.
  std::string node = first_entry_with_prefix(dev_root + "/dri", {"renderD", "card"});
  if (!node.empty()) return node;
  // NVIDIA's proprietary driver (/dev/nvidia0, nvidiactl), Arm's Mali driver, Qualcomm's KGSL,
  // and the D3D12 bridge of WSL2 (Mesa's dozen).
  return first_entry_with_prefix(dev_root, {"nvidia", "mali", "kgsl", "dxg"});
}

}  // namespace edgeinfer::vulkan
