// Fast 2-D float32 ConvTranspose for the up-sampling case where stride equals the kernel (no
// padding, dilation or groups; the MediaPipe decoders' 2x2 stride 2): the windows do not
// overlap, so the op is one GEMM, (M*kh*kw) x C times C x (H*W), whose rows are scattered to
// their output pixels (`scatter-gemm`), or, when M*kh*kw is small, a direct kernel that sums
// the few taps in registers and stores them in place (`direct`, conv_transpose_direct.h).
// Other cases run the reference kernel. A channels-last output (cpu/input_layout.h) is computed
// in the ONNX layout into run-cache scratch and copied: `direct` one input row at a time into a
// per-thread block that stays in cache, `scatter-gemm` the whole result at the end.
// A blocked input 0 (cpu/blocked_layout.h: "ei_input_layout" = "NCHW<b>c", N x ceil(C/b) x H x
// W x b, C from the weights): `direct` unblocks each input row into per-thread scratch in cache
// as it goes, `scatter-gemm` reads an ONNX-layout copy of the whole input in run-cache scratch.
// A blocked output runs the reference kernel.
#include <algorithm>
#include <limits>
#include <memory>

#include "cpu/blocked_layout.h"
#include "cpu/fast/algorithm_choice.h"
#include "cpu/fast/channel_layout.h"
#include "cpu/fast/common.h"
#include "cpu/fast/conv_transpose_direct.h"
#include "cpu/fast/families.h"
#include "cpu/fast/gemm_driver.h"
#include "cpu/fast/kernel_timer.h"
#include "cpu/input_layout.h"
#include "cpu/thread_pool.h"

namespace edgeinfer::cpu::fast {
namespace {

const char* const kReference = "reference";
const char* const kScatterGemm = "scatter-gemm";
const char* const kDirect = "direct";
constexpr int64_t kChunkFloats = 64 * 1024;

class ConvTransposeState final : public PreparedState {
 public:
  std::string algorithm() const override { return name; }

  std::string name;
  const void* weights = nullptr;
  int64_t in_channels = 0, out_channels = 0, kernel_h = 0, kernel_w = 0;
  PackedRows packed;  // scatter-gemm: (m, ky, kx) rows x C
  const kernels::KernelSet* ks = nullptr;
};

bool all_equal(const std::vector<int64_t>& v, int64_t value) {
  return std::all_of(v.begin(), v.end(), [&](int64_t x) { return x == value; });
}

// The state of algorithm `name` for weights `w`; scatter-gemm's packing goes through the weight
// cache when `cache` is given (autotuning's throw-away candidates pack privately).
std::unique_ptr<ConvTransposeState> make_state(const std::string& name, const TensorView* w,
                                               const PrepareContext* cache) {
  auto state = std::make_unique<ConvTransposeState>();
  state->name = name;
  if (name == kReference) return state;
  state->weights = w->data;
  state->in_channels = w->shape[0];
  state->out_channels = w->shape[1];
  state->kernel_h = w->shape[2];
  state->kernel_w = w->shape[3];
  state->ks = &kernels::best_kernel_set();
  if (name == kDirect) return state;  // reads W as ONNX stores it
  const int64_t rows = state->out_channels * state->kernel_h * state->kernel_w;
  // W is C x M x kh x kw: row (m, ky, kx), column c is W[c * rows + row].
  const int64_t k = state->in_channels;
  const int mr = state->ks->mr;
  const size_t bytes = PackedRows::floats_for(rows, k, mr) * sizeof(float);
  auto pack = [&](unsigned char* out) {
    pack_rows_into(w->as<float>(), rows, k, 1, rows, mr, reinterpret_cast<float*>(out));
  };
  const PackedBytes packed =
      cache ? cache->packed_weights("ConvTranspose scatter-gemm mr=" + std::to_string(mr), {w},
                                    bytes, pack)
            : pack_privately(bytes, pack);
  state->packed =
      packed_rows_at(reinterpret_cast<const float*>(packed.data), packed.owner, rows, k, mr);
  return state;
}

Status conv_transpose(KernelContext& ctx);

// What an autotune result depends on in the layer: input and weight shapes (the attributes
// are those every fast algorithm requires).
std::string autotune_layer(const PrepareContext& ctx, const TensorView& w) {
  return "ConvTranspose x=" + autotune_list(ctx.graph.values[ctx.node.inputs[0]].static_shape()) +
         " w=" + autotune_list(w.shape);
}

Result<std::unique_ptr<PreparedState>> prepare_conv_transpose(const PrepareContext& ctx) {
  const ir::Node& node = ctx.node;
  const TensorView* w = ctx.constant_input(1);
  const bool x_float = !node.inputs.empty() && node.inputs[0] != ir::kNoValue &&
                       ctx.graph.values[node.inputs[0]].dtype == DType::kFloat32;
  bool usable = x_float && w && w->dtype == DType::kFloat32 && w->shape.size() == 4 &&
                node.attr_int("group", 1) == 1 && all_equal(node.attr_ints("pads"), 0) &&
                all_equal(node.attr_ints("dilations"), 1) &&
                all_equal(node.attr_ints("output_padding"), 0);
  const std::string auto_pad = node.attr_string("auto_pad", "NOTSET");
  usable = usable && (auto_pad == "NOTSET" || auto_pad == "VALID" || auto_pad.empty());
  if (usable) {
    const std::vector<int64_t> strides = node.attr_ints("strides");
    usable = strides == std::vector<int64_t>{w->shape[2], w->shape[3]};
  }
  std::vector<std::string> candidates = {kReference};
  std::string rule = kReference;
  if (usable) {
    candidates.push_back(kScatterGemm);
    candidates.push_back(kDirect);
    // A thin GEMM (few output taps per input pixel) leaves most of the micro-kernel's tile
    // empty and then scatters its rows: the direct kernel sums those taps in registers.
    rule = conv_transpose_direct_preferred(w->shape[1], w->shape[2], w->shape[3]) ? kDirect
                                                                                  : kScatterGemm;
    if (ctx.autotune && ctx.algorithm.empty()) {
      EI_ASSIGN_OR_RETURN(rule, autotuned_algorithm(ctx, autotune_layer(ctx, *w), conv_transpose,
                                                    candidates, rule, [&](const std::string& name) {
                                                      return std::unique_ptr<PreparedState>(
                                                          make_state(name, w, nullptr));
                                                    }));
    }
  }
  EI_ASSIGN_OR_RETURN(std::string name,
                      choose_algorithm(ctx, {kReference, kScatterGemm, kDirect}, candidates, rule));
  return std::unique_ptr<PreparedState>(make_state(name, w, &ctx));
}

// out[ix * kw + kx] = src[kx * ld + ix] + bias for ix < len, kx < kw: the kw GEMM rows of one
// output row, interleaved. The common 2x2 kernel gets a constant stride, which vectorises.
void scatter_row(const float* src, int64_t ld, int64_t kw, int64_t len, float bias,
                 float* __restrict out) {
  if (kw == 2) {
    const float* a = src;
    const float* b = src + ld;
    for (int64_t ix = 0; ix < len; ++ix) {
      out[2 * ix] = a[ix] + bias;
      out[2 * ix + 1] = b[ix] + bias;
    }
    return;
  }
  for (int64_t kx = 0; kx < kw; ++kx) {
    const float* s = src + kx * ld;
    for (int64_t ix = 0; ix < len; ++ix)
      out[ix * kw + kx] = s[ix] + bias;
  }
}

struct ConvTransposeRunCache final : RunCache {
  bool ready = false;
  bool fast = false;           // false: the attributes ask for what the reference kernel does
  Shape x_shape;               // the input shape the rest was computed for
  Shape out_shape;             // NCHW
  Shape y_shape;               // output 0's shape: out_shape, or channels-last
  Epilogue activation;         // residual and slope are bound on each run
  bool channels_last = false;  // output 0 is written NHWC (cpu/input_layout.h)
  std::vector<float> planes;   // channels_last: the NCHW result (or direct's rows) before its copy
  int block = 0;               // input 0 is blocked with this block (0: ONNX layout)
  std::vector<float> x_rows;   // blocked input: direct's per-thread rows, scatter-gemm's NCHW x
};

Status conv_transpose(KernelContext& ctx) {
  const auto* st = dynamic_cast<const ConvTransposeState*>(ctx.prepared());
  if (!st || st->name == kReference || !ctx.has_input(0) || !ctx.has_input(1)) {
    return reference_kernels().find("ConvTranspose")(ctx);
  }
  const TensorView& x = ctx.input(0);
  const bool bias_ok = !ctx.has_input(2) || (ctx.input(2).dtype == DType::kFloat32 &&
                                             ctx.input(2).elements() == st->out_channels);
  // A blocked input is N x ceil(C/b) x H x W x b; a blocked output is the reference's.
  const int block = input_block(ctx.node());
  const bool x_ok = block == 0 ? x.shape.size() == 4 && x.shape[1] == st->in_channels
                               : x.shape.size() == 5 && x.shape[4] == block &&
                                     x.shape[1] == channel_blocks(st->in_channels, block) &&
                                     output_block(ctx.node()) == 0;
  if (x.dtype != DType::kFloat32 || !x_ok || x.shape[2] < 1 || x.shape[3] < 1 ||
      ctx.input(1).data != st->weights || !bias_ok) {
    return run_reference(ctx);
  }
  const int64_t batch = x.shape[0], in_h = x.shape[2], in_w = x.shape[3];
  const int64_t kh = st->kernel_h, kw = st->kernel_w, m_count = st->out_channels;
  const int64_t out_h = in_h * kh, out_w = in_w * kw;
  ConvTransposeRunCache& rc = run_cache_of<ConvTransposeRunCache>(ctx);
  if (!rc.ready || rc.x_shape != x.shape) {
    // The node's attributes and this input shape: read once, kept for the next run.
    rc.ready = false;
    // An output_shape (spatial, or with N and C) that asks for exactly the full result needs
    // no padding; any other size runs the reference kernel.
    std::vector<int64_t> output_shape = ctx.node().attr_ints("output_shape");
    if (output_shape.size() == 4) {
      output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
    }
    const bool kernel_ok = !ctx.node().has_attr("kernel_shape") ||
                           ctx.node().attr_ints("kernel_shape") == std::vector<int64_t>{kh, kw};
    rc.channels_last = writes_channels_last(ctx.node());
    // A channels-last output with a residual is an error the reference kernel reports.
    const bool layout_ok =
        known_output_layout(ctx.node()) && !(rc.channels_last && ctx.has_input(kResidualInput));
    rc.fast = kernel_ok && layout_ok &&
              (output_shape.empty() || output_shape == std::vector<int64_t>{out_h, out_w});
    rc.out_shape = {batch, m_count, out_h, out_w};
    rc.y_shape = rc.channels_last ? Shape{batch, out_h, out_w, m_count} : rc.out_shape;
    const ThreadPool* pool = ctx.thread_pool();
    const UpsampleGeometry g{batch, st->in_channels, in_h, in_w, m_count, kh, kw};
    const int64_t scratch = st->name == kDirect
                                ? direct_channels_last_scratch(g, pool ? pool->threads() : 1)
                                : shape_elements(rc.out_shape);
    rc.planes.assign(rc.channels_last ? static_cast<size_t>(scratch) : 0, 0.f);
    rc.block = block;
    const int64_t x_scratch =
        block == 0            ? 0
        : st->name == kDirect ? direct_blocked_rows_scratch(g, block, pool ? pool->threads() : 1)
                              : batch * st->in_channels * in_h * in_w;
    rc.x_rows.assign(static_cast<size_t>(x_scratch), 0.f);
    EI_ASSIGN_OR_RETURN(rc.activation, node_activation(ctx));
    rc.x_shape = x.shape;
    rc.ready = true;
  }
  if (!rc.fast) return run_reference(ctx);
  const Shape& out_shape = rc.out_shape;
  EI_ASSIGN_OR_RETURN(Epilogue e, bind_epilogue(ctx, rc.activation, out_shape, m_count));
  EI_ASSIGN_OR_RETURN(const TensorView* yv_view,
                      ctx.allocate_output_view(0, DType::kFloat32, rc.y_shape));
  const kernels::KernelSet& ks = *st->ks;
  const float* xs = x.as<float>();
  const float* bias = ctx.has_input(2) ? ctx.input(2).as<float>() : nullptr;
  float* y = rc.channels_last ? rc.planes.data() : yv_view->as<float>();
  if (st->name == kDirect) {
    const UpsampleGeometry g{batch, st->in_channels, in_h, in_w, m_count, kh, kw};
    run_conv_transpose_direct(ctx, g, xs, ctx.input(1).as<float>(), bias, y, GemmEpilogue::from(e),
                              ks, true, rc.channels_last ? yv_view->as<float>() : nullptr, rc.block,
                              rc.x_rows.data());
    return Status::ok();
  }
  if (rc.block > 0) {
    // The GEMM packs planes: an ONNX-layout copy of the blocked input.
    unblock_channels(xs, rc.x_rows.data(), batch, st->in_channels, in_h * in_w, rc.block);
    xs = rc.x_rows.data();
  }
  const int64_t in_spatial = in_h * in_w, out_spatial = out_h * out_w;
  const int64_t rows = st->packed.rows, c_count = st->in_channels;
  const int64_t chunk = std::min(
      round_up(in_spatial, ks.nr),
      std::max<int64_t>(ks.nr, kChunkFloats / std::max<int64_t>(rows, c_count) / ks.nr * ks.nr));
  const int64_t chunks = (in_spatial + chunk - 1) / chunk;
  const float inf = std::numeric_limits<float>::infinity();
  // chunk is a multiple of nr: it bounds every task's packed columns.
  const JobScratch packed(ctx.thread_pool(), 0, static_cast<size_t>(c_count * chunk));
  const JobScratch product(ctx.thread_pool(), 1, static_cast<size_t>(rows * chunk));
  parallel_for(ctx.thread_pool(), batch * chunks, [&](int64_t task, int thread) {
    const int64_t n = task / chunks;
    const int64_t n0 = (task % chunks) * chunk;
    const int64_t nc = std::min(chunk, in_spatial - n0);
    float* b = packed.at(thread);
    pack_columns(xs + n * c_count * in_spatial, in_spatial, c_count, n0, nc, ks.nr, b);
    float* t = product.at(thread);
    gemm_packed(ks, st->packed, 0, rows, b, nc, t, nc, nullptr, nullptr, 0, -inf, inf);
    // Scatter: GEMM row (m, ky, kx) holds output pixels (iy*kh + ky, ix*kw + kx). Walk the
    // chunk one input row segment at a time, so no index is divided per element, and write
    // the kw rows of one (m, ky) interleaved into their output row.
    for (int64_t j0 = 0; j0 < nc;) {
      const int64_t iy = (n0 + j0) / in_w, ix0 = (n0 + j0) % in_w;
      const int64_t len = std::min(nc - j0, in_w - ix0);
      for (int64_t m = 0; m < m_count; ++m) {
        const float bm = bias ? bias[m] : 0.f;
        float* plane = y + (n * m_count + m) * out_spatial;
        for (int64_t ky = 0; ky < kh; ++ky) {
          const float* src = t + ((m * kh + ky) * kw) * nc + j0;
          scatter_row(src, nc, kw, len, bm, plane + (iy * kh + ky) * out_w + ix0 * kw);
        }
      }
      j0 += len;
    }
  });
  if (!e.empty()) {
    const GemmEpilogue ep = GemmEpilogue::from(e);
    parallel_for(ctx.thread_pool(), batch * m_count, [&](int64_t task, int) {
      const float* res = e.residual ? e.residual + task * out_spatial : nullptr;
      ks.activate_row(ep.row(task % m_count), y + task * out_spatial, res, out_spatial);
    });
  }
  if (rc.channels_last) {
    copy_to_channels_last(ctx, y, batch, m_count, out_spatial, yv_view->as<float>());
  }
  return Status::ok();
}

}  // namespace

void register_conv_transpose(KernelRegistry& registry) {
  registry.add("ConvTranspose", conv_transpose, prepare_conv_transpose);
}

}  // namespace edgeinfer::cpu::fast
