// Device buffers: one VkBuffer with its own memory, device-local or host-visible (mapped for
// its whole life). The executor allocates only a handful: the planned arena, the weights, the
// inputs and the host staging, so a dedicated allocation each is the simplest allocator.
#pragma once

#include <memory>
#include <string>

#include "vulkan/device.h"

namespace edgeinfer::vulkan {

enum class MemoryKind {
  kDeviceLocal,  // fastest for the GPU; filled through staging copies
  kHostStaging,  // host-visible and coherent (cached where possible), mapped
};

class Buffer {
 public:
  // `bytes` == 0 allocates a small placeholder (Vulkan forbids empty buffers).
  static Result<std::unique_ptr<Buffer>> create(std::shared_ptr<Device> device, size_t bytes,
                                                MemoryKind kind, const std::string& what);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer handle() const { return buffer_; }
  size_t bytes() const { return bytes_; }
  // Mapped memory of a kHostStaging buffer (nullptr for device-local ones).
  unsigned char* mapped() const { return mapped_; }
  // Makes device writes visible to the host (no-op on coherent memory).
  void invalidate() const;

 private:
  Buffer() = default;
  std::shared_ptr<Device> device_;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  size_t bytes_ = 0;
  unsigned char* mapped_ = nullptr;
  bool coherent_ = true;
};

}  // namespace edgeinfer::vulkan
