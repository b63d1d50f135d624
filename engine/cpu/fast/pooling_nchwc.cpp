// Fast pooling on blocked channel layouts (cpu/blocked_layout.h): AveragePool and MaxPool with
// 2-D windows (strides, pads, auto_pad, ceil_mode, count_include_pad; dilation 1), and
// GlobalAveragePool / GlobalMaxPool, on float32 N x C/b x H x W x b tensors read and written in
// the same layout NCHW<b>c.
//
// The planar kernel's plan (pooling.cpp), one vector per pixel instead of one float: per output
// row, the window's input rows are combined (summed or maxed) into one padded row of pixels,
// then each output pixel combines kernel_w neighbours of it; the average multiplies by the
// inverse of its divisor, from a table. Padding lanes hold zeros and pool to zeros, as the
// reference's detour gives. Work is split over the thread pool by output rows of all planes.
// A window covering the whole image without pads is a global pool: one contiguous pass over
// each plane with four accumulators.
// The Indices output, dilations, other ranks and mixed layouts run the reference kernel.
#include <limits>
#include <vector>

#include "cpu/blocked_layout.h"
#include "cpu/fast/common.h"
#include "cpu/fast/nchwc_simd.h"
#include "cpu/fast/pooling.h"
#include "cpu/reference/dispatch.h"
#include "cpu/run_cache.h"

namespace edgeinfer::cpu::fast {
namespace {

// What the loops need, as plain numbers and pointers.
struct BlockedPoolArgs {
  const float* x = nullptr;
  float* y = nullptr;
  int64_t block = 0;
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int64_t kw = 0, sw = 0, pad_left = 0, padded_w = 0;
  const int64_t* row_begin = nullptr;  // per output row: the window's input rows
  const int64_t* row_end = nullptr;
  const float* scale = nullptr;  // average: 1 / divisor per output pixel
};

namespace portable {
using V = VecScalar;
#include "cpu/fast/pooling_nchwc.inc"
}  // namespace portable

#if EI_NCHWC_X86
EI_NCHWC_AVX512_BEGIN
namespace avx512 {
using V = VecAvx512;
#include "cpu/fast/pooling_nchwc.inc"
}  // namespace avx512
EI_NCHWC_ISA_END

EI_NCHWC_AVX2_BEGIN
namespace avx2 {
using V = VecAvx2;
#include "cpu/fast/pooling_nchwc.inc"
}  // namespace avx2
EI_NCHWC_ISA_END
#endif

using PoolRowsFn = void (*)(const BlockedPoolArgs&, bool, int64_t, int64_t, float*);
using GlobalPlanesFn = void (*)(const BlockedPoolArgs&, bool, int64_t, int64_t);

// The loops for this block on this CPU.
void pick_loops(int64_t block, PoolRowsFn* rows, GlobalPlanesFn* global) {
#if EI_NCHWC_X86
  const NchwcIsa isa = nchwc_isa();
  if (isa >= NchwcIsa::kAvx512 && block % 16 == 0) {
    *rows = avx512::pool_rows;
    *global = avx512::global_planes;
    return;
  }
  if (isa >= NchwcIsa::kAvx2 && block % 8 == 0) {
    *rows = avx2::pool_rows;
    *global = avx2::global_planes;
    return;
  }
#endif
  *rows = portable::pool_rows;
  *global = portable::global_planes;
}

struct BlockedPoolRunCache final : RunCache {
  InputsKey key;
  bool fast = false;  // false: the reference kernel handles this node
  bool global = false;
  Shape out_shape;
  BlockedPoolArgs args;  // sizes only; pointers to the tables below are set per run
  int64_t kernel_h = 0;
  AxisWindows rows;
  std::vector<float> scale;
};

// Plans the run into `rc`; rc.fast stays false for what the reference kernel must handle.
void plan_blocked_pool(const KernelContext& ctx, BlockedPool kind, BlockedPoolRunCache& rc) {
  rc.fast = false;
  const ir::Node& node = ctx.node();
  const int block = input_block(node);
  const TensorView& x = ctx.input(0);
  if (block == 0 || output_block(node) != block || x.shape.size() != 5 || x.shape[4] != block ||
      x.elements() == 0) {
    return;
  }
  BlockedPoolArgs& a = rc.args;
  a = BlockedPoolArgs{};
  a.block = block;
  a.in_h = x.shape[2];
  a.in_w = x.shape[3];
  rc.global = kind == BlockedPool::kGlobalAverage || kind == BlockedPool::kGlobalMax;
  if (rc.global) {
    rc.out_shape = {x.shape[0], x.shape[1], 1, 1, block};
    rc.fast = true;
    return;
  }
  const std::vector<int64_t> kernel = node.attr_ints("kernel_shape", {});
  const std::vector<int64_t> dilations = node.attr_ints("dilations", {1, 1});
  if (kernel.size() != 2 || dilations != std::vector<int64_t>{1, 1}) return;
  const std::vector<int64_t> input{a.in_h, a.in_w};
  auto win =
      reference::forward_window(ctx, input, kernel, false, node.attr_int("ceil_mode", 0) != 0);
  if (!win) return;  // the reference reports bad attributes
  // A window over the whole image without pads (squeeze-excite blocks): a global pool, one
  // contiguous pass over each plane.
  bool no_pads = true;
  for (size_t d = 0; d < 2; ++d)
    no_pads &= win->pads_begin[d] == 0 && win->pads_end[d] == 0;
  if (no_pads && win->kernel == input) {
    rc.global = true;
    rc.out_shape = {x.shape[0], x.shape[1], 1, 1, block};
    rc.fast = true;
    return;
  }
  const bool count_include_pad = node.attr_int("count_include_pad", 0) != 0;
  rc.rows = plan_pool_axis(*win, 0, count_include_pad);
  const AxisWindows cols = plan_pool_axis(*win, 1, count_include_pad);
  a.out_h = win->output[0];
  a.out_w = win->output[1];
  rc.kernel_h = win->kernel[0];
  a.kw = win->kernel[1];
  a.sw = win->strides[1];
  a.pad_left = win->pads_begin[1];
  // The last window may reach past the right pad (ceil_mode): the padded row covers it too.
  a.padded_w = std::max(a.pad_left + a.in_w, (a.out_w - 1) * a.sw + a.kw);
  rc.scale.clear();
  if (kind == BlockedPool::kAverage) {
    for (int64_t oy = 0; oy < a.out_h; ++oy) {
      for (int64_t ox = 0; ox < a.out_w; ++ox) {
        const float divisor = rc.rows.count[oy] * cols.count[ox];
        rc.scale.push_back(divisor > 0.0f ? 1.0f / divisor : 0.0f);
      }
    }
  }
  rc.out_shape = {x.shape[0], x.shape[1], a.out_h, a.out_w, block};
  rc.fast = true;
}

}  // namespace

Status blocked_pool(KernelContext& ctx, BlockedPool kind) {
  if (!float_inputs(ctx, 1) || ctx.wants_output(1)) return run_reference(ctx);
  BlockedPoolRunCache& rc = run_cache_of<BlockedPoolRunCache>(ctx);
  if (!rc.key.matches(ctx, ctx.input_count())) {
    rc.key.clear();
    plan_blocked_pool(ctx, kind, rc);
    rc.key.store(ctx, ctx.input_count());
  }
  if (!rc.fast) return run_reference(ctx);
  EI_RETURN_IF_ERROR(reference::check_shape(ctx, rc.out_shape));
  EI_ASSIGN_OR_RETURN(const TensorView* y,
                      ctx.allocate_output_view(0, DType::kFloat32, rc.out_shape));
  if (y->elements() == 0) return Status::ok();
  BlockedPoolArgs a = rc.args;
  a.x = ctx.input(0).as<float>();
  a.y = y->as<float>();
  a.row_begin = rc.rows.begin.data();
  a.row_end = rc.rows.end.data();
  a.scale = rc.scale.data();
  PoolRowsFn pool_rows = nullptr;
  GlobalPlanesFn global_planes = nullptr;
  pick_loops(a.block, &pool_rows, &global_planes);
  const bool max = kind == BlockedPool::kMax || kind == BlockedPool::kGlobalMax;
  const int64_t planes = rc.out_shape[0] * rc.out_shape[1];
  if (rc.global) {
    for_rows(ctx, planes, a.in_h * a.in_w * a.block,
             [&](int64_t begin, int64_t end) { global_planes(a, max, begin, end); });
    return Status::ok();
  }
  // Each row reads kernel_h input rows and combines kernel_w pixels per output pixel.
  const int64_t row_work = (rc.kernel_h * a.in_w + a.out_w * a.kw) * a.block;
  const JobScratch padded(ctx.thread_pool(), 0, static_cast<size_t>(a.padded_w * a.block));
  for_rows_on_threads(ctx, planes * a.out_h, row_work, [&](int64_t begin, int64_t end, int thread) {
    pool_rows(a, max, begin, end, padded.at(thread));
  });
  return Status::ok();
}

}  // namespace edgeinfer::cpu::fast
