// Fast Conv for blocked channel layouts (cpu/blocked_layout.h): a Conv whose output layout is
// "NCHW<b>c" writes N x ceil(M/b) x OH x OW x b, reading input 0 blocked with the same b (every
// Conv of a blocked region after the first), NCHW or NHWC (a first layer).
//
//   "nchwc"            group 1, any window, stride, padding and dilation: a direct kernel over
//                      strips of output pixels of one output row (kernels/nchwc_conv.h), weights
//                      packed per output block as [input channel][tap][b lanes];
//   "nchwc-depthwise"  group == C == M with a blocked input: a vector FMA per tap and pixel.
//
// Bias, the fused residual (laid out like the output, so blocked) and the activation are applied
// as each strip is stored. Block 16 on AVX-512 runs the AVX-512 strip kernels, block 8 on AVX2
// the AVX2 ones (kernels/nchwc_strips.inc); any other block or CPU the portable loops of
// conv_nchwc.cpp. Everything else (other groups, mismatched
// blocks, non-float tensors, fed weights) runs the reference kernel, never a planar algorithm.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cpu/kernel.h"
#include "cpu/kernels/nchwc_conv.h"

namespace edgeinfer::cpu::fast {

inline constexpr const char* kNchwcConv = "nchwc";
inline constexpr const char* kNchwcDepthwise = "nchwc-depthwise";

// The algorithm of this file that applies to a Conv node with a blocked output layout ("" when
// none does: the node then runs the reference kernel).
std::string nchwc_conv_algorithm(const PrepareContext& ctx);

// The prepared state of `algorithm` (one nchwc_conv_algorithm returned), its weights packed
// through ctx's weight cache.
std::unique_ptr<PreparedState> prepare_nchwc_conv(const PrepareContext& ctx,
                                                  const std::string& algorithm);

// The strip kernels for `block` on this CPU: AVX-512 for 16, AVX2 for 8 where the CPU has them,
// else the portable loops (any block).
struct NchwcStripKernels {
  const char* isa;  // "avx512", "avx2", "portable"
  kernels::NchwcConvStripFn conv;
  kernels::NchwcDepthwiseStripFn depthwise;
  int max_strip, max_depthwise_strip;
  bool depthwise_clips_columns;  // takes whole-row strips (NchwcDepthwiseStrip::col_lo)
};
NchwcStripKernels nchwc_strip_kernels(int block);
// The portable loops alone (tests compare the ISA kernels with them).
NchwcStripKernels nchwc_portable_strip_kernels();

// True for a Conv that the ONNX layout runs faster than these kernels: one the planar rule
// gives Winograd F(4,3) (a 3x3 stride-1 layer with many channels on a large enough image), which
// does fewer multiplications than any direct kernel. The blocked layout pass leaves it planar.
bool conv_prefers_planar_layout(const ir::Graph& graph, const ir::Node& node);

// The layout a Conv algorithm name (an --algo value) runs in: true for this file's (blocked),
// false for conv.cpp's planar ones, nothing for names no Conv algorithm has ("reference", other
// ops' algorithms).
std::optional<bool> conv_algorithm_is_blocked(const std::string& algorithm);

// True for a state prepare_nchwc_conv made.
bool is_nchwc_state(const PreparedState* state);

// Runs the node with its nchwc state (the reference kernel for inputs it does not cover).
Status run_nchwc_conv(KernelContext& ctx, const PreparedState& state);

}  // namespace edgeinfer::cpu::fast
