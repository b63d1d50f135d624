// Overflow-safe tensor sizes: every allocation whose shape a model file (or a computed shape
// tensor) controls goes through here, so a hostile shape is an error, not a crash.
#pragma once

#include <string>

#include "edgeinfer/status.h"
#include "edgeinfer/tensor.h"

namespace edgeinfer::ir {

// 2^40 elements: far past any real model, far below overflow of byte counts.
constexpr int64_t kMaxTensorElements = int64_t{1} << 40;

// Element count of `shape`; kInvalidModel for a negative dim, kOutOfMemory past the limit.
inline Result<int64_t> checked_elements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) {
      return error(StatusCode::kInvalidModel,
                   "shape " + shape_to_string(shape) + " has a negative dim");
    }
    if (d != 0 && n > kMaxTensorElements / d) {
      return error(StatusCode::kOutOfMemory, "shape " + shape_to_string(shape) + " is too large");
    }
    n *= d;
  }
  return n;
}

}  // namespace edgeinfer::ir
