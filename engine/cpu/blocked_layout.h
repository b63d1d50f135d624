// Blocked channel layouts (NCHWc) for the CPU executor.
//
// A blocked tensor holds the ONNX-layout tensor N x C x D1 x ... x Dk as
// N x ceil(C/b) x D1 x ... x Dk x b: channel c lives in block c / b, lane c % b, so one SIMD
// register of b floats holds b channels of one pixel (b = 16 with AVX-512, 8 with AVX2). The
// graph carries blocked tensors with that 5-D (for 2-D images) shape, so the memory planner
// sizes them and elementwise ops and activations run on them unchanged (a per-channel operand
// becomes a 1 x C/b x 1 x 1 x b constant and NumPy broadcasting does the rest).
//
// Lanes past C in the last block are padding: reorders write zeros there, and the ops of a
// blocked region keep them finite (convolutions read them with zero weights; readers of the
// ONNX layout never see them).
//
// Nodes that read or write a blocked tensor say so with the layout attributes of
// cpu/input_layout.h, naming the block: "NCHW16c", "NCHW8c". For a Conv, a blocked output
// means a blocked residual too (the residual is laid out like the output). A ConvTranspose may
// read a blocked input 0 (its output stays in the ONNX or NHWC layout). Other ops in a
// blocked layout (pooling, Resize) carry their channel count C as attribute "channels": their
// other inputs (Resize sizes) speak of the ONNX-layout tensor. The reorders are the
// internal op kReorderOp (never in a model file: loading rejects it), with
//
//   attribute "ei_input_layout"   layout of input 0   ("NCHW" or "NCHW<b>c")
//   attribute "ei_output_layout"  layout of output 0  (the other one)
//   attribute "channels"          C, needed when unblocking (the padding hides it)
#pragma once

#include <cstdint>
#include <string>

#include "cpu/kernel.h"
#include "edgeinfer/tensor.h"

namespace edgeinfer::cpu {

inline constexpr const char* kReorderOp = "EdgeInferReorder";
inline constexpr const char* kChannelsAttr = "channels";

// The block the fastest kernels of this CPU use: 16 with AVX-512, else 8.
int preferred_channel_block();

// b of a layout name "NCHW<b>c" (b in 2..64); 0 for any other string.
int block_of_layout(const std::string& layout);
// "NCHW<b>c".
std::string blocked_layout_name(int block);
// The block of the node's input 0 / output 0 layout attribute; 0 when absent or not blocked.
int input_block(const ir::Node& node);
int output_block(const ir::Node& node);
// True for a node that reads or writes a blocked tensor (layout attributes or kReorderOp).
bool uses_blocked_layout(const ir::Node& node);

// ceil(channels / block).
inline int64_t channel_blocks(int64_t channels, int block) {
  return (channels + block - 1) / block;
}
// The blocked shape of an ONNX-layout shape (rank >= 2): N x ceil(C/b) x spatial... x b.
Shape blocked_shape(const Shape& planar, int block);
// The ONNX-layout shape of a blocked shape, given C.
Shape planar_shape(const Shape& blocked, int64_t channels);

// dst (blocked, padding zeroed) from src (N x C x `spatial` elements).
void block_channels(const float* src, float* dst, int64_t batch, int64_t channels, int64_t spatial,
                    int block);
// dst (N x C x `spatial`) from src (blocked); padding lanes are not read.
void unblock_channels(const float* src, float* dst, int64_t batch, int64_t channels,
                      int64_t spatial, int block);

// What a kReorderOp node does, checked against its input (errors name the node).
struct ReorderSpec {
  bool to_blocked = false;
  int block = 0;
  int64_t channels = 0;  // C
  int64_t spatial = 0;   // pixels per channel
  Shape output_shape;
};
Result<ReorderSpec> reorder_spec(const KernelContext& ctx);

// For reference kernels: runs `planar_kernel` (the op's ONNX-layout kernel) on ONNX-layout
// copies of the node's blocked operands and blocks its output 0 into the node's real output.
// The node the planar kernel sees has no layout attributes. Input 0 is blocked when the node's
// input layout is; output 0, and for Conv the residual input, when its output layout is.
Status run_through_planar_layout(KernelContext& ctx, KernelFn planar_kernel);

// The reference kernel `planar` made layout-aware: what reference registries register.
template <KernelFn planar>
Status with_blocked_layout(KernelContext& ctx) {
  if (uses_blocked_layout(ctx.node())) return run_through_planar_layout(ctx, planar);
  return planar(ctx);
}

}  // namespace edgeinfer::cpu
