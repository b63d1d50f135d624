// Fast blocked (NCHWc) Conv: the prepare step, the row and strip walk over the thread pool and
// the portable strip loops (any block); the AVX-512 and AVX2 strips in kernels/nchwc_*.cpp.
#include "cpu/fast/conv_nchwc.h"

#include <algorithm>
#include <limits>
#include <string_view>
#include <vector>

#include "cpu/blocked_layout.h"
#include "cpu/fast/common.h"
#include "cpu/fused_epilogue.h"
#include "cpu/input_layout.h"
#include "cpu/kernels/kernel_set.h"
#include "cpu/kernels/nchwc_conv.h"
#include "cpu/reference/nn_window.h"
#include "cpu/thread_pool.h"

namespace edgeinfer::cpu::fast {
namespace {

using kernels::NchwcConvStrip;
using kernels::NchwcDepthwiseStrip;

enum class InputKind { kBlocked, kNchw, kNhwc };

class NchwcConvState final : public PreparedState {
 public:
  std::string algorithm() const override { return name; }

  std::string name;
  bool depthwise = false;
  int block = 0;
  InputKind input = InputKind::kBlocked;
  int64_t out_channels = 0, in_channels = 0, kernel_h = 0, kernel_w = 0;
  int64_t out_blocks = 0;
  int64_t in_blocks = 0;          // input channel blocks as packed (1 for an NCHW or NHWC input)
  int64_t lanes = 0;              // channels per packed input block (block, or C)
  const void* weights = nullptr;  // the data packed (a fed replacement runs the reference)
  PackedBytes packed;
  const kernels::KernelSet* ks = nullptr;
  NchwcStripKernels strips;
};

InputKind input_kind(const ir::Node& node) {
  if (input_block(node) != 0) return InputKind::kBlocked;
  return reads_channels_last(node) ? InputKind::kNhwc : InputKind::kNchw;
}

// Dense weights as [out block][in block][ky][kx][lane][b]: W[ob * b + o][ib * lanes + lane][ky][kx]
// where both channels exist, else 0.
void pack_dense(const float* w, const NchwcConvState& st, float* dst) {
  const int64_t b = st.block, kh = st.kernel_h, kw = st.kernel_w;
  const int64_t m = st.out_channels, c = st.in_channels;
  for (int64_t ob = 0; ob < st.out_blocks; ++ob)
    for (int64_t ib = 0; ib < st.in_blocks; ++ib)
      for (int64_t ky = 0; ky < kh; ++ky)
        for (int64_t kx = 0; kx < kw; ++kx)
          for (int64_t lane = 0; lane < st.lanes; ++lane)
            for (int64_t o = 0; o < b; ++o) {
              const int64_t oc = ob * b + o, ic = ib * st.lanes + lane;
              *dst++ = oc < m && ic < c ? w[((oc * c + ic) * kh + ky) * kw + kx] : 0.f;
            }
}

// Depthwise weights as [block][ky][kx][b].
void pack_depthwise(const float* w, const NchwcConvState& st, float* dst) {
  const int64_t b = st.block, taps = st.kernel_h * st.kernel_w;
  for (int64_t cb = 0; cb < st.out_blocks; ++cb)
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t o = 0; o < b; ++o) {
        const int64_t ch = cb * b + o;
        *dst++ = ch < st.out_channels ? w[ch * taps + t] : 0.f;
      }
}

// The strip activations (NchwcActivation) on one value.
inline float finish_value(int activation, float v, float lo, float hi, float slope) {
  switch (activation) {
    case kernels::kNchwcActRelu:
      return v > 0.f ? v : 0.f;
    case kernels::kNchwcActClip:
      return v < lo ? lo : (v > hi ? hi : v);
    case kernels::kNchwcActHardSwish:
      return v * std::max(0.f, std::min(1.f, v * (1.f / 6.f) + 0.5f));
    case kernels::kNchwcActSlope:
      return v >= 0.f ? v : slope * v;
    case kernels::kNchwcActHardSigmoid:
      return std::max(0.f, std::min(1.f, lo * v + hi));
    default:
      return v;
  }
}

// The row pass: the activation over `pixels` pixels of one block, padding lanes kept 0.
void activate_pixels(const kernels::KernelSet& ks, const kernels::RowActivation& row, float* y,
                     int pixels, int64_t b, uint64_t keep) {
  ks.activate_row(row, y, nullptr, pixels * b);
  if (b < 64 && keep == (uint64_t{1} << b) - 1) return;
  for (int p = 0; p < pixels; ++p)
    for (int64_t l = 0; l < b; ++l)
      if (!((keep >> l) & 1)) y[p * b + l] = 0.f;
}

// Blocks up to 64 lanes (block_of_layout's limit).
constexpr int kMaxBlock = 64;

// Padding lanes (not in `keep`) are stored as 0.
void finish_pixel(const float* acc, int64_t b, int activation, float lo, float hi,
                  const float* slope, const float* residual, uint64_t keep, float* y) {
  for (int64_t l = 0; l < b; ++l) {
    const float v = acc[l] + (residual ? residual[l] : 0.f);
    y[l] = (keep >> l) & 1 ? finish_value(activation, v, lo, hi, slope ? slope[l] : 0.f) : 0.f;
  }
}

// Bit l set for the lanes of block `blk` that are channels (< channels).
uint64_t lane_mask(int64_t blk, int64_t b, int64_t channels) {
  const int64_t lanes = std::min(b, channels - blk * b);
  return lanes >= 64 ? ~uint64_t{0} : (uint64_t{1} << lanes) - 1;
}

// The portable dense strip, any block.
void portable_conv_strip(const NchwcConvStrip& s, int out_blocks, int pixels) {
  const int64_t b = s.block;
  float acc[kMaxBlock];
  for (int o = 0; o < out_blocks; ++o) {
    for (int p = 0; p < pixels; ++p) {
      std::copy(s.bias[o], s.bias[o] + b, acc);
      const float* xp = s.x + p * s.x_pixel;
      for (int64_t ib = 0; ib < s.in_blocks; ++ib)
        for (int64_t ky = 0; ky < s.ky_count; ++ky)
          for (int64_t kx = 0; kx < s.kx_count; ++kx) {
            const float* xt = xp + ib * s.x_block + ky * s.x_ky + kx * s.x_kx;
            const float* wt = s.w[o] + ib * s.w_block + ky * s.w_ky + kx * s.w_kx;
            for (int64_t i = 0; i < (ib + 1 == s.in_blocks ? s.last_lanes : s.lanes); ++i) {
              const float xv = xt[i * s.x_lane];
              const float* wv = wt + i * b;
              for (int64_t l = 0; l < b; ++l)
                acc[l] += wv[l] * xv;
            }
          }
      finish_pixel(acc, b, s.activation, s.lo, s.hi, s.slope[o],
                   s.residual[o] ? s.residual[o] + p * b : nullptr, s.keep[o], s.y[o] + p * b);
    }
  }
}

// The portable depthwise strip, any block.
void portable_depthwise_strip(const NchwcDepthwiseStrip& s, int pixels) {
  const int64_t b = s.block;
  float acc[kMaxBlock];
  for (int p = 0; p < pixels; ++p) {
    std::copy(s.bias, s.bias + b, acc);
    const float* xp = s.x + p * s.x_pixel;
    for (int64_t ky = 0; ky < s.ky_count; ++ky)
      for (int64_t kx = 0; kx < s.kx_count; ++kx) {
        const float* xt = xp + ky * s.x_ky + kx * s.x_kx;
        const float* wt = s.w + ky * s.w_ky + kx * s.w_kx;
        for (int64_t l = 0; l < b; ++l)
          acc[l] += wt[l] * xt[l];
      }
    finish_pixel(acc, b, s.activation, s.lo, s.hi, s.slope,
                 s.residual ? s.residual + p * b : nullptr, s.keep, s.y + p * b);
  }
}

// What a run computes from the node and its input's shape, kept for the next run.
struct NchwcRunCache final : RunCache {
  bool ready = false;
  Shape x_shape;
  reference::Window win;
  Shape out_shape;
  Epilogue activation;
  std::vector<float> bias;   // out_blocks * b, padded with zeros
  std::vector<float> slope;  // out_blocks * b (kNchwcActSlope)
};

// The geometry of one run, flattened for the strip walk.
struct Walk {
  int64_t batch, in_h, in_w, out_h, out_w;
  int64_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
  int64_t x_item, x_block, x_lane, x_pixel, x_row;  // input strides
  int activation;                                   // NchwcActivation
  float lo, hi;
  bool row_pass;  // an activation the strips do not apply: activate_row after each strip
  kernels::RowActivation row;
};

// First and one-past-last kernel index k with 0 <= start + k * dilation < size.
inline void clip_window(int64_t start, int64_t size, int64_t kernel, int64_t dilation, int64_t& lo,
                        int64_t& hi) {
  lo = start >= 0 ? 0 : reference::ceil_div(-start, dilation);
  hi = std::min(kernel, reference::floor_div(size - 1 - start, dilation) + 1);
  lo = std::min(lo, kernel);
  hi = std::max(hi, lo);
}

// Output columns [first, last) whose whole window lies inside the input row.
inline void interior_columns(const Walk& g, int64_t kernel_w, int64_t& first, int64_t& last) {
  first = reference::ceil_div(g.pad_left, g.stride_w);
  last = reference::floor_div(g.in_w - 1 - (kernel_w - 1) * g.dil_w + g.pad_left, g.stride_w) + 1;
  first = std::clamp<int64_t>(first, 0, g.out_w);
  last = std::clamp<int64_t>(last, first, g.out_w);
}

// Calls strip(ox, pixels, kx_lo, kx_hi) over output columns [c0, c1): interior columns in strips
// of up to `max_strip`, edge columns one at a time with their own clipped window.
template <typename F>
void walk_columns(const Walk& g, int64_t kernel_w, int64_t c0, int64_t c1, int max_strip,
                  F&& strip) {
  int64_t first, last;
  interior_columns(g, kernel_w, first, last);
  auto edge = [&](int64_t ox) {
    int64_t lo, hi;
    clip_window(ox * g.stride_w - g.pad_left, g.in_w, kernel_w, g.dil_w, lo, hi);
    strip(ox, 1, lo, hi);
  };
  const int64_t a = std::clamp(first, c0, c1), z = std::clamp(last, c0, c1);
  for (int64_t ox = c0; ox < a; ++ox)
    edge(ox);
  for (int64_t ox = a; ox < z;) {
    const int pixels = static_cast<int>(std::min<int64_t>(max_strip, z - ox));
    strip(ox, pixels, int64_t{0}, kernel_w);
    ox += pixels;
  }
  for (int64_t ox = z; ox < c1; ++ox)
    edge(ox);
}

// Below this many multiply-adds a layer runs on the calling thread (as conv.cpp).
constexpr int64_t kMinMacsToSplit = 64 * 1024;

void run_dense(ThreadPool* pool, const NchwcConvState& st, const Walk& g, const float* x,
               const float* bias, const float* slope, const float* residual, float* y) {
  const int64_t b = st.block, kh = st.kernel_h, kw = st.kernel_w;
  const int64_t ocb = st.out_blocks, pairs = (ocb + 1) / 2;
  const int64_t w_kx = st.lanes * b, w_ky = kw * w_kx, w_block = kh * w_ky;
  const int64_t w_out = st.in_blocks * w_block;
  const float* packed = reinterpret_cast<const float*>(st.packed.data);
  const int64_t out_plane = g.out_h * g.out_w;
  // Work units: output rows, long rows (a flattened 1x1 layer) in chunks of strips.
  const int64_t chunk = g.out_w > 16 * st.strips.max_strip ? 16 * st.strips.max_strip : g.out_w;
  const int64_t chunks = (g.out_w + chunk - 1) / chunk;
  const int64_t units = g.out_h * chunks;
  const int threads = pool ? pool->threads() : 1;
  const int64_t macs = g.batch * ocb * b * out_plane * st.in_blocks * st.lanes * kh * kw;
  const bool split = threads > 1 && macs >= kMinMacsToSplit;
  // Too few units for the threads: split the output blocks as well.
  int64_t groups = 1;
  if (split && g.batch * units < 4 * threads) {
    groups = std::min(pairs, (4 * threads + g.batch * units - 1) / (g.batch * units));
  }
  const NchwcStripKernels& strips = st.strips;
  const bool merge_taps = st.input == InputKind::kNhwc && g.dil_w == 1;
  auto task_fn = [&](int64_t task, int) {
    const int64_t u = task % units;
    const int64_t grp = (task / units) % groups;
    const int64_t n = task / (units * groups);
    const int64_t oy = u / chunks;
    const int64_t c0 = (u % chunks) * chunk, c1 = std::min(g.out_w, c0 + chunk);
    const float* xn = x + n * g.x_item;
    int64_t ky_lo, ky_hi;
    const int64_t iy0 = oy * g.stride_h - g.pad_top;
    clip_window(iy0, g.in_h, kh, g.dil_h, ky_lo, ky_hi);
    for (int64_t p = pairs * grp / groups; p < pairs * (grp + 1) / groups; ++p) {
      const int64_t ob = 2 * p;
      const int out_blocks = ob + 1 < ocb ? 2 : 1;
      NchwcConvStrip s;
      s.block = b;
      s.x_block = g.x_block;
      s.x_lane = g.x_lane;
      s.x_pixel = g.x_pixel * g.stride_w;
      s.x_ky = g.x_row * g.dil_h;
      s.x_kx = g.x_pixel * g.dil_w;
      s.in_blocks = st.in_blocks;
      s.lanes = st.lanes;
      s.last_lanes = st.lanes - (st.in_blocks * st.lanes - st.in_channels);
      s.w_block = w_block;
      s.w_ky = w_ky;
      s.w_kx = w_kx;
      s.activation = g.activation;
      s.lo = g.lo;
      s.hi = g.hi;
      for (int o = 0; o < 2; ++o) {
        const int64_t blk = std::min(ob + o, ocb - 1);
        s.bias[o] = bias + blk * b;
        s.slope[o] = slope ? slope + blk * b : nullptr;
        s.keep[o] = lane_mask(blk, b, st.out_channels);
      }
      walk_columns(g, kw, c0, c1, strips.max_strip,
                   [&](int64_t ox, int pixels, int64_t kx_lo, int64_t kx_hi) {
                     const int64_t ix0 = ox * g.stride_w - g.pad_left;
                     const bool any = ky_hi > ky_lo && kx_hi > kx_lo;
                     s.ky_count = any ? ky_hi - ky_lo : 0;
                     s.kx_count = any ? kx_hi - kx_lo : 0;
                     if (merge_taps && any) {
                       // NHWC at dilation 1: the taps of a window row are one run of channels.
                       s.lanes = s.last_lanes = s.kx_count * st.in_channels;
                       s.kx_count = 1;
                     }
                     s.x = any ? xn + (iy0 + ky_lo * g.dil_h) * g.x_row +
                                     (ix0 + kx_lo * g.dil_w) * g.x_pixel
                               : xn;
                     const int64_t w_tap = ky_lo * w_ky + kx_lo * w_kx;
                     for (int o = 0; o < 2; ++o) {
                       const int64_t blk = std::min(ob + o, ocb - 1);
                       const int64_t y_off = ((n * ocb + blk) * out_plane + oy * g.out_w + ox) * b;
                       s.w[o] = packed + blk * w_out + (any ? w_tap : 0);
                       s.y[o] = y + y_off;
                       s.residual[o] = residual ? residual + y_off : nullptr;
                     }
                     strips.conv(s, out_blocks, pixels);
                     if (g.row_pass) {
                       for (int o = 0; o < out_blocks; ++o)
                         activate_pixels(*st.ks, g.row, s.y[o], pixels, b, s.keep[o]);
                     }
                   });
    }
  };
  const int64_t tasks = g.batch * groups * units;
  parallel_for(split ? pool : nullptr, tasks, task_fn);
}

void run_depthwise(ThreadPool* pool, const NchwcConvState& st, const Walk& g, const float* x,
                   const float* bias, const float* slope, const float* residual, float* y) {
  const int64_t b = st.block, kh = st.kernel_h, kw = st.kernel_w;
  const int64_t blocks = st.out_blocks;
  const float* packed = reinterpret_cast<const float*>(st.packed.data);
  const int64_t out_plane = g.out_h * g.out_w;
  const int threads = pool ? pool->threads() : 1;
  const int64_t macs = g.batch * blocks * b * out_plane * kh * kw;
  const bool split = threads > 1 && macs >= kMinMacsToSplit / 4;
  const NchwcStripKernels& strips = st.strips;
  // Whole-row strips where the kernels take them (NchwcDepthwiseStrip::col_lo).
  const bool rows = strips.depthwise_clips_columns && g.dil_w == 1 && (kw == 3 || kw == 5) &&
                    (g.stride_w == 1 || g.stride_w == 2);
  auto task_fn = [&](int64_t task, int) {
    const int64_t oy = task % g.out_h;
    const int64_t cb = (task / g.out_h) % blocks;
    const int64_t n = task / (g.out_h * blocks);
    const float* xc = x + n * g.x_item + cb * g.x_block;
    int64_t ky_lo, ky_hi;
    const int64_t iy0 = oy * g.stride_h - g.pad_top;
    clip_window(iy0, g.in_h, kh, g.dil_h, ky_lo, ky_hi);
    NchwcDepthwiseStrip s;
    s.block = b;
    s.x_pixel = g.x_pixel * g.stride_w;
    s.x_ky = g.x_row * g.dil_h;
    s.x_kx = g.x_pixel * g.dil_w;
    s.w_ky = kw * b;
    s.w_kx = b;
    s.bias = bias + cb * b;
    s.slope = slope ? slope + cb * b : nullptr;
    s.keep = lane_mask(cb, b, st.out_channels);
    s.activation = g.activation;
    s.lo = g.lo;
    s.hi = g.hi;
    s.col_lo = 0;
    s.col_hi = std::numeric_limits<int64_t>::max();
    const float* wc = packed + cb * kh * kw * b;
    auto strip = [&](int64_t ox, int pixels, int64_t kx_lo, int64_t kx_hi) {
      const int64_t ix0 = ox * g.stride_w - g.pad_left;
      const bool any = ky_hi > ky_lo && kx_hi > kx_lo;
      s.ky_count = any ? ky_hi - ky_lo : 0;
      s.kx_count = any ? kx_hi - kx_lo : 0;
      s.x = any ? xc + (iy0 + ky_lo * g.dil_h) * g.x_row + (ix0 + kx_lo * g.dil_w) * g.x_pixel : xc;
      s.w = wc + (any ? ky_lo * s.w_ky + kx_lo * s.w_kx : 0);
      const int64_t y_off = ((n * blocks + cb) * out_plane + oy * g.out_w + ox) * b;
      s.y = y + y_off;
      s.residual = residual ? residual + y_off : nullptr;
      strips.depthwise(s, pixels);
      if (g.row_pass) activate_pixels(*st.ks, g.row, s.y, pixels, b, s.keep);
    };
    if (!rows || ky_hi == ky_lo) {
      walk_columns(g, kw, 0, g.out_w, strips.max_depthwise_strip, strip);
      return;
    }
    // Whole-row strips: the kernel skips the window columns in the padding, so the edge pixels
    // join the strips. Pixels whose window lies wholly in the padding go one at a time.
    const int64_t first =
        std::clamp<int64_t>(reference::ceil_div(g.pad_left - kw + 1, g.stride_w), 0, g.out_w);
    const int64_t last = std::clamp<int64_t>(
        reference::floor_div(g.in_w - 1 + g.pad_left, g.stride_w) + 1, first, g.out_w);
    for (int64_t ox = 0; ox < first; ++ox)
      strip(ox, 1, 0, 0);
    for (int64_t ox = first; ox < last;) {
      const int pixels = static_cast<int>(std::min<int64_t>(strips.max_depthwise_strip, last - ox));
      const int64_t ix0 = ox * g.stride_w - g.pad_left;
      const int64_t columns = (pixels - 1) * g.stride_w + kw;
      s.col_lo = std::max<int64_t>(0, -ix0);
      s.col_hi = std::min<int64_t>(columns, g.in_w - ix0);
      s.ky_count = ky_hi - ky_lo;
      s.kx_count = kw;
      s.x = xc + (iy0 + ky_lo * g.dil_h) * g.x_row + (ix0 + s.col_lo) * g.x_pixel;
      s.w = wc + ky_lo * s.w_ky;
      const int64_t y_off = ((n * blocks + cb) * out_plane + oy * g.out_w + ox) * b;
      s.y = y + y_off;
      s.residual = residual ? residual + y_off : nullptr;
      strips.depthwise(s, pixels);
      if (g.row_pass) activate_pixels(*st.ks, g.row, s.y, pixels, b, s.keep);
      ox += pixels;
    }
    s.col_lo = 0;
    s.col_hi = std::numeric_limits<int64_t>::max();
    for (int64_t ox = last; ox < g.out_w; ++ox)
      strip(ox, 1, 0, 0);
  };
  parallel_for(split ? pool : nullptr, g.batch * blocks * g.out_h, task_fn);
}

}  // namespace

NchwcStripKernels nchwc_portable_strip_kernels() {
  return {"portable", portable_conv_strip, portable_depthwise_strip, 8, 8, false};
}

NchwcStripKernels nchwc_strip_kernels(int block) {
  const std::string_view isa = kernels::best_kernel_set().isa;
  if (block == 16 && isa == "avx512") {
    return {"avx512",
            kernels::avx512_nchwc_conv_strip,
            kernels::avx512_nchwc_depthwise_strip,
            kernels::kNchwcAvx512MaxStrip,
            kernels::kNchwcAvx512MaxDepthwiseStrip,
            true};
  }
  // The AVX-512 set implies AVX2 and FMA (kernels/select.cpp).
  if (block == 8 && (isa == "avx512" || isa == "avx2")) {
    return {"avx2",
            kernels::avx2_nchwc_conv_strip,
            kernels::avx2_nchwc_depthwise_strip,
            kernels::kNchwcAvx2MaxStrip,
            kernels::kNchwcAvx2MaxDepthwiseStrip,
            true};
  }
  return nchwc_portable_strip_kernels();
}

std::string nchwc_conv_algorithm(const PrepareContext& ctx) {
  const ir::Node& node = ctx.node;
  const int block = output_block(node);
  if (block == 0 || block > kMaxBlock || node.inputs.empty() || node.inputs[0] == ir::kNoValue ||
      ctx.graph.values[node.inputs[0]].dtype != DType::kFloat32) {
    return "";
  }
  const int in_block = input_block(node);
  if (in_block != 0 && in_block != block) return "";
  if (in_block == 0 && !known_input_layout(node)) return "";
  const TensorView* w = ctx.constant_input(1);
  if (!w || w->dtype != DType::kFloat32 || w->shape.size() != 4 || w->shape[0] <= 0 ||
      w->shape[1] <= 0 || w->shape[2] <= 0 || w->shape[3] <= 0) {
    return "";
  }
  const int64_t group = node.attr_int("group", 1);
  if (group == 1) return kNchwcConv;
  if (in_block != 0 && w->shape[1] == 1 && w->shape[0] == group) return kNchwcDepthwise;
  return "";
}

std::unique_ptr<PreparedState> prepare_nchwc_conv(const PrepareContext& ctx,
                                                  const std::string& algorithm) {
  const ir::Node& node = ctx.node;
  const TensorView* w = ctx.constant_input(1);
  auto st = std::make_unique<NchwcConvState>();
  st->name = algorithm;
  st->depthwise = algorithm == kNchwcDepthwise;
  st->block = output_block(node);
  st->input = input_kind(node);
  st->out_channels = w->shape[0];
  st->in_channels = st->depthwise ? w->shape[0] : w->shape[1];
  st->kernel_h = w->shape[2];
  st->kernel_w = w->shape[3];
  st->out_blocks = channel_blocks(st->out_channels, st->block);
  const bool blocked = st->input == InputKind::kBlocked;
  st->in_blocks = blocked ? channel_blocks(st->in_channels, st->block) : 1;
  st->lanes = blocked ? st->block : st->in_channels;
  st->weights = w->data;
  st->ks = &kernels::best_kernel_set();
  st->strips = nchwc_strip_kernels(st->block);
  const int64_t taps = st->kernel_h * st->kernel_w;
  const int64_t floats = st->depthwise
                             ? st->out_blocks * taps * st->block
                             : st->out_blocks * st->in_blocks * taps * st->lanes * st->block;
  const std::string recipe = "Conv " + algorithm + " b=" + std::to_string(st->block) +
                             " lanes=" + std::to_string(st->lanes);
  const NchwcConvState& shape = *st;
  st->packed = ctx.packed_weights(recipe, {w}, static_cast<size_t>(floats) * sizeof(float),
                                  [&](unsigned char* dst) {
                                    float* out = reinterpret_cast<float*>(dst);
                                    if (shape.depthwise) {
                                      pack_depthwise(w->as<float>(), shape, out);
                                    } else {
                                      pack_dense(w->as<float>(), shape, out);
                                    }
                                  });
  return st;
}

bool is_nchwc_state(const PreparedState* state) {
  return dynamic_cast<const NchwcConvState*>(state) != nullptr;
}

Status run_nchwc_conv(KernelContext& ctx, const PreparedState& state) {
  const auto& st = static_cast<const NchwcConvState&>(state);
  if (!ctx.has_input(0) || !ctx.has_input(1)) return run_reference(ctx);
  const TensorView& x = ctx.input(0);
  const TensorView& w = ctx.input(1);
  const bool bias_ok = !ctx.has_input(2) || (ctx.input(2).dtype == DType::kFloat32 &&
                                             ctx.input(2).elements() == st.out_channels);
  if (x.dtype != DType::kFloat32 || w.data != st.weights || !bias_ok) return run_reference(ctx);
  const int64_t b = st.block;
  int64_t batch = 0, height = 0, width = 0;
  if (st.input == InputKind::kBlocked) {
    if (x.shape.size() != 5 || x.shape[4] != b ||
        x.shape[1] != channel_blocks(st.in_channels, st.block)) {
      return run_reference(ctx);
    }
    batch = x.shape[0], height = x.shape[2], width = x.shape[3];
  } else {
    const bool last = st.input == InputKind::kNhwc;
    if (x.shape.size() != 4 || x.shape[last ? 3 : 1] != st.in_channels) return run_reference(ctx);
    batch = x.shape[0], height = x.shape[last ? 1 : 2], width = x.shape[last ? 2 : 3];
  }
  NchwcRunCache& rc = run_cache_of<NchwcRunCache>(ctx);
  if (!rc.ready || rc.x_shape != x.shape) {
    rc.ready = false;
    if (ctx.node().has_attr("kernel_shape") &&
        ctx.node().attr_ints("kernel_shape") != std::vector<int64_t>{st.kernel_h, st.kernel_w}) {
      return run_reference(ctx);
    }
    EI_ASSIGN_OR_RETURN(rc.win, reference::forward_window(ctx, {height, width},
                                                          {st.kernel_h, st.kernel_w}, true, false));
    rc.out_shape = {batch, st.out_blocks, rc.win.output[0], rc.win.output[1], b};
    EI_ASSIGN_OR_RETURN(rc.activation, node_activation(ctx));
    rc.bias.assign(static_cast<size_t>(st.out_blocks * b), 0.f);
    rc.slope.assign(static_cast<size_t>(st.out_blocks * b), 0.f);
    rc.x_shape = x.shape;
    rc.ready = true;
  }
  const reference::Window& win = rc.win;
  EI_ASSIGN_OR_RETURN(Epilogue e, bind_epilogue(ctx, rc.activation, rc.out_shape, st.out_channels));
  EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                      ctx.allocate_output_view(0, DType::kFloat32, rc.out_shape));
  if (y_view->elements() == 0) return Status::ok();
  // Bias and slopes padded to whole blocks (inputs: read on every run).
  if (ctx.has_input(2)) {
    const float* bias = ctx.input(2).as<float>();
    std::copy(bias, bias + st.out_channels, rc.bias.begin());
  }
  Walk g{};
  g.batch = batch;
  g.in_h = height;
  g.in_w = width;
  g.out_h = win.output[0];
  g.out_w = win.output[1];
  g.stride_h = win.strides[0];
  g.stride_w = win.strides[1];
  g.dil_h = win.dilations[0];
  g.dil_w = win.dilations[1];
  g.pad_top = win.pads_begin[0];
  g.pad_left = win.pads_begin[1];
  const float* slope = nullptr;
  g.activation = kernels::kNchwcActNone;
  switch (e.activation) {
    case Activation::kNone:
      break;
    case Activation::kRelu:
      g.activation = kernels::kNchwcActRelu;
      break;
    case Activation::kClip:
      g.activation = kernels::kNchwcActClip;
      g.lo = e.alpha;
      g.hi = e.beta;
      break;
    case Activation::kHardSwish:
      g.activation = kernels::kNchwcActHardSwish;
      break;
    case Activation::kHardSigmoid:
      g.activation = kernels::kNchwcActHardSigmoid;
      g.lo = e.alpha;
      g.hi = e.beta;
      break;
    case Activation::kLeakyRelu:
    case Activation::kPRelu: {
      g.activation = kernels::kNchwcActSlope;
      if (e.activation == Activation::kLeakyRelu) {
        std::fill(rc.slope.begin(), rc.slope.end(), e.alpha);
      } else if (e.slope_count == 1) {
        std::fill(rc.slope.begin(), rc.slope.end(), e.slope[0]);
      } else {
        std::copy(e.slope, e.slope + st.out_channels, rc.slope.begin());
      }
      slope = rc.slope.data();
      break;
    }
    default:
      g.row_pass = true;
      g.row = kernels::RowActivation{static_cast<int>(e.activation), e.alpha, e.beta, 0.f};
      break;
  }
  if (st.input == InputKind::kBlocked) {
    g.x_pixel = b;
    g.x_row = width * b;
    g.x_block = height * width * b;
    g.x_lane = 1;
    g.x_item = st.in_blocks * g.x_block;
  } else if (st.input == InputKind::kNchw) {
    g.x_pixel = 1;
    g.x_row = width;
    g.x_block = 0;
    g.x_lane = height * width;
    g.x_item = st.in_channels * height * width;
  } else {
    g.x_pixel = st.in_channels;
    g.x_row = width * st.in_channels;
    g.x_block = 0;
    g.x_lane = 1;
    g.x_item = st.in_channels * height * width;
  }
  // A 1x1 window at stride 1 without padding reads pixel p for output p: one long row.
  if (st.kernel_h == 1 && st.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 &&
      g.pad_top == 0 && g.pad_left == 0 && g.out_h == height && g.out_w == width) {
    g.in_w = g.out_w = height * width;
    g.in_h = g.out_h = 1;
    g.x_row = g.in_w * g.x_pixel;
  }
  float* y = y_view->as<float>();
  if (st.depthwise) {
    run_depthwise(ctx.thread_pool(), st, g, x.as<float>(), rc.bias.data(), slope, e.residual, y);
  } else {
    run_dense(ctx.thread_pool(), st, g, x.as<float>(), rc.bias.data(), slope, e.residual, y);
  }
  return Status::ok();
}

}  // namespace edgeinfer::cpu::fast
