// backend=auto looks for GPU device nodes before loading any Vulkan driver
// (engine/vulkan/gpu_presence.h): the node scan itself, on fake /dev folders, and the gate in
// Device::create on this machine.
#include <catch2/catch.hpp>

#include "temp_dir.h"
#include "vulkan/device.h"
#include "vulkan/gpu_presence.h"

using namespace edgeinfer;
using edgeinfer::testing::TempDir;

TEST_CASE("gpu device nodes: none among ordinary device files") {
  TempDir dev("ei_dev");
  for (const char* name : {"null", "zero", "tty0", "shm/x", "input/event0", "dri/by-path/x"})
    dev.write(name, "");
  CHECK(vulkan::find_gpu_device_node(dev.str()).empty());
  CHECK(vulkan::find_gpu_device_node(dev.str() + "/missing").empty());
}

TEST_CASE("gpu device nodes: DRM render and card nodes, NVIDIA, Mali, KGSL, WSL") {
  for (const char* name :
       {"dri/renderD128", "dri/card0", "nvidia0", "nvidiactl", "mali0", "kgsl-3d0", "dxg"}) {
    TempDir dev("ei_dev");
    dev.write("null", "");
    dev.write(name, "");
    CHECK(vulkan::find_gpu_device_node(dev.str()) == (dev.path / name).string());
  }
}

TEST_CASE("auto device choice loads no driver on a machine without GPU nodes") {
  vulkan::DeviceOptions options;
  options.gpus_only = true;
  auto device = vulkan::Device::create(options);
  const bool gate_closed = vulkan::find_gpu_device_node().empty();
  INFO("first GPU node: '" << vulkan::find_gpu_device_node() << "'");
  if (gate_closed) {
    REQUIRE_FALSE(device.is_ok());
    CHECK(device.status().message().find("no GPU device node") != std::string::npos);
  } else if (!device.is_ok()) {
    // A node exists, so the drivers were asked; whatever they said, it was not the gate.
    CHECK(device.status().message().find("no GPU device node") == std::string::npos);
  }
}
