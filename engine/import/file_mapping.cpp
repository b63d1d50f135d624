#include "import/file_mapping.h"

#include <sys/mman.h>

namespace edgeinfer::import {

std::shared_ptr<const void> map_read_only(int fd, size_t length, uint64_t offset, bool shared) {
  void* address = mmap(nullptr, length, PROT_READ, shared ? MAP_SHARED : MAP_PRIVATE, fd,
                       static_cast<off_t>(offset));
  if (address == MAP_FAILED) return nullptr;
  return std::shared_ptr<const void>(
      address, [length](const void* a) { munmap(const_cast<void*>(a), length); });
}

}  // namespace edgeinfer::import
