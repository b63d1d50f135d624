// Fast reorders between the ONNX layout and a blocked channel layout (kReorderOp,
// cpu/blocked_layout.h), float32.
//
// Both directions are a transpose of (b channels x pixels) tiles: b planes of the ONNX tensor
// against b lanes of each blocked pixel. With b = 16 on AVX-512 a tile is 16 channel rows of 16
// pixels, loaded as 16 registers, transposed in registers (unpack, in-lane shuffle, two 128-bit
// lane shuffles) and stored as 16 pixels; with b = 8 on AVX2 the same in 8 x 8. Channels past C
// in the last block load as zeros (the padding lanes) or are not stored; the pixels of a plane
// that do not fill a tile, and other blocks, take the scalar loop. The work is split over the
// thread pool by (image, channel block, run of pixels), in the blocked tensor's memory order.
//
// This file also answers nchwc_isa() for the other blocked kernels.
#include <algorithm>
#include <atomic>
#include <cstring>

#include "cpu/blocked_layout.h"
#include "cpu/fast/common.h"
#include "cpu/fast/families.h"
#include "cpu/fast/nchwc_simd.h"
#include "cpu/fast/transpose16_avx512.h"
#include "cpu/run_cache.h"

namespace edgeinfer::cpu::fast {

namespace {

std::atomic<int> isa_limit{static_cast<int>(NchwcIsa::kAvx512)};

NchwcIsa detect_isa() {
#if EI_NCHWC_X86
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma")) {
    return NchwcIsa::kAvx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return NchwcIsa::kAvx2;
#endif
  return NchwcIsa::kPortable;
}

}  // namespace

NchwcIsa nchwc_isa() {
  static const NchwcIsa detected = detect_isa();
  return static_cast<NchwcIsa>(
      std::min(static_cast<int>(detected), isa_limit.load(std::memory_order_relaxed)));
}

void set_nchwc_isa_limit(NchwcIsa limit) {
  isa_limit.store(static_cast<int>(limit), std::memory_order_relaxed);
}

namespace {

// One tile: `lanes` (<= b) channel rows of the ONNX tensor, `spatial` floats apart, against
// `pixels` blocked pixels of b floats.
struct Tile {
  const float* src;
  float* dst;
  int64_t spatial;
  int64_t lanes;
  int64_t pixels;
};

// Scalar, any block: planar rows -> blocked pixels (padding lanes zeroed).
void block_tile_scalar(const Tile& t, int64_t block) {
  for (int64_t p = 0; p < t.pixels; ++p) {
    float* out = t.dst + p * block;
    for (int64_t lane = 0; lane < t.lanes; ++lane)
      out[lane] = t.src[lane * t.spatial + p];
    for (int64_t lane = t.lanes; lane < block; ++lane)
      out[lane] = 0.0f;
  }
}

// Scalar, any block: blocked pixels -> planar rows (padding lanes not read).
void unblock_tile_scalar(const Tile& t, int64_t block) {
  for (int64_t lane = 0; lane < t.lanes; ++lane) {
    float* out = t.dst + lane * t.spatial;
    for (int64_t p = 0; p < t.pixels; ++p)
      out[p] = t.src[p * block + lane];
  }
}

#if EI_NCHWC_X86
EI_NCHWC_AVX512_BEGIN

// 16 pixels of a 16-lane block.
void block_tile_avx512(const Tile& t) {
  __m512 r[16];
  for (int i = 0; i < 16; ++i)
    r[i] = i < t.lanes ? _mm512_loadu_ps(t.src + i * t.spatial) : _mm512_setzero_ps();
  transpose16(r);
  for (int i = 0; i < 16; ++i)
    _mm512_storeu_ps(t.dst + i * 16, r[i]);
}

void unblock_tile_avx512(const Tile& t) {
  __m512 r[16];
  for (int i = 0; i < 16; ++i)
    r[i] = _mm512_loadu_ps(t.src + i * 16);
  transpose16(r);
  for (int i = 0; i < 16; ++i) {
    if (i < t.lanes) _mm512_storeu_ps(t.dst + i * t.spatial, r[i]);
  }
}

EI_NCHWC_ISA_END

EI_NCHWC_AVX2_BEGIN

// r[i] (row i of an 8 x 8 tile) becomes column i.
inline void transpose8(__m256 r[8]) {
  __m256 t[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // Within each 128-bit lane k of s[4g + j]: column 4k + j of rows 4g .. 4g + 3.
  __m256 s[8];
  for (int g = 0; g < 2; ++g) {
    s[4 * g + 0] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], _MM_SHUFFLE(1, 0, 1, 0));
    s[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], _MM_SHUFFLE(3, 2, 3, 2));
    s[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], _MM_SHUFFLE(1, 0, 1, 0));
    s[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x20);
    r[4 + j] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x31);
  }
}

void block_tile_avx2(const Tile& t) {
  __m256 r[8];
  for (int i = 0; i < 8; ++i)
    r[i] = i < t.lanes ? _mm256_loadu_ps(t.src + i * t.spatial) : _mm256_setzero_ps();
  transpose8(r);
  for (int i = 0; i < 8; ++i)
    _mm256_storeu_ps(t.dst + i * 8, r[i]);
}

void unblock_tile_avx2(const Tile& t) {
  __m256 r[8];
  for (int i = 0; i < 8; ++i)
    r[i] = _mm256_loadu_ps(t.src + i * 8);
  transpose8(r);
  for (int i = 0; i < 8; ++i) {
    if (i < t.lanes) _mm256_storeu_ps(t.dst + i * t.spatial, r[i]);
  }
}

EI_NCHWC_ISA_END
#endif

using TileFn = void (*)(const Tile& t);

// The register tile for this block on this CPU (its width is the block), or null.
TileFn tile_function(bool to_blocked, int block) {
#if EI_NCHWC_X86
  const NchwcIsa isa = nchwc_isa();
  if (block == 16 && isa >= NchwcIsa::kAvx512)
    return to_blocked ? block_tile_avx512 : unblock_tile_avx512;
  if (block == 8 && isa >= NchwcIsa::kAvx2) return to_blocked ? block_tile_avx2 : unblock_tile_avx2;
#else
  (void)to_blocked;
  (void)block;
#endif
  return nullptr;
}

// Pixels per unit of work: a few register tiles, so a plane of 16 x 16 pixels still splits.
constexpr int64_t kRunPixels = 64;

struct ReorderRunCache final : RunCache {
  InputsKey key;
  bool fast = false;  // false: the reference kernel handles (or reports) this node
  ReorderSpec spec;
  int64_t batch = 0;
};

Status reorder_kernel(KernelContext& ctx) {
  if (!float_inputs(ctx, 1) || ctx.input_count() != 1) return run_reference(ctx);
  ReorderRunCache& rc = run_cache_of<ReorderRunCache>(ctx);
  if (!rc.key.matches(ctx, ctx.input_count())) {
    rc.key.clear();
    rc.fast = false;
    Result<ReorderSpec> spec = reorder_spec(ctx);
    if (spec.is_ok()) {
      rc.spec = std::move(*spec);
      rc.batch = ctx.input(0).shape[0];
      rc.fast = true;
    }
    rc.key.store(ctx, ctx.input_count());
  }
  if (!rc.fast) return run_reference(ctx);
  const ReorderSpec& spec = rc.spec;
  EI_ASSIGN_OR_RETURN(const TensorView* y,
                      ctx.allocate_output_view(0, DType::kFloat32, spec.output_shape));
  if (y->elements() == 0) return Status::ok();
  const int64_t block = spec.block;
  const int64_t blocks = channel_blocks(spec.channels, spec.block);
  const int64_t runs = (spec.spatial + kRunPixels - 1) / kRunPixels;
  const TileFn tile = tile_function(spec.to_blocked, spec.block);
  const float* x = ctx.input(0).as<float>();
  float* out = y->as<float>();
  // Unit u: image n, channel block cb, pixels [run * kRunPixels, ...).
  for_rows(ctx, rc.batch * blocks * runs, kRunPixels * block, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const int64_t run = u % runs;
      const int64_t nb = u / runs;  // n * blocks + cb
      const int64_t n = nb / blocks, cb = nb % blocks;
      const int64_t p0 = run * kRunPixels;
      const int64_t p1 = std::min(spec.spatial, p0 + kRunPixels);
      const int64_t lanes = std::min(block, spec.channels - cb * block);
      // Image n's rows of channels cb * block ... and its blocked pixels of block cb.
      const int64_t planar_offset = (n * spec.channels + cb * block) * spec.spatial;
      const int64_t blocked_offset = nb * spec.spatial * block;
      const float* src = x + (spec.to_blocked ? planar_offset : blocked_offset);
      float* dst = out + (spec.to_blocked ? blocked_offset : planar_offset);
      // Pixel p of the run: its planar and blocked offsets from src / dst.
      const int64_t src_step = spec.to_blocked ? 1 : block;
      const int64_t dst_step = spec.to_blocked ? block : 1;
      Tile t{};
      t.spatial = spec.spatial;
      t.lanes = lanes;
      int64_t p = p0;
      if (tile) {
        t.pixels = block;
        for (; p + block <= p1; p += block) {
          t.src = src + p * src_step;
          t.dst = dst + p * dst_step;
          tile(t);
        }
      }
      if (p < p1) {
        t.pixels = p1 - p;
        t.src = src + p * src_step;
        t.dst = dst + p * dst_step;
        if (spec.to_blocked) {
          block_tile_scalar(t, block);
        } else {
          unblock_tile_scalar(t, block);
        }
      }
    }
  });
  return Status::ok();
}

}  // namespace

void register_fast_blocked_reorder(KernelRegistry& registry) {
  registry.add(kReorderOp, reorder_kernel);
}

}  // namespace edgeinfer::cpu::fast
