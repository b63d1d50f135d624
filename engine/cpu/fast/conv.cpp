// Fast 2-D float32 Conv: depthwise (any kernel, stride, dilation), 1x1 as a GEMM over the
// input planes, direct for short reductions (conv_direct.h), and im2col GEMM (packed per column
// chunk, so the workspace stays small) for the rest. Weights are packed once per node at prepare
// time; the fused epilogue is applied as each tile is stored. Anything else runs the reference
// kernel. A channels-last input (cpu/input_layout.h) is read in place by `direct` and by the
// im2col packing; 1x1-gemm, depthwise and Winograd read an NCHW copy of it kept in the node's
// run cache. A node with blocked layouts (cpu/blocked_layout.h) runs conv_nchwc.h or the
// reference kernel, never the planar algorithms.
#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>

#include "cpu/blocked_layout.h"
#include "cpu/fast/algorithm_choice.h"
#include "cpu/fast/channel_layout.h"
#include "cpu/fast/conv_direct.h"
#include "cpu/fast/conv_nchwc.h"
#include "cpu/fast/families.h"
#include "cpu/fast/gemm_driver.h"
#include "cpu/fast/kernel_timer.h"
#include "cpu/fast/winograd.h"
#include "cpu/input_layout.h"
#include "cpu/kernels/depthwise_direct.h"
#include "cpu/kernels/gemm_avx512_registers.h"
#include "cpu/reference/nn_window.h"
#include "cpu/thread_pool.h"

namespace edgeinfer::cpu::fast {
namespace {

const char* const kReference = "reference";
const char* const kIm2col = "im2col-gemm";
const char* const kPointwise = "1x1-gemm";
const char* const kDepthwise = "depthwise";
const char* const kDirect = "direct";
const char* const kWinograd4 = "winograd4";  // F(4x4, 3x3), winograd.h
const char* const kWinograd6 = "winograd6";  // F(6x6, 3x3)

// Packed B chunks stay around this size (floats), so they live in L2 while every row panel of
// the weights passes over them.
constexpr int64_t kChunkFloats = 64 * 1024;

class ConvState final : public PreparedState {
 public:
  std::string algorithm() const override { return name; }

  std::string name;
  const void* weights = nullptr;  // the data packed (a fed replacement runs the reference)
  int64_t group = 1, out_channels = 0, in_channels = 0, kernel_h = 0, kernel_w = 0;
  bool channels_last = false;      // input 0 is N x H x W x C
  std::vector<PackedRows> packed;  // GEMM algorithms: one per group, mg x (cg*kh*kw)
  WinogradWeights winograd;        // winograd4 / winograd6: the transformed weights
  PackedBytes direct;              // direct: the vector kernel's tap-major weights (or none)
  const kernels::KernelSet* ks = nullptr;
};

Status run_reference(KernelContext& ctx) {
  return reference_kernels().find(ctx.node().op_type)(ctx);
}

bool attr_all(const ir::Node& node, const char* name, int64_t value) {
  for (int64_t v : node.attr_ints(name))
    if (v != value) return false;
  return true;
}

// Packs the weights for `name` into a fresh state (nothing to pack for depthwise or reference),
// through the weight cache of `cache` (null: in private memory, for throw-away candidates).
std::unique_ptr<ConvState> make_state(const ConvState& shape, const std::string& name,
                                      const TensorView* w, const PrepareContext* cache) {
  auto state = std::make_unique<ConvState>(shape);
  state->name = name;
  if (name == kReference) return state;
  state->weights = w->data;
  state->ks = &kernels::best_kernel_set();
  // Every layout below goes through the weight cache the same way.
  auto pack_weights = [&](const std::string& recipe, size_t bytes, const PackFn& pack) {
    return cache ? cache->packed_weights(recipe, {w}, bytes, pack) : pack_privately(bytes, pack);
  };
  if (name == kWinograd4 || name == kWinograd6) {
    const int m = name == kWinograd4 ? 4 : 6;
    const int mr = state->ks->mr;
    const int64_t out = state->out_channels, in = state->in_channels;
    const size_t bytes = winograd_weight_floats(m, out, in, mr) * sizeof(float);
    auto pack = [&](unsigned char* dst) {
      transform_winograd_weights(w->as<float>(), out, in, m, mr, reinterpret_cast<float*>(dst));
    };
    const PackedBytes all = pack_weights("Conv " + name + " mr=" + std::to_string(mr), bytes, pack);
    state->winograd =
        winograd_weights_at(reinterpret_cast<const float*>(all.data), all.owner, m, out, in, mr);
  } else if (name == kDirect) {
    const int64_t out = state->out_channels;
    const int64_t taps = state->in_channels * state->kernel_h * state->kernel_w;
    const size_t bytes = direct_conv_weight_floats(out, taps) * sizeof(float);
    if (bytes > 0) {
      state->direct = pack_weights("Conv " + name, bytes, [&](unsigned char* dst) {
        pack_direct_conv_weights(w->as<float>(), out, taps, reinterpret_cast<float*>(dst));
      });
    }
  } else if (name != kDepthwise) {
    const int64_t mg = state->out_channels / state->group;
    const int64_t k = w->shape[1] * state->kernel_h * state->kernel_w;
    const int mr = state->ks->mr;
    const size_t group_floats = PackedRows::floats_for(mg, k, mr);
    const size_t bytes = group_floats * state->group * sizeof(float);
    auto pack = [&](unsigned char* out) {
      for (int64_t g = 0; g < state->group; ++g) {
        pack_rows_into(w->as<float>() + g * mg * k, mg, k, k, 1, mr,
                       reinterpret_cast<float*>(out) + g * group_floats);
      }
    };
    const PackedBytes all = pack_weights(
        "Conv " + name + " mr=" + std::to_string(mr) + " group=" + std::to_string(state->group),
        bytes, pack);
    for (int64_t g = 0; g < state->group; ++g) {
      state->packed.push_back(packed_rows_at(
          reinterpret_cast<const float*>(all.data) + g * group_floats, all.owner, mg, k, mr));
    }
  }
  return state;
}

Status conv(KernelContext& ctx);

// Winograd F(4,3) where it beats im2col: enough channels that its GEMMs dominate its
// transforms. And only where its transformed weights (36 points per 3x3 kernel: 4x the
// layer's weights) are no larger than the layer's output (`output_pixels` per channel; -1 when
// unknown): deep layers on small images would otherwise hold most of a model's weight memory
// in transformed copies (the U-Net test model: 120 MB instead of 30). F(6,3) is left to
// overrides and autotuning (larger rounding error, 7x weights).
std::string winograd_rule(const ConvState& shape, const std::vector<std::string>& candidates,
                          int64_t output_pixels, const std::string& rule) {
  const bool available =
      std::find(candidates.begin(), candidates.end(), kWinograd4) != candidates.end();
  const bool weights_fit = output_pixels < 0 || shape.in_channels * 36 <= output_pixels;
  return available && weights_fit && shape.in_channels >= 16 && shape.out_channels >= 16
             ? kWinograd4
             : rule;
}

// True for a Conv the Winograd F(4,3) kernels take: one group, 3x3, stride and dilation 1.
bool winograd_shape(const ir::Node& node, int64_t group, int64_t kernel_h, int64_t kernel_w) {
  return group == 1 && kernel_h == 3 && kernel_w == 3 && attr_all(node, "strides", 1) &&
         attr_all(node, "dilations", 1);
}

// Output pixels of the node's output 0 when the graph fixes its shape, else -1.
int64_t static_output_pixels(const ir::Graph& graph, const ir::Node& node) {
  const ir::Value& y = graph.values[node.outputs[0]];
  const Shape y_shape = y.is_fully_static() ? y.static_shape() : Shape{};
  return y_shape.size() == 4 ? y_shape[2] * y_shape[3] : -1;
}

// What an autotune result depends on in the layer: its attributes, input and weight shapes.
std::string autotune_layer(const PrepareContext& ctx, const TensorView& w) {
  const ir::Node& node = ctx.node;
  return "Conv x=" + autotune_list(ctx.graph.values[node.inputs[0]].static_shape()) +
         " w=" + autotune_list(w.shape) + " g=" + std::to_string(node.attr_int("group", 1)) +
         " s=" + autotune_list(node.attr_ints("strides")) +
         " d=" + autotune_list(node.attr_ints("dilations")) +
         " p=" + autotune_list(node.attr_ints("pads")) +
         " auto=" + node.attr_string("auto_pad", "NOTSET") +
         " layout=" + node.attr_string(kInputLayoutAttr, "NCHW");
}

Result<std::unique_ptr<PreparedState>> prepare_conv(const PrepareContext& ctx) {
  const ir::Node& node = ctx.node;
  const std::vector<std::string> known = {kReference, kIm2col,    kPointwise,
                                          kDepthwise, kDirect,    kWinograd4,
                                          kWinograd6, kNchwcConv, kNchwcDepthwise};
  if (uses_blocked_layout(node)) {
    // Blocked tensors: the NCHWc kernels where one applies, else the reference.
    const std::string nchwc = nchwc_conv_algorithm(ctx);
    std::vector<std::string> blocked_candidates = {kReference};
    if (!nchwc.empty()) blocked_candidates.push_back(nchwc);
    EI_ASSIGN_OR_RETURN(std::string name, choose_algorithm(ctx, known, blocked_candidates,
                                                           nchwc.empty() ? kReference : nchwc));
    if (name != kReference) return prepare_nchwc_conv(ctx, name);
    return std::unique_ptr<PreparedState>(make_state(ConvState{}, kReference, nullptr, nullptr));
  }
  std::vector<std::string> candidates = {kReference};
  std::string rule = kReference;
  const TensorView* w = ctx.constant_input(1);
  const bool x_float = !node.inputs.empty() && node.inputs[0] != ir::kNoValue &&
                       ctx.graph.values[node.inputs[0]].dtype == DType::kFloat32;
  const int64_t group = node.attr_int("group", 1);
  const bool usable = x_float && w && w->dtype == DType::kFloat32 && w->shape.size() == 4 &&
                      group >= 1 && w->shape[0] % group == 0 && w->shape[0] > 0 &&
                      known_input_layout(node) && !uses_blocked_layout(node);
  ConvState shape;
  if (usable) {
    shape.channels_last = reads_channels_last(node);
    shape.group = group;
    shape.out_channels = w->shape[0];
    shape.in_channels = w->shape[1] * group;
    shape.kernel_h = w->shape[2];
    shape.kernel_w = w->shape[3];
    const bool depthwise = w->shape[1] == 1 && w->shape[0] == group;
    const bool pointwise =
        shape.kernel_h == 1 && shape.kernel_w == 1 && attr_all(node, "strides", 1);
    candidates.push_back(kIm2col);
    if (pointwise) candidates.push_back(kPointwise);
    if (depthwise) candidates.push_back(kDepthwise);
    // 1x1 layers have their own packing-free GEMM: direct is for spatial kernels.
    const bool direct =
        !pointwise && direct_conv_applies(group, shape.in_channels, shape.kernel_h, shape.kernel_w);
    if (direct) candidates.push_back(kDirect);
    rule = depthwise ? kDepthwise : pointwise ? kPointwise : kIm2col;
    if (direct && direct_conv_preferred(group, shape.in_channels, shape.out_channels,
                                        shape.kernel_h, shape.kernel_w)) {
      rule = kDirect;
    }
    if (winograd_shape(node, group, shape.kernel_h, shape.kernel_w)) {
      for (int m : {4, 6})
        if (winograd_supported(m, kernels::best_kernel_set()))
          candidates.push_back(m == 4 ? kWinograd4 : kWinograd6);
      rule = winograd_rule(shape, candidates, static_output_pixels(ctx.graph, node), rule);
    }
    // Autotune where there is a choice to make (besides the reference) and none was asked for.
    if (ctx.autotune && ctx.algorithm.empty() && candidates.size() > 2) {
      EI_ASSIGN_OR_RETURN(rule, autotuned_algorithm(ctx, autotune_layer(ctx, *w), conv, candidates,
                                                    rule, [&](const std::string& name) {
                                                      return std::unique_ptr<PreparedState>(
                                                          make_state(shape, name, w, nullptr));
                                                    }));
    }
  }
  EI_ASSIGN_OR_RETURN(std::string name, choose_algorithm(ctx, known, candidates, rule));
  return std::unique_ptr<PreparedState>(make_state(shape, name, w, &ctx));
}

struct Geometry {
  int64_t batch, in_h, in_w, out_h, out_w;
  int64_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  // Where input element (c, iy, ix) of a batch item is: c * channel_stride + (iy * in_w + ix) *
  // pixel_step. NCHW: in_h * in_w and 1; NHWC (read in place by im2col): 1 and C.
  int64_t channel_stride, pixel_step;
};

// One im2col row segment for a panel inside a single output row: dst[j] for j < nr is
// row[(ix0 + j * stride) * step] where ix0 + j * stride is inside [0, in_w), else 0.
void im2col_segment(const float* row, int64_t in_w, int64_t ix0, int64_t stride, int64_t step,
                    int64_t w, int nr, float* dst) {
  int64_t lo = ix0 >= 0 ? 0 : (-ix0 + stride - 1) / stride;
  int64_t hi = in_w - 1 - ix0 < 0 ? 0 : std::min(w, (in_w - 1 - ix0) / stride + 1);
  lo = std::min(lo, w);
  hi = std::max(hi, lo);
  for (int64_t j = 0; j < lo; ++j)
    dst[j] = 0.f;
  // ix0 may be negative (left padding): index from the row start, never form row + ix0.
  if (step != 1) {
    for (int64_t j = lo; j < hi; ++j)
      dst[j] = row[(ix0 + j * stride) * step];
  } else if (stride == 1) {
    const float* src = row + (ix0 + lo);
    for (int64_t j = 0; j < hi - lo; ++j)
      dst[lo + j] = src[j];
  } else if (stride == 2) {
    // A constant stride lets the compiler vectorise the gather as loads and permutes.
    const float* src = row + (ix0 + 2 * lo);
    for (int64_t j = 0; j < hi - lo; ++j)
      dst[lo + j] = src[2 * j];
  } else {
    for (int64_t j = lo; j < hi; ++j)
      dst[j] = row[ix0 + j * stride];
  }
  for (int64_t j = hi; j < nr; ++j)
    dst[j] = 0.f;
}

// im2col of columns [n0, n0 + nc) (output positions) of one group into packed panels of nr:
// row (c, ky, kx) of column (oy, ox) is x[c][oy*sh + ky*dh - pt][ox*sw + kx*dw - pl] or 0 (x
// laid out as g's strides say).
void pack_im2col(const Geometry& g, const float* x, int64_t channels, int64_t kh, int64_t kw,
                 int64_t n0, int64_t nc, int nr, float* dst) {
  int64_t iy0[64], ix0[64];  // nr <= 64
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    const int64_t w = std::min<int64_t>(nr, nc - j0);
    const int64_t oy = (n0 + j0) / g.out_w, ox = (n0 + j0) % g.out_w;
    if (ox + w <= g.out_w) {
      // The panel lies in one output row: each (c, ky, kx) reads one strided input segment.
      for (int64_t c = 0; c < channels; ++c) {
        const float* plane = x + c * g.channel_stride;
        for (int64_t ky = 0; ky < kh; ++ky) {
          const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
          const bool inside = iy >= 0 && iy < g.in_h;
          for (int64_t kx = 0; kx < kw; ++kx) {
            if (inside) {
              im2col_segment(plane + iy * g.in_w * g.pixel_step, g.in_w,
                             ox * g.stride_w - g.pad_left + kx * g.dilation_w, g.stride_w,
                             g.pixel_step, w, nr, dst);
            } else {
              std::fill(dst, dst + nr, 0.f);
            }
            dst += nr;
          }
        }
      }
      continue;
    }
    for (int64_t j = 0; j < w; ++j) {
      const int64_t pos = n0 + j0 + j;
      iy0[j] = (pos / g.out_w) * g.stride_h - g.pad_top;
      ix0[j] = (pos % g.out_w) * g.stride_w - g.pad_left;
    }
    for (int64_t c = 0; c < channels; ++c) {
      const float* plane = x + c * g.channel_stride;
      for (int64_t ky = 0; ky < kh; ++ky) {
        for (int64_t kx = 0; kx < kw; ++kx) {
          const int64_t dy = ky * g.dilation_h, dx = kx * g.dilation_w;
          for (int64_t j = 0; j < w; ++j) {
            const int64_t iy = iy0[j] + dy, ix = ix0[j] + dx;
            const bool inside = static_cast<uint64_t>(iy) < static_cast<uint64_t>(g.in_h) &&
                                static_cast<uint64_t>(ix) < static_cast<uint64_t>(g.in_w);
            dst[j] = inside ? plane[(iy * g.in_w + ix) * g.pixel_step] : 0.f;
          }
          for (int64_t j = w; j < nr; ++j)
            dst[j] = 0.f;
          dst += nr;
        }
      }
    }
  }
}

// C rows [row_begin, row_end) x columns [0, nc) = A * B (+ bias, + residual, the clamp and
// HardSwish of `ep`), with B read in place: row p of B starts at b + p * ldb (AVX-512 only).
// Column panels outside, row panels inside, so each B panel is read from memory once and
// reused from cache by every row panel.
void gemm_unpacked_b(const PackedRows& a, int64_t row_begin, int64_t row_end, const float* b,
                     int64_t ldb, int64_t nc, float* c, int64_t ldc, const float* bias,
                     const float* residual, const GemmEpilogue& ep) {
  constexpr int kNR = 32;  // the AVX-512 tile's columns (its rows are a.mr = 8)
  row_end = std::min(row_end, a.rows);
  for (int64_t j0 = 0; j0 < nc; j0 += kNR) {
    const int nr = static_cast<int>(std::min<int64_t>(kNR, nc - j0));
    for (int64_t r0 = row_begin; r0 < row_end; r0 += a.mr) {
      const int mr = static_cast<int>(std::min<int64_t>(a.mr, row_end - r0));
      const kernels::GemmOutput out{c + r0 * ldc + j0,
                                    ldc,
                                    bias ? bias + r0 : nullptr,
                                    residual ? residual + r0 * ldc + j0 : nullptr,
                                    ldc,
                                    ep.lo,
                                    ep.hi,
                                    ep.hardswish ? 1 : 0};
      kernels::avx512_gemm_8x32_unpacked_b(a.k, a.panel(r0 / a.mr), b + j0, ldb, mr, nr, out);
    }
  }
}

Status run_gemm_conv(KernelContext& ctx, const ConvState& st, const Geometry& g, const float* x,
                     const float* bias, float* y, const GemmEpilogue& ep, bool pointwise) {
  const kernels::KernelSet& ks = *st.ks;
  const int64_t cg = st.in_channels / st.group;
  const int64_t mg = st.out_channels / st.group;
  const int64_t k = cg * st.kernel_h * st.kernel_w;
  const int64_t spatial = g.out_h * g.out_w;
  const int64_t in_spatial = g.in_h * g.in_w;
  const int64_t nc_max =
      std::max<int64_t>(ks.nr, kChunkFloats / std::max<int64_t>(k, 1) / ks.nr * ks.nr);
  const int64_t chunk = std::min(nc_max, round_up(spatial, ks.nr));
  const int64_t chunks = (spatial + chunk - 1) / chunk;
  ThreadPool* pool = ctx.thread_pool();
  const int threads = pool ? pool->threads() : 1;
  // A layer of a few thousand multiply-adds (the squeeze-and-excitation convolutions on a 1x1
  // input) takes less time than waking a worker: it runs on the calling thread.
  constexpr int64_t kMinMacsToSplit = 64 * 1024;
  const bool split = threads > 1 && g.batch * st.out_channels * k * spatial >= kMinMacsToSplit;
  // Too few column chunks to keep every thread busy: split the rows as well.
  int64_t row_blocks = 1;
  const int64_t panels = (mg + ks.mr - 1) / ks.mr;
  while (split && g.batch * st.group * chunks * row_blocks < 2 * threads &&
         row_blocks * 2 <= panels)
    row_blocks *= 2;
  const int64_t rows_per_block = (panels + row_blocks - 1) / row_blocks * ks.mr;
  const float* residual = ep.epilogue.residual;
  const int64_t tasks = g.batch * st.group * chunks * row_blocks;
  // A 1x1 convolution on AVX-512 with few output channels reads its input in place: no packed
  // copy. With many, each B panel feeds many row panels, and a packed one stays in L1 better
  // than the same columns spread over k input planes (measured: 8% faster at 96 or 128).
  const bool unpacked = pointwise && std::string_view(ks.isa) == "avx512" && mg <= 48;
  const JobScratch scratch(pool, 0, unpacked ? 0 : static_cast<size_t>(k * chunk));
  parallel_for(split ? pool : nullptr, tasks, [&](int64_t task, int thread) {
    const int64_t rb = task % row_blocks;
    const int64_t c_idx = (task / row_blocks) % chunks;
    const int64_t grp = (task / (row_blocks * chunks)) % st.group;
    const int64_t n = task / (row_blocks * chunks * st.group);
    const int64_t n0 = c_idx * chunk;
    const int64_t nc = std::min(chunk, spatial - n0);
    const float* xg = x + n * st.in_channels * in_spatial + grp * cg * g.channel_stride;
    const int64_t out_offset = (n * st.out_channels + grp * mg) * spatial + n0;
    const int64_t r0 = rb * rows_per_block;
    const int64_t r1 = std::min(mg, r0 + rows_per_block);
    const float* group_bias = bias ? bias + grp * mg : nullptr;
    const float* chunk_residual = residual ? residual + out_offset : nullptr;
    if (unpacked) {
      gemm_unpacked_b(st.packed[grp], r0, r1, xg + n0, in_spatial, nc, y + out_offset, spatial,
                      group_bias, chunk_residual, ep);
    } else {
      float* b = scratch.at(thread);
      if (pointwise) {
        pack_columns(xg, in_spatial, k, n0, nc, ks.nr, b);
      } else {
        pack_im2col(g, xg, cg, st.kernel_h, st.kernel_w, n0, nc, ks.nr, b);
      }
      gemm_packed(ks, st.packed[grp], r0, r1, b, nc, y + out_offset, spatial, group_bias,
                  chunk_residual, spatial, ep.lo, ep.hi, ep.hardswish);
    }
    if (ep.needs_row_pass) {
      for (int64_t r = r0; r < r1; ++r) {
        ks.activate_row(ep.row(grp * mg + r), y + out_offset + r * spatial, nullptr, nc);
      }
    }
  });
  return Status::ok();
}

// Copies one input channel into g.stride_w planes of plane_h x plane_w: phase p, row r, column
// j holds input (r - pad_top, j * stride_w + p - pad_left), or 0 outside the input. Inside a row
// that is zeros, then a plain (or constant-stride) copy, then zeros: the bounds are computed once
// per phase, not per row or element.
void copy_padded_phases(const float* src, const Geometry& g, int64_t plane_h, int64_t plane_w,
                        float* planes) {
  const int64_t s = g.stride_w;
  for (int64_t p = 0; p < s; ++p) {
    const int64_t first = p - g.pad_left;  // input column of j = 0
    const int64_t lo = std::min(plane_w, first >= 0 ? 0 : (-first + s - 1) / s);
    const int64_t hi =
        std::max(lo, std::min(plane_w, g.in_w - first <= 0 ? 0 : (g.in_w - first - 1) / s + 1));
    for (int64_t r = 0; r < plane_h; ++r) {
      float* dst = planes + (p * plane_h + r) * plane_w;
      const int64_t iy = r - g.pad_top;
      if (iy < 0 || iy >= g.in_h || hi == lo) {
        std::fill(dst, dst + plane_w, 0.f);
        continue;
      }
      std::fill(dst, dst + lo, 0.f);
      const float* row = src + iy * g.in_w;
      if (s == 1) {
        std::copy(row + (first + lo), row + (first + hi), dst + lo);
      } else if (s == 2) {
        // A constant stride lets the compiler vectorise the gather as loads and permutes.
        const float* from = row + first;
        for (int64_t j = lo; j < hi; ++j)
          dst[j] = from[2 * j];
      } else {
        for (int64_t j = lo; j < hi; ++j)
          dst[j] = row[first + j * s];
      }
      std::fill(dst + hi, dst + plane_w, 0.f);
    }
  }
}

// The kernel that reads the taps straight from the unpadded input, where this CPU and window
// have one (AVX-512, 3x3 or 5x5, horizontal stride 1 or 2); null otherwise.
kernels::DepthwiseDirectFn direct_depthwise(const kernels::KernelSet& ks, const ConvState& st,
                                            const Geometry& g) {
  if (std::string_view(ks.isa) != "avx512") return nullptr;
  return kernels::avx512_depthwise_direct(st.kernel_h, st.kernel_w, g.stride_w);
}

Status run_depthwise(KernelContext& ctx, const ConvState& st, const Geometry& g, const float* x,
                     const float* w, const float* bias, float* y, const GemmEpilogue& ep) {
  const kernels::KernelSet& ks = *st.ks;
  kernels::DepthwisePlane plane{
      st.kernel_h, st.kernel_w, g.stride_h, g.stride_w, g.dilation_h, g.dilation_w, g.out_h,
      g.out_w,     0,           0,          0,          0.f,          0.f};
  plane.plane_h = (g.out_h - 1) * g.stride_h + (st.kernel_h - 1) * g.dilation_h + 1;
  const int64_t padded_w = (g.out_w - 1) * g.stride_w + (st.kernel_w - 1) * g.dilation_w + 1;
  plane.plane_w = (padded_w - 1) / g.stride_w + 1;
  const int64_t channels = st.out_channels;
  const int64_t spatial = g.out_h * g.out_w;
  const int64_t plane_size = plane.plane_h * plane.plane_w;
  // Relu, Clip and HardSwish without a residual are applied by the micro-kernel as it stores
  // each row; the other epilogues take a pass over the finished channel.
  const Epilogue& e = ep.epilogue;
  if (!e.residual && e.activation == Activation::kRelu) plane.activation = 1;
  if (!e.residual && e.activation == Activation::kClip) {
    plane.activation = 2;
    plane.clip_lo = e.alpha;
    plane.clip_hi = e.beta;
  }
  if (!e.residual && e.activation == Activation::kHardSwish) plane.activation = 3;
  const bool epilogue = !e.empty() && plane.activation == 0;
  if (const kernels::DepthwiseDirectFn direct = direct_depthwise(ks, st, g)) {
    kernels::DepthwiseDirect dg{g.in_h,        g.in_w,     g.out_h,          g.out_w,
                                g.stride_h,    g.stride_w, g.dilation_h,     g.dilation_w,
                                g.pad_top,     g.pad_left, plane.activation, plane.clip_lo,
                                plane.clip_hi, nullptr};
    // One row of zeros, read by every thread for the input rows in the padding.
    float* zero_row = ctx.thread_pool() ? ctx.thread_pool()->scratch(1, g.in_w)
                                        : thread_scratch(1, static_cast<size_t>(g.in_w));
    std::fill(zero_row, zero_row + g.in_w, 0.f);
    dg.zero_row = zero_row;
    parallel_for(ctx.thread_pool(), g.batch * channels, [&](int64_t task, int) {
      const int64_t c = task % channels;
      float* out = y + task * spatial;
      direct(dg, x + task * g.in_h * g.in_w, w + c * st.kernel_h * st.kernel_w,
             bias ? bias[c] : 0.f, out);
      if (epilogue) {
        const float* res = ep.epilogue.residual ? ep.epilogue.residual + task * spatial : nullptr;
        ks.activate_row(ep.row(c), out, res, spatial);
      }
    });
    return Status::ok();
  }
  const JobScratch scratch(ctx.thread_pool(), 0, static_cast<size_t>(plane_size * g.stride_w));
  parallel_for(ctx.thread_pool(), g.batch * channels, [&](int64_t task, int thread) {
    const int64_t c = task % channels;
    const float* src = x + task * g.in_h * g.in_w;
    float* planes = scratch.at(thread);
    // Copy with zero padding, split by column phase so strided taps read contiguous memory.
    copy_padded_phases(src, g, plane.plane_h, plane.plane_w, planes);
    float* out = y + task * spatial;
    ks.depthwise(plane, planes, w + c * st.kernel_h * st.kernel_w, bias ? bias[c] : 0.f, out);
    if (epilogue) {
      const float* res = ep.epilogue.residual ? ep.epilogue.residual + task * spatial : nullptr;
      ks.activate_row(ep.row(c), out, res, spatial);
    }
  });
  return Status::ok();
}

// What a run computes from the node and its input's shape, kept for the next run.
struct ConvRunCache final : RunCache {
  bool ready = false;
  Shape x_shape;  // the input shape the rest was computed for
  reference::Window win;
  Shape out_shape;
  Epilogue activation;      // the fused activation; residual and slope are bound on each run
  std::vector<float> nchw;  // a channels-last input copied for the algorithms that need NCHW
};

// N, C, H, W of a 4-D input in either layout.
struct InputDims {
  int64_t batch, channels, height, width;
};
InputDims input_dims(const Shape& x, bool channels_last) {
  return channels_last ? InputDims{x[0], x[3], x[1], x[2]} : InputDims{x[0], x[1], x[2], x[3]};
}

// Whether `algorithm` reads a channels-last input of these dims as it is (direct, and the
// im2col packing through its strides). With one channel or one pixel the two layouts are the
// same bytes, so every algorithm does.
bool reads_channels_last_in_place(const std::string& algorithm, const InputDims& d) {
  return algorithm == kDirect || algorithm == kIm2col || d.channels == 1 || d.height * d.width == 1;
}

Status conv(KernelContext& ctx) {
  // A node with blocked layouts has an nchwc state or a reference one (prepare_conv): the
  // planar algorithms below never see it. (Not checked here: reading the layout attributes on
  // every run would allocate.)
  if (is_nchwc_state(ctx.prepared())) return run_nchwc_conv(ctx, *ctx.prepared());
  const auto* st = dynamic_cast<const ConvState*>(ctx.prepared());
  if (!st || st->name == kReference || !ctx.has_input(0) || !ctx.has_input(1)) {
    return run_reference(ctx);
  }
  const TensorView& x = ctx.input(0);
  const TensorView& w = ctx.input(1);
  const bool bias_ok = !ctx.has_input(2) || (ctx.input(2).dtype == DType::kFloat32 &&
                                             ctx.input(2).elements() == st->out_channels);
  if (x.dtype != DType::kFloat32 || x.shape.size() != 4 ||
      input_dims(x.shape, st->channels_last).channels != st->in_channels || w.data != st->weights ||
      !bias_ok) {
    return run_reference(ctx);
  }
  const InputDims dims = input_dims(x.shape, st->channels_last);
  const bool copy_input = st->channels_last && !reads_channels_last_in_place(st->name, dims);
  ConvRunCache& rc = run_cache_of<ConvRunCache>(ctx);
  if (!rc.ready || rc.x_shape != x.shape) {
    // The node's attributes and this input shape: read once, not on every run.
    rc.ready = false;
    if (ctx.node().has_attr("kernel_shape") &&
        ctx.node().attr_ints("kernel_shape") != std::vector<int64_t>{st->kernel_h, st->kernel_w}) {
      return run_reference(ctx);
    }
    EI_ASSIGN_OR_RETURN(rc.win,
                        reference::forward_window(ctx, {dims.height, dims.width},
                                                  {st->kernel_h, st->kernel_w}, true, false));
    rc.out_shape = {dims.batch, st->out_channels, rc.win.output[0], rc.win.output[1]};
    rc.nchw.assign(copy_input ? static_cast<size_t>(x.elements()) : 0, 0.f);
    EI_ASSIGN_OR_RETURN(rc.activation, node_activation(ctx));
    rc.x_shape = x.shape;
    rc.ready = true;
  }
  const reference::Window& win = rc.win;
  const Shape& out_shape = rc.out_shape;
  EI_ASSIGN_OR_RETURN(Epilogue e, bind_epilogue(ctx, rc.activation, out_shape, st->out_channels));
  EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                      ctx.allocate_output_view(0, DType::kFloat32, out_shape));
  const TensorView& y = *y_view;
  if (y.elements() == 0) return Status::ok();
  // x as the algorithm reads it: interleaved channels (NHWC with more than one channel and
  // pixel, read in place), else planes (NCHW, or its copy).
  const bool interleaved =
      st->channels_last && !copy_input && dims.channels > 1 && dims.height * dims.width > 1;
  const Geometry g{dims.batch,
                   dims.height,
                   dims.width,
                   win.output[0],
                   win.output[1],
                   win.strides[0],
                   win.strides[1],
                   win.dilations[0],
                   win.dilations[1],
                   win.pads_begin[0],
                   win.pads_begin[1],
                   interleaved ? 1 : dims.height * dims.width,
                   interleaved ? dims.channels : 1};
  const float* xd = x.as<float>();
  if (copy_input) {
    copy_to_channels_first(ctx, xd, dims.batch, dims.channels, dims.height * dims.width,
                           rc.nchw.data());
    xd = rc.nchw.data();
  }
  const GemmEpilogue ep = GemmEpilogue::from(e);
  const float* bias = ctx.has_input(2) ? ctx.input(2).as<float>() : nullptr;
  if (st->name == kDepthwise) {
    return run_depthwise(ctx, *st, g, xd, w.as<float>(), bias, y.as<float>(), ep);
  }
  if (st->name == kDirect) {
    const DirectConvGeometry dg{g.batch,          st->in_channels, g.in_h,     g.in_w,
                                st->out_channels, g.out_h,         g.out_w,    st->kernel_h,
                                st->kernel_w,     g.stride_h,      g.stride_w, g.dilation_h,
                                g.dilation_w,     g.pad_top,       g.pad_left, interleaved};
    run_direct_conv(ctx.thread_pool(), dg, xd, w.as<float>(),
                    reinterpret_cast<const float*>(st->direct.data), bias, y.as<float>(), ep,
                    *st->ks);
    return Status::ok();
  }
  if (st->name == kWinograd4 || st->name == kWinograd6) {
    const WinogradGeometry wg{g.batch, g.in_h, g.in_w, g.out_h, g.out_w, g.pad_top, g.pad_left};
    run_winograd(ctx.thread_pool(), *st->ks, st->winograd, wg, xd, bias, y.as<float>(), ep);
    return Status::ok();
  }
  // A 1x1 kernel with padding reads outside the input: the im2col packing handles that.
  const bool pointwise = st->name == kPointwise && win.pads_begin[0] == 0 &&
                         win.pads_begin[1] == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
  return run_gemm_conv(ctx, *st, g, xd, bias, y.as<float>(), ep, pointwise);
}

}  // namespace

std::optional<bool> conv_algorithm_is_blocked(const std::string& algorithm) {
  if (algorithm == kNchwcConv || algorithm == kNchwcDepthwise) return true;
  for (const char* planar : {kIm2col, kPointwise, kDepthwise, kDirect, kWinograd4, kWinograd6}) {
    if (algorithm == planar) return false;
  }
  return std::nullopt;
}

bool conv_prefers_planar_layout(const ir::Graph& graph, const ir::Node& node) {
  if (node.op_type != "Conv" || node.inputs.size() < 2 || node.outputs.empty() ||
      node.inputs[1] == ir::kNoValue) {
    return false;
  }
  const ir::Value& w = graph.values[node.inputs[1]];
  if (!w.constant || w.constant->shape().size() != 4) return false;
  const Shape& ws = w.constant->shape();
  ConvState shape;
  shape.group = node.attr_int("group", 1);
  shape.in_channels = ws[1] * shape.group;
  shape.out_channels = ws[0];
  if (!winograd_shape(node, shape.group, ws[2], ws[3]) ||
      !winograd_supported(4, kernels::best_kernel_set())) {
    return false;
  }
  return winograd_rule(shape, {kWinograd4}, static_output_pixels(graph, node), kReference) ==
         kWinograd4;
}

void register_conv(KernelRegistry& registry) {
  registry.add("Conv", conv, prepare_conv);
}

}  // namespace edgeinfer::cpu::fast
