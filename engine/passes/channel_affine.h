// The producers the fusion passes fold into (Conv, ConvTranspose, Gemm), and the one rewrite
// BatchNormalization folding and Mul/Add folding share: make such a node compute
//     y' = y * scale[c] + shift[c]      (c: output channel)
// by scaling its weights per output channel and rewriting its bias.
#pragma once

#include <optional>
#include <vector>

#include "ir/graph.h"

namespace edgeinfer::passes {

// A Conv, ConvTranspose or Gemm with one float32 output and no fused epilogue yet (or, with
// `allow_residual`, only a fused residual: an activation still applies after it).
bool is_fusable_producer(const ir::Graph& graph, const ir::Node& node, bool allow_residual = false);

// Output channels of a fusable producer whose weights are a constant, or -1.
int64_t output_channels(const ir::Graph& graph, const ir::Node& node);

// Rewrites node `id` (a fusable producer) in place; `scale` and `shift` hold 1 value or one
// per output channel. Returns false, changing nothing, when the weights or bias are not
// fixed float32 constants of the expected layout. Weights shared with other nodes are not
// modified: the node gets new constants.
bool fold_affine_into(ir::Graph& graph, ir::NodeId id, const std::vector<float>& scale,
                      const std::vector<float>& shift);

// A BatchNormalization in inference form (no training mode, no running statistics wanted,
// constant statistics of `channels` values each) as y = x * scale[c] + shift[c].
struct ChannelAffine {
  std::vector<float> scale, shift;
};
std::optional<ChannelAffine> batch_norm_affine(const ir::Graph& graph, const ir::Node& bn,
                                               int64_t channels);

}  // namespace edgeinfer::passes
