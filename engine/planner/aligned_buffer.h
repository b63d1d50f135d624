// A 64-byte aligned heap buffer: the unit every memory mode allocates.
#pragma once

#include <cstdlib>
#include <memory>

#include "edgeinfer/status.h"

namespace edgeinfer::planner {

constexpr size_t kTensorAlignment = 64;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<void, FreeDeleter>;

inline size_t aligned_size(size_t bytes) {
  const size_t rounded = (bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  return rounded == 0 ? kTensorAlignment : rounded;
}

// Allocates aligned_size(bytes) bytes.
inline Result<AlignedBuffer> allocate_aligned(size_t bytes) {
  void* p = std::aligned_alloc(kTensorAlignment, aligned_size(bytes));
  if (!p) {
    return error(StatusCode::kOutOfMemory,
                 "cannot allocate " + std::to_string(bytes) + " bytes for tensors");
  }
  return AlignedBuffer(p);
}

}  // namespace edgeinfer::planner
