#include "cpu/fast/winograd.h"

#include <algorithm>
#include <limits>

#include "cpu/fast/common.h"
#include "cpu/fast/winograd_transforms.h"

namespace edgeinfer::cpu::fast {
namespace {

using winograd::kAT4;
using winograd::kAT6;
using winograd::kBT4;
using winograd::kBT6;
using winograd::kG4;
using winograd::kG6;

// Tiles transformed side by side: each transform step is one 8-float vector op (AVX2), and the
// lanes of one point are 8 consecutive columns of a packed panel.
constexpr int kLanes = 8;

// Floats of transformed input and output one chunk may take per thread. It decides the number
// of tiles per chunk from the channel counts (at least one panel of tiles), never from the image.
constexpr int64_t kChunkBudgetFloats = 128 * 1024;

// U = G g G^T for one 3x3 kernel g (row-major), in double; u is T x T.
template <const auto& G>
void transform_kernel(const float* g, double* u) {
  constexpr int T = std::remove_cvref_t<decltype(G)>::rows;
  double gg[T][3];
  for (int i = 0; i < T; ++i) {
    for (int c = 0; c < 3; ++c) {
      gg[i][c] = 0;
      for (int r = 0; r < 3; ++r)
        gg[i][c] += G.v[i][r] * g[r * 3 + c];
    }
  }
  for (int i = 0; i < T; ++i) {
    for (int k = 0; k < T; ++k) {
      double s = 0;
      for (int c = 0; c < 3; ++c)
        s += gg[i][c] * G.v[k][c];
      u[i * T + k] = s;
    }
  }
}

template <const auto& G>
void transform_weights(const float* w, int64_t out_channels, int64_t in_channels, int mr,
                       float* dst) {
  constexpr int T = std::remove_cvref_t<decltype(G)>::rows;
  constexpr int points = T * T;
  // Each point's K x C matrix, written straight into its packed panels (as pack_rows lays them
  // out) rather than through a K x C x points copy: the deep layers' matrices are tens of MB.
  const size_t point_floats = PackedRows::floats_for(out_channels, in_channels, mr);
  std::fill(dst, dst + point_floats * points, 0.f);
  double u[points];
  for (int64_t o = 0; o < out_channels; ++o) {
    const int64_t at = (o / mr) * mr * in_channels + o % mr;
    for (int64_t c = 0; c < in_channels; ++c) {
      transform_kernel<G>(w + (o * in_channels + c) * 9, u);
      for (int xi = 0; xi < points; ++xi)
        dst[static_cast<size_t>(xi) * point_floats + static_cast<size_t>(at + c * mr)] =
            static_cast<float>(u[xi]);
    }
  }
}

// How the image's tiles are cut into chunks (per image of the batch).
struct ChunkPlan {
  int64_t tiles_w = 0;
  int64_t tiles = 0;
  int64_t chunk = 0;  // tiles per chunk: a multiple of the panel width nr
  int64_t chunks = 0;
};

ChunkPlan plan_chunks(const WinogradGeometry& g, int m, int64_t channels_sum, int nr, int threads) {
  const int64_t t = m + 2;
  ChunkPlan p;
  p.tiles_w = (g.out_w + m - 1) / m;
  p.tiles = p.tiles_w * ((g.out_h + m - 1) / m);
  const int64_t budget = kChunkBudgetFloats / (t * t * channels_sum) / nr * nr;
  p.chunk = std::min(std::max<int64_t>(budget, nr), round_up(p.tiles, nr));
  // Enough chunks for two per thread, so the threads stay busy on small images.
  const int64_t want = 2 * threads;
  if (g.batch * ((p.tiles + p.chunk - 1) / p.chunk) < want) {
    const int64_t per_image = (want + g.batch - 1) / g.batch;
    p.chunk = std::max<int64_t>(nr, round_up((p.tiles + per_image - 1) / per_image, nr));
  }
  p.chunks = (p.tiles + p.chunk - 1) / p.chunk;
  return p;
}

// Input transform of tiles [t0, t0 + count) of one image: for each transform point xi, the
// channels x chunk matrix V_xi (column j = tile t0 + j) is written into `v` + xi * channels *
// chunk, packed in panels of nr columns as the micro-kernel reads them. Columns past `count`
// in the last group of lanes are zeros.
template <const auto& BT>
EI_VECTOR_CLONES void transform_input(const WinogradGeometry& g, const float* x, int64_t channels,
                                      const ChunkPlan& plan, int64_t t0, int64_t count, int nr,
                                      float* v) {
  constexpr int T = std::remove_cvref_t<decltype(BT)>::rows;
  constexpr int m = T - 2;
  alignas(32) float d[T * T * kLanes];
  alignas(32) float work[T * T * kLanes];
  alignas(32) float out[T * T * kLanes];
  const int64_t point_stride = channels * plan.chunk;
  const int64_t plane = g.in_h * g.in_w;
  // Channel by channel, so the tiles read a few input rows left to right (streams the hardware
  // prefetcher follows), not a few rows of every channel at once.
  for (int64_t c = 0; c < channels; ++c) {
    const float* src = x + c * plane;
    int64_t ty = t0 / plan.tiles_w, tx = t0 % plan.tiles_w;  // the next tile's position
    for (int64_t j0 = 0; j0 < count; j0 += kLanes) {
      const int lanes = static_cast<int>(std::min<int64_t>(kLanes, count - j0));
      int64_t iy0[kLanes], ix0[kLanes];
      bool inside[kLanes];
      for (int l = 0; l < lanes; ++l) {
        iy0[l] = ty * m - g.pad_top;
        ix0[l] = tx * m - g.pad_left;
        inside[l] = iy0[l] >= 0 && iy0[l] + T <= g.in_h && ix0[l] >= 0 && ix0[l] + T <= g.in_w;
        if (++tx == plan.tiles_w) {
          tx = 0;
          ++ty;
        }
      }
      // The common case: eight tiles side by side in one tile row, all inside the input, so lane l
      // reads columns ix0 + l * m + s of the same T input rows.
      const bool run = lanes == kLanes && inside[0] && inside[kLanes - 1] &&
                       iy0[0] == iy0[kLanes - 1] && ix0[kLanes - 1] == ix0[0] + (kLanes - 1) * m;
      if (lanes < kLanes) std::fill(d, d + T * T * kLanes, 0.f);
      float* dst = v + (j0 / nr) * nr * channels + j0 % nr;
      {
        if (run) {
          const float* p = src + iy0[0] * g.in_w + ix0[0];
          for (int r = 0; r < T; ++r)
            for (int s = 0; s < T; ++s)
              for (int l = 0; l < kLanes; ++l)
                d[(r * T + s) * kLanes + l] = p[r * g.in_w + l * m + s];
        } else {
          for (int l = 0; l < lanes; ++l) {
            // Zeros outside the input (the padding, or past its end).
            for (int r = 0; r < T; ++r) {
              const int64_t iy = iy0[l] + r;
              for (int s = 0; s < T; ++s) {
                const int64_t ix = ix0[l] + s;
                const bool in = iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w;
                d[(r * T + s) * kLanes + l] = in ? src[iy * g.in_w + ix] : 0.f;
              }
            }
          }
        }
        winograd::transform_2d<BT, kLanes>(d, work, out);
        float* col = dst + c * nr;
        for (int xi = 0; xi < T * T; ++xi)
          for (int l = 0; l < kLanes; ++l)
            col[xi * point_stride + l] = out[xi * kLanes + l];
      }
    }
  }
}

// y[i] = activation(vals[i] + b + residual[i]) for i < n, as the micro-kernels store a tile:
// clamp (Relu, Clip), then HardSwish; the other activations element by element.
[[gnu::always_inline]] inline void store_outputs(const float* vals, int64_t n, float b,
                                                 const float* residual, float* y,
                                                 const GemmEpilogue& ep, int64_t channel) {
  if (ep.needs_row_pass) {
    for (int64_t i = 0; i < n; ++i)
      y[i] = ep.epilogue.activate(vals[i] + b + (residual ? residual[i] : 0.f), channel);
    return;
  }
  const float lo = ep.lo, hi = ep.hi;
  if (residual) {
    for (int64_t i = 0; i < n; ++i) {
      const float v = vals[i] + b + residual[i];
      y[i] = std::min(std::max(v, lo), hi);
    }
  } else {
    for (int64_t i = 0; i < n; ++i)
      y[i] = std::min(std::max(vals[i] + b, lo), hi);
  }
  if (ep.hardswish) {
    for (int64_t i = 0; i < n; ++i) {
      const float t = std::min(std::max(y[i] * (1.f / 6.f) + 0.5f, 0.f), 1.f);
      y[i] = y[i] * t;
    }
  }
}

// Output transform of tiles [t0, t0 + count) of one image from the GEMM results
// (`mbuf` + xi * out_channels * chunk: row k, column j), with bias, residual and activation.
template <const auto& AT>
EI_VECTOR_CLONES void transform_output(const WinogradGeometry& g, const float* mbuf,
                                       int64_t out_channels, const ChunkPlan& plan, int64_t t0,
                                       int64_t count, const float* bias, const float* residual,
                                       float* y, const GemmEpilogue& ep) {
  constexpr int m = std::remove_cvref_t<decltype(AT)>::rows;
  constexpr int T = std::remove_cvref_t<decltype(AT)>::cols;
  alignas(32) float in[T * T * kLanes];
  alignas(32) float work[m * T * kLanes];
  alignas(32) float out[m * m * kLanes];
  alignas(32) float row_values[kLanes * m];
  const int64_t point_stride = out_channels * plan.chunk;
  const int64_t spatial = g.out_h * g.out_w;
  // Channel by channel, so the stores run along a few output rows.
  for (int64_t k = 0; k < out_channels; ++k) {
    int64_t ty = t0 / plan.tiles_w, tx = t0 % plan.tiles_w;  // the next tile's position
    for (int64_t j0 = 0; j0 < count; j0 += kLanes) {
      const int lanes = static_cast<int>(std::min<int64_t>(kLanes, count - j0));
      int64_t oy0[kLanes], ox0[kLanes];
      int rows[kLanes], cols[kLanes];
      for (int l = 0; l < lanes; ++l) {
        oy0[l] = ty * m;
        ox0[l] = tx * m;
        if (++tx == plan.tiles_w) {
          tx = 0;
          ++ty;
        }
        rows[l] = static_cast<int>(std::min<int64_t>(m, g.out_h - oy0[l]));
        cols[l] = static_cast<int>(std::min<int64_t>(m, g.out_w - ox0[l]));
      }
      // Eight whole tiles side by side in one tile row: each of their m output rows is one run of
      // 8 m values.
      const bool run = lanes == kLanes && oy0[0] == oy0[kLanes - 1] && rows[0] == m &&
                       cols[kLanes - 1] == m && ox0[kLanes - 1] == ox0[0] + (kLanes - 1) * m;
      {
        const float* src = mbuf + k * plan.chunk + j0;
        for (int xi = 0; xi < T * T; ++xi)
          for (int l = 0; l < kLanes; ++l)
            in[xi * kLanes + l] = src[xi * point_stride + l];
        winograd::transform_2d<AT, kLanes>(in, work, out);
        const float b = bias ? bias[k] : 0.f;
        float* yk = y + k * spatial;
        const float* rk = residual ? residual + k * spatial : nullptr;
        if (run) {
          for (int a = 0; a < m; ++a) {
            for (int l = 0; l < kLanes; ++l)
              for (int c = 0; c < m; ++c)
                row_values[l * m + c] = out[(a * m + c) * kLanes + l];
            const int64_t at = (oy0[0] + a) * g.out_w + ox0[0];
            store_outputs(row_values, kLanes * m, b, rk ? rk + at : nullptr, yk + at, ep, k);
          }
          continue;
        }
        for (int l = 0; l < lanes; ++l) {
          for (int a = 0; a < rows[l]; ++a) {
            for (int c = 0; c < cols[l]; ++c)
              row_values[c] = out[(a * m + c) * kLanes + l];
            const int64_t at = (oy0[l] + a) * g.out_w + ox0[l];
            store_outputs(row_values, cols[l], b, rk ? rk + at : nullptr, yk + at, ep, k);
          }
        }
      }
    }
  }
}

template <const auto& BT, const auto& AT>
void run(ThreadPool* pool, const kernels::KernelSet& ks, const WinogradWeights& u,
         const WinogradGeometry& g, const float* x, const float* bias, float* y,
         const GemmEpilogue& ep) {
  constexpr int T = std::remove_cvref_t<decltype(BT)>::rows;
  const int64_t C = u.in_channels, K = u.out_channels;
  const int threads = pool ? pool->threads() : 1;
  const ChunkPlan plan = plan_chunks(g, u.m, C + K, ks.nr, threads);
  const size_t v_floats = static_cast<size_t>(T * T * C * plan.chunk);
  const size_t m_floats = static_cast<size_t>(T * T * K * plan.chunk);
  const JobScratch scratch(pool, 0, v_floats + m_floats);
  const float* residual = ep.epilogue.residual;
  const float inf = std::numeric_limits<float>::infinity();
  parallel_for(pool, g.batch * plan.chunks, [&](int64_t task, int thread) {
    const int64_t n = task / plan.chunks;
    const int64_t t0 = (task % plan.chunks) * plan.chunk;
    const int64_t count = std::min(plan.chunk, plan.tiles - t0);
    float* v = scratch.at(thread);
    float* mbuf = v + v_floats;
    transform_input<BT>(g, x + n * C * g.in_h * g.in_w, C, plan, t0, count, ks.nr, v);
    for (int xi = 0; xi < T * T; ++xi) {
      gemm_packed(ks, u.points[static_cast<size_t>(xi)], 0, K, v + xi * C * plan.chunk, count,
                  mbuf + xi * K * plan.chunk, plan.chunk, nullptr, nullptr, 0, -inf, inf);
    }
    const int64_t out_offset = n * K * g.out_h * g.out_w;
    transform_output<AT>(g, mbuf, K, plan, t0, count, bias,
                         residual ? residual + out_offset : nullptr, y + out_offset, ep);
  });
}

}  // namespace

bool winograd_supported(int m, const kernels::KernelSet& ks) {
  return (m == 4 || m == 6) && ks.nr % kLanes == 0;
}

size_t winograd_weight_floats(int m, int64_t out_channels, int64_t in_channels, int mr) {
  const size_t points = static_cast<size_t>((m + 2) * (m + 2));
  return points * PackedRows::floats_for(out_channels, in_channels, mr);
}

void transform_winograd_weights(const float* w, int64_t out_channels, int64_t in_channels, int m,
                                int mr, float* dst) {
  if (m == 4) {
    transform_weights<kG4>(w, out_channels, in_channels, mr, dst);
  } else {
    transform_weights<kG6>(w, out_channels, in_channels, mr, dst);
  }
}

WinogradWeights winograd_weights_at(const float* values, std::shared_ptr<const void> owner, int m,
                                    int64_t out_channels, int64_t in_channels, int mr) {
  WinogradWeights u;
  u.m = m;
  u.out_channels = out_channels;
  u.in_channels = in_channels;
  const size_t point_floats = PackedRows::floats_for(out_channels, in_channels, mr);
  for (int xi = 0; xi < (m + 2) * (m + 2); ++xi) {
    u.points.push_back(packed_rows_at(values + static_cast<size_t>(xi) * point_floats, owner,
                                      out_channels, in_channels, mr));
  }
  return u;
}

void run_winograd(ThreadPool* pool, const kernels::KernelSet& ks, const WinogradWeights& u,
                  const WinogradGeometry& g, const float* x, const float* bias, float* y,
                  const GemmEpilogue& ep) {
  if (u.m == 4) {
    run<kBT4, kAT4>(pool, ks, u, g, x, bias, y, ep);
  } else {
    run<kBT6, kAT6>(pool, ks, u, g, x, bias, y, ep);
  }
}

}  // namespace edgeinfer::cpu::fast
