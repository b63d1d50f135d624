// A 64-byte aligned heap buffer: the unit every memory mode allocates.
#pragma once

#include <cstdlib>
#include <memory>
#include <new>

#include "edgeinfer/status.h"

namespace edgeinfer::planner {

constexpr size_t kTensorAlignment = 64;

// Through the aligned global operator new, so a test that replaces it sees every tensor
// allocation (tests/unit/test_memory_no_alloc.cpp).
struct AlignedDeleter {
  void operator()(void* p) const { ::operator delete(p, std::align_val_t(kTensorAlignment)); }
};
using AlignedBuffer = std::unique_ptr<void, AlignedDeleter>;

inline size_t aligned_size(size_t bytes) {
  const size_t rounded = (bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  return rounded == 0 ? kTensorAlignment : rounded;
}

// Allocates aligned_size(bytes) bytes.
inline Result<AlignedBuffer> allocate_aligned(size_t bytes) {
  void* p = ::operator new(aligned_size(bytes), std::align_val_t(kTensorAlignment), std::nothrow);
  if (!p) {
    return error(StatusCode::kOutOfMemory,
                 "cannot allocate " + std::to_string(bytes) + " bytes for tensors");
  }
  return AlignedBuffer(p);
}

}  // namespace edgeinfer::planner
