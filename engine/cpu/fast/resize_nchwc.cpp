// Fast Resize on blocked channel layouts (cpu/blocked_layout.h): nearest and (bi)linear over H
// and W of float32 N x C/b x H x W x b tensors read and written in the same layout NCHW<b>c.
//
// The node's roi/scales/sizes describe the ONNX-layout 4-D tensor N x C' x H x W, as the
// reference's detour sees it (C' = the node's "channels" attribute, which the blocked layout
// pass sets, else C/b blocks x b lanes: padding lanes count as channels), so
// the spec is read (resize_spec.h, the planar fast kernel's rules and tables) on a view of the
// input with that shape; N and C' must keep their size. One vector per pixel: nearest copies a
// pixel per output pixel (a repeated input row is a memcpy of the previous output row); linear
// blends the two input rows of an output row into one row, then two pixels of it per output
// pixel. Work is split over the thread pool by output rows of all planes. Everything else
// (Upsample, cubic, resized N or C, the modes resize_spec.h lists) runs the reference kernel.
#include <cstring>
#include <vector>

#include "cpu/blocked_layout.h"
#include "cpu/fast/common.h"
#include "cpu/fast/nchwc_simd.h"
#include "cpu/fast/resize_spec.h"
#include "cpu/reference/dispatch.h"
#include "cpu/run_cache.h"

namespace edgeinfer::cpu::fast {
namespace {

// What the loops need, as plain numbers and pointers.
struct BlockedResizeArgs {
  const float* x = nullptr;
  float* y = nullptr;
  int64_t block = 0;
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  // Per output row / column: the input rows / columns and their weights (linear); nearest uses
  // row0 and col0 only.
  const int64_t* row0 = nullptr;
  const int64_t* row1 = nullptr;
  const float* row_w0 = nullptr;
  const float* row_w1 = nullptr;
  const int64_t* col0 = nullptr;
  const int64_t* col1 = nullptr;
  const float* col_w0 = nullptr;
  const float* col_w1 = nullptr;
};

namespace portable {
using V = VecScalar;
#include "cpu/fast/resize_nchwc.inc"
}  // namespace portable

#if EI_NCHWC_X86
EI_NCHWC_AVX512_BEGIN
namespace avx512 {
using V = VecAvx512;
#include "cpu/fast/resize_nchwc.inc"
}  // namespace avx512
EI_NCHWC_ISA_END

EI_NCHWC_AVX2_BEGIN
namespace avx2 {
using V = VecAvx2;
#include "cpu/fast/resize_nchwc.inc"
}  // namespace avx2
EI_NCHWC_ISA_END
#endif

using ResizeRowsFn = void (*)(const BlockedResizeArgs&, bool, int64_t, int64_t, float*);

// The loops for this block on this CPU.
ResizeRowsFn pick_loops(int64_t block) {
#if EI_NCHWC_X86
  const NchwcIsa isa = nchwc_isa();
  if (isa >= NchwcIsa::kAvx512 && block % 16 == 0) return avx512::resize_rows;
  if (isa >= NchwcIsa::kAvx2 && block % 8 == 0) return avx2::resize_rows;
#endif
  return portable::resize_rows;
}

// The node with input 0 shown as the ONNX-layout tensor the reference's detour resizes.
class PlanarView final : public KernelContext {
 public:
  PlanarView(const KernelContext& outer, TensorView x) : outer_(outer), x_(std::move(x)) {}
  const ir::Node& node() const override { return outer_.node(); }
  const TensorView& input(size_t i) const override { return i == 0 ? x_ : outer_.input(i); }
  Result<TensorView> allocate_output(size_t, DType, const Shape&) override {
    return fail(StatusCode::kInternal, "a planar view has no outputs");
  }

 private:
  const KernelContext& outer_;
  TensorView x_;
};

struct BlockedResizeRunCache final : RunCache {
  InputsKey key;
  bool fast = false;  // false: the reference kernel handles this node
  bool linear = false;
  Shape out_shape;
  BlockedResizeArgs args;  // sizes only; pointers to the tables below are set per run
  AxisTable rows, cols;
};

// Plans the run into `rc`; rc.fast stays false for what the reference kernel must handle.
void plan_blocked_resize(const KernelContext& ctx, BlockedResizeRunCache& rc) {
  rc.fast = false;
  const ir::Node& node = ctx.node();
  const int block = input_block(node);
  const TensorView& x = ctx.input(0);
  if (node.op_type != "Resize" || block == 0 || output_block(node) != block ||
      x.dtype != DType::kFloat32 || x.shape.size() != 5 || x.shape[4] != block ||
      x.elements() == 0) {
    return;
  }
  // The channels the node's sizes speak of: its "channels" attribute (what the blocked layout
  // pass writes), else every lane.
  const int64_t channels = node.attr_int(kChannelsAttr, x.shape[1] * block);
  if (channels <= (x.shape[1] - 1) * block || channels > x.shape[1] * block) return;
  TensorView planar = x;
  planar.shape = {x.shape[0], channels, x.shape[2], x.shape[3]};
  const std::optional<ResizeSpec> spec = fast_resize_spec(PlanarView(ctx, planar));
  if (!spec || spec->out.size() != 4) return;
  for (size_t d = 0; d < 2; ++d) {
    if (spec->out[d] != planar.shape[d] ||
        !is_identity(plan_resize_axis(*spec, d, planar.shape[d], planar.shape[d]), spec->mode)) {
      return;
    }
  }
  BlockedResizeArgs& a = rc.args;
  a = BlockedResizeArgs{};
  a.block = block;
  a.in_h = x.shape[2];
  a.in_w = x.shape[3];
  a.out_h = spec->out[2];
  a.out_w = spec->out[3];
  rc.linear = spec->mode == ResizeMode::kLinear;
  rc.rows = plan_resize_axis(*spec, 2, a.in_h, a.out_h);
  rc.cols = plan_resize_axis(*spec, 3, a.in_w, a.out_w);
  rc.out_shape = {x.shape[0], x.shape[1], a.out_h, a.out_w, block};
  rc.fast = true;
}

}  // namespace

Status blocked_resize(KernelContext& ctx) {
  if (!ctx.has_input(0)) return run_reference(ctx);
  BlockedResizeRunCache& rc = run_cache_of<BlockedResizeRunCache>(ctx);
  if (!rc.key.matches(ctx, 1)) {
    rc.key.clear();
    plan_blocked_resize(ctx, rc);
    rc.key.store(ctx, 1);
  }
  if (!rc.fast) return run_reference(ctx);
  EI_RETURN_IF_ERROR(reference::check_shape(ctx, rc.out_shape));
  EI_ASSIGN_OR_RETURN(const TensorView* y,
                      ctx.allocate_output_view(0, DType::kFloat32, rc.out_shape));
  if (y->elements() == 0) return Status::ok();
  BlockedResizeArgs a = rc.args;
  a.x = ctx.input(0).as<float>();
  a.y = y->as<float>();
  a.row0 = rc.rows.index0.data();
  a.row1 = rc.rows.index1.data();
  a.row_w0 = rc.rows.weight0.data();
  a.row_w1 = rc.rows.weight1.data();
  a.col0 = rc.cols.index0.data();
  a.col1 = rc.cols.index1.data();
  a.col_w0 = rc.cols.weight0.data();
  a.col_w1 = rc.cols.weight1.data();
  const ResizeRowsFn resize_rows = pick_loops(a.block);
  const bool linear = rc.linear;
  const int64_t rows = rc.out_shape[0] * rc.out_shape[1] * a.out_h;
  // Linear: one blended input row per thread.
  const JobScratch blended(ctx.thread_pool(), 0,
                           static_cast<size_t>(linear ? a.in_w * a.block : 0));
  for_rows_on_threads(ctx, rows, a.out_w * a.block * (linear ? 2 : 1),
                      [&](int64_t begin, int64_t end, int thread) {
                        resize_rows(a, linear, begin, end, blended.at(thread));
                      });
  return Status::ok();
}

}  // namespace edgeinfer::cpu::fast
