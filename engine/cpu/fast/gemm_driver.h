// SGEMM on packed operands, shared by the fast Conv, ConvTranspose, Gemm and MatMul kernels:
// A (weights) is packed once per node into panels of MR rows; B (activations) is packed per
// column chunk into panels of NR columns, then the ISA's micro-kernel computes each tile.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "cpu/fast/common.h"
#include "cpu/fused_epilogue.h"
#include "cpu/kernels/kernel_set.h"
#include "cpu/thread_pool.h"

namespace edgeinfer::cpu::fast {

// A row-major matrix (rows x k, row stride ld) packed into panels of mr rows: panel p holds
// k steps of mr floats (rows p*mr ..), zero-padded past the last row. The floats live in
// private memory or in a mapped weight cache file; `owner` keeps either alive.
struct PackedRows {
  const float* values = nullptr;
  std::shared_ptr<const void> owner;
  int64_t rows = 0;
  int64_t k = 0;
  int mr = 1;

  int64_t panels() const { return (rows + mr - 1) / mr; }
  const float* panel(int64_t p) const { return values + p * mr * k; }
  // Floats that `rows` x `k` take once packed in panels of `mr`.
  static size_t floats_for(int64_t rows, int64_t k, int mr) {
    return static_cast<size_t>((rows + mr - 1) / mr * mr * k);
  }
};

// Packs `rows` rows of `k` values into `dst` (PackedRows::floats_for(rows, k, mr) floats);
// element (r, c) is src[r * row_stride + c * col_stride].
void pack_rows_into(const float* src, int64_t rows, int64_t k, int64_t row_stride,
                    int64_t col_stride, int mr, float* dst);

// The same into a private buffer the result owns.
PackedRows pack_rows(const float* src, int64_t rows, int64_t k, int64_t row_stride,
                     int64_t col_stride, int mr);

// Packed rows already laid out at `values` (by pack_rows_into), kept alive by `owner`.
PackedRows packed_rows_at(const float* values, std::shared_ptr<const void> owner, int64_t rows,
                          int64_t k, int mr);

// Packs columns [n0, n0 + nc) of a k x n matrix (element (p, j) at src[p * ld + j]) into
// panels of nr columns, zero-padded: dst needs k * round_up(nc, nr) floats.
void pack_columns(const float* src, int64_t ld, int64_t k, int64_t n0, int64_t nc, int nr,
                  float* dst);

// Like pack_columns for a k x n matrix with any strides: element (p, j) at
// src[p * p_stride + j * j_stride].
void pack_columns_strided(const float* src, int64_t p_stride, int64_t j_stride, int64_t k,
                          int64_t n0, int64_t nc, int nr, float* dst);

// The epilogue split into what the micro-kernel applies (bias, residual, a clamp covering
// Relu and Clip) and an activation pass over finished rows for the other activations.
struct GemmEpilogue {
  float lo;
  float hi;
  bool hardswish = false;       // applied by the micro-kernel after the clamp
  bool needs_row_pass = false;  // an activation the micro-kernel does not apply
  Epilogue epilogue;

  static GemmEpilogue from(const Epilogue& e);
  // The row activation of output channel `channel` (for the row pass).
  kernels::RowActivation row(int64_t channel) const;
};

// C rows [0, a.rows) x columns [0, nc) = A * B_chunk (+ bias per row, + residual, clamped,
// then HardSwish when `hardswish`).
// `b` holds the packed chunk (pack_columns), `c` and `residual` point at its first column.
// Rows are limited to [row_begin, row_end) (multiples of a.mr, row_end clipped to a.rows).
void gemm_packed(const kernels::KernelSet& ks, const PackedRows& a, int64_t row_begin,
                 int64_t row_end, const float* b, int64_t nc, float* c, int64_t ldc,
                 const float* bias, const float* residual, int64_t ldr, float lo, float hi,
                 bool hardswish = false);

inline int64_t round_up(int64_t v, int64_t m) {
  return (v + m - 1) / m * m;
}

}  // namespace edgeinfer::cpu::fast
