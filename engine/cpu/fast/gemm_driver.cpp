#include "cpu/fast/gemm_driver.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace edgeinfer::cpu::fast {

static_assert(static_cast<int>(Activation::kNone) == 0 &&
                  static_cast<int>(Activation::kRelu) == 1 &&
                  static_cast<int>(Activation::kClip) == 2 &&
                  static_cast<int>(Activation::kPRelu) == 4 &&
                  static_cast<int>(Activation::kHardSwish) == 7 &&
                  static_cast<int>(Activation::kMish) == 11,
              "kernels/portable_loops.inc numbers activations like cpu::Activation");

void pack_rows_into(const float* src, int64_t rows, int64_t k, int64_t row_stride,
                    int64_t col_stride, int mr, float* dst) {
  const int64_t panels = (rows + mr - 1) / mr;
  for (int64_t p = 0; p < panels; ++p) {
    float* panel = dst + p * mr * k;
    for (int i = 0; i < mr; ++i) {
      const int64_t r = p * mr + i;
      if (r >= rows) {
        for (int64_t c = 0; c < k; ++c)
          panel[c * mr + i] = 0.f;  // padding rows of the last panel
        continue;
      }
      for (int64_t c = 0; c < k; ++c)
        panel[c * mr + i] = src[r * row_stride + c * col_stride];
    }
  }
}

PackedRows pack_rows(const float* src, int64_t rows, int64_t k, int64_t row_stride,
                     int64_t col_stride, int mr) {
  auto buffer = std::make_shared<std::vector<float>>(PackedRows::floats_for(rows, k, mr));
  pack_rows_into(src, rows, k, row_stride, col_stride, mr, buffer->data());
  const float* values = buffer->data();
  return packed_rows_at(values, std::move(buffer), rows, k, mr);
}

PackedRows packed_rows_at(const float* values, std::shared_ptr<const void> owner, int64_t rows,
                          int64_t k, int mr) {
  PackedRows packed;
  packed.values = values;
  packed.owner = std::move(owner);
  packed.rows = rows;
  packed.k = k;
  packed.mr = mr;
  return packed;
}

void pack_columns(const float* src, int64_t ld, int64_t k, int64_t n0, int64_t nc, int nr,
                  float* dst) {
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    const int64_t w = std::min<int64_t>(nr, nc - j0);
    const float* s = src + n0 + j0;
    for (int64_t p = 0; p < k; ++p) {
      std::memcpy(dst, s + p * ld, static_cast<size_t>(w) * sizeof(float));
      if (w < nr) std::memset(dst + w, 0, static_cast<size_t>(nr - w) * sizeof(float));
      dst += nr;
    }
  }
}

void pack_columns_strided(const float* src, int64_t p_stride, int64_t j_stride, int64_t k,
                          int64_t n0, int64_t nc, int nr, float* dst) {
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    const int64_t w = std::min<int64_t>(nr, nc - j0);
    for (int64_t p = 0; p < k; ++p) {
      const float* s = src + p * p_stride + (n0 + j0) * j_stride;
      for (int64_t j = 0; j < w; ++j)
        dst[j] = s[j * j_stride];
      for (int64_t j = w; j < nr; ++j)
        dst[j] = 0.f;
      dst += nr;
    }
  }
}

GemmEpilogue GemmEpilogue::from(const Epilogue& e) {
  GemmEpilogue g;
  g.epilogue = e;
  g.lo = -std::numeric_limits<float>::infinity();
  g.hi = std::numeric_limits<float>::infinity();
  switch (e.activation) {
    case Activation::kNone:
      break;
    case Activation::kRelu:
      g.lo = 0.f;
      break;
    case Activation::kHardSwish:
      g.hardswish = true;
      break;
    case Activation::kClip:
      // min(max(v, lo), hi) equals the reference's Clip only when lo <= hi.
      if (e.alpha <= e.beta) {
        g.lo = e.alpha;
        g.hi = e.beta;
      } else {
        g.needs_row_pass = true;
      }
      break;
    default:
      g.needs_row_pass = true;
  }
  return g;
}

kernels::RowActivation GemmEpilogue::row(int64_t channel) const {
  kernels::RowActivation a{static_cast<int>(epilogue.activation), epilogue.alpha, epilogue.beta,
                           0.f};
  if (epilogue.activation == Activation::kPRelu)
    a.slope = epilogue.slope[epilogue.slope_count == 1 ? 0 : channel];
  return a;
}

void gemm_packed(const kernels::KernelSet& ks, const PackedRows& a, int64_t row_begin,
                 int64_t row_end, const float* b, int64_t nc, float* c, int64_t ldc,
                 const float* bias, const float* residual, int64_t ldr, float lo, float hi,
                 bool hardswish) {
  const int64_t k = a.k;
  row_end = std::min(row_end, a.rows);
  for (int64_t j0 = 0; j0 < nc; j0 += ks.nr) {
    const int nr = static_cast<int>(std::min<int64_t>(ks.nr, nc - j0));
    const float* bp = b + (j0 / ks.nr) * ks.nr * k;
    for (int64_t r0 = row_begin; r0 < row_end; r0 += a.mr) {
      const int mr = static_cast<int>(std::min<int64_t>(a.mr, row_end - r0));
      kernels::GemmOutput out{c + r0 * ldc + j0,
                              ldc,
                              bias ? bias + r0 : nullptr,
                              residual ? residual + r0 * ldr + j0 : nullptr,
                              ldr,
                              lo,
                              hi,
                              hardswish ? 1 : 0};
      ks.gemm(k, a.panel(r0 / a.mr), bp, mr, nr, out);
    }
  }
}

float* thread_scratch(int which, size_t floats) {
  // Kept per thread (pool workers are persistent), so steady-state runs allocate nothing.
  thread_local std::vector<float> buffers[kScratchBuffers];
  std::vector<float>& buffer = buffers[which];
  const size_t need = floats + 16;
  if (buffer.size() < need) buffer.resize(need);
  auto p = reinterpret_cast<uintptr_t>(buffer.data());
  return reinterpret_cast<float*>((p + 63) & ~uintptr_t(63));
}

}  // namespace edgeinfer::cpu::fast
