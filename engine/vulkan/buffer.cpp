#include "vulkan/buffer.h"

namespace edgeinfer::vulkan {

namespace {

// The first memory type allowed by `type_bits` that has all of `required` and, if possible,
// all of `preferred`; -1 if none.
int find_memory_type(const VkPhysicalDeviceMemoryProperties& props, uint32_t type_bits,
                     VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred) {
  int fallback = -1;
  for (uint32_t i = 0; i < props.memoryTypeCount; ++i) {
    if (!(type_bits & (1u << i))) continue;
    const VkMemoryPropertyFlags flags = props.memoryTypes[i].propertyFlags;
    if ((flags & required) != required) continue;
    if ((flags & preferred) == preferred) return static_cast<int>(i);
    if (fallback < 0) fallback = static_cast<int>(i);
  }
  return fallback;
}

}  // namespace

Result<std::unique_ptr<Buffer>> Buffer::create(std::shared_ptr<Device> device, size_t bytes,
                                               MemoryKind kind, const std::string& what) {
  const Vk& vk = device->vk();
  std::unique_ptr<Buffer> b(new Buffer());
  b->device_ = device;
  b->bytes_ = bytes == 0 ? 256 : bytes;
  VkBufferCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  info.size = b->bytes_;
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  EI_VK_CHECK(vk.vkCreateBuffer(device->device(), &info, nullptr, &b->buffer_),
              "vkCreateBuffer for " + what + " (" + std::to_string(b->bytes_) + " bytes)");
  VkMemoryRequirements req;
  vk.vkGetBufferMemoryRequirements(device->device(), b->buffer_, &req);
  const VkMemoryPropertyFlags required =
      kind == MemoryKind::kDeviceLocal
          ? VkMemoryPropertyFlags{VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT}
          : VkMemoryPropertyFlags{VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                  VK_MEMORY_PROPERTY_HOST_COHERENT_BIT};
  const VkMemoryPropertyFlags preferred =
      kind == MemoryKind::kDeviceLocal
          ? VkMemoryPropertyFlags{0}
          : VkMemoryPropertyFlags{VK_MEMORY_PROPERTY_HOST_COHERENT_BIT |
                                  VK_MEMORY_PROPERTY_HOST_CACHED_BIT};
  int type = find_memory_type(device->memory_properties(), req.memoryTypeBits, required, preferred);
  if (type < 0 && kind == MemoryKind::kDeviceLocal) {
    type = find_memory_type(device->memory_properties(), req.memoryTypeBits, 0, 0);
  }
  if (type < 0) {
    return error(StatusCode::kBackendUnavailable, "Vulkan: no suitable memory type for " + what);
  }
  const VkMemoryPropertyFlags flags = device->memory_properties().memoryTypes[type].propertyFlags;
  b->coherent_ = flags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  VkMemoryAllocateInfo alloc{};
  alloc.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = static_cast<uint32_t>(type);
  EI_VK_CHECK(vk.vkAllocateMemory(device->device(), &alloc, nullptr, &b->memory_),
              "vkAllocateMemory for " + what + " (" + std::to_string(req.size) + " bytes)");
  EI_VK_CHECK(vk.vkBindBufferMemory(device->device(), b->buffer_, b->memory_, 0),
              "vkBindBufferMemory for " + what);
  if (kind == MemoryKind::kHostStaging) {
    void* p = nullptr;
    EI_VK_CHECK(vk.vkMapMemory(device->device(), b->memory_, 0, VK_WHOLE_SIZE, 0, &p),
                "vkMapMemory for " + what);
    b->mapped_ = static_cast<unsigned char*>(p);
  }
  return b;
}

void Buffer::invalidate() const {
  if (coherent_ || !mapped_) return;
  VkMappedMemoryRange range{};
  range.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE;
  range.memory = memory_;
  range.size = VK_WHOLE_SIZE;
  device_->vk().vkInvalidateMappedMemoryRanges(device_->device(), 1, &range);
}

Buffer::~Buffer() {
  const Vk& vk = device_->vk();
  if (mapped_) vk.vkUnmapMemory(device_->device(), memory_);
  if (buffer_) vk.vkDestroyBuffer(device_->device(), buffer_, nullptr);
  if (memory_) vk.vkFreeMemory(device_->device(), memory_, nullptr);
}

}  // namespace edgeinfer::vulkan
