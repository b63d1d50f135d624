// Read-only file mappings that unmap themselves: what the model file, its external data and
// the weight cache's entries are read through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace edgeinfer::import {

// Maps `length` bytes of the open file `fd` from `offset` (a multiple of the page size),
// read-only; `shared` picks MAP_SHARED over MAP_PRIVATE. The result's get() is the first
// mapped byte; the mapping is removed when its last owner lets go. Null when mmap fails (errno
// says why). The caller may close `fd` afterwards.
std::shared_ptr<const void> map_read_only(int fd, size_t length, uint64_t offset, bool shared);

}  // namespace edgeinfer::import
