// Whether this machine could have a GPU that a Vulkan driver drives, decided from device nodes
// alone, without loading the Vulkan loader or any driver.
//
// backend=auto asks for a GPU only (never a software rasterizer). Loading the drivers to find
// that out costs tens of milliseconds and keeps lavapipe and libLLVM mapped (about 50-60 MB of
// RSS) on the many machines that have none, so auto first looks for the nodes every GPU driver
// on Linux opens: DRM render/card nodes (Mesa, NVK, PowerVR, Broadcom, virtio-gpu), NVIDIA's
// proprietary nodes, Arm Mali, Qualcomm KGSL and WSL's D3D12 bridge. With none of them there is
// no GPU to find; with any of them auto probes the drivers as before.
#pragma once

#include <string>

namespace edgeinfer::vulkan {

// The first GPU device node found under `dev_root` (normally "/dev"), e.g. "/dev/dri/renderD128";
// "" when there is none.
std::string find_gpu_device_node(const std::string& dev_root = "/dev");

}  // namespace edgeinfer::vulkan
