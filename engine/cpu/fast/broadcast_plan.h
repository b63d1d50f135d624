// NumPy broadcasting of two inputs as a few loops over contiguous runs.
//
// The output dims of size 1 are dropped, then neighbouring dims are merged wherever each input
// keeps the same pattern (full extent in both, or stretched in both). What is left is a short
// list of dims, the last of which is the inner run: the same shape collapses to one run, a
// scalar to one run with stride 0, [1,C,1,1] against NCHW to C rows of H*W, a per-last-dim
// vector against NHWC to N*H*W rows of C.
#pragma once

#include <cstdint>
#include <vector>

#include "edgeinfer/tensor.h"

namespace edgeinfer::cpu::fast {

struct BinaryPlan {
  std::vector<int64_t> dims;      // collapsed output dims, outermost first; never empty
  std::vector<int64_t> stride_a;  // per dim, in elements of a; 0 where a is stretched
  std::vector<int64_t> stride_b;

  int64_t inner() const { return dims.back(); }
  // Number of inner runs.
  int64_t rows() const;
  // Offsets in a and b of the first element of inner run `row`.
  void row_offsets(int64_t row, int64_t* offset_a, int64_t* offset_b) const;
};

// Precondition: a and b broadcast to out (each dim equal to out's or 1).
BinaryPlan plan_binary(const Shape& out, const Shape& a, const Shape& b);

}  // namespace edgeinfer::cpu::fast
