#include "passes/channel_affine.h"

#include <cmath>

#include "cpu/fused_epilogue.h"
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

float at(const std::vector<float>& v, int64_t c) {
  return v.size() == 1 ? v[0] : v[static_cast<size_t>(c)];
}

// Output channel of each weight element; empty when the weight layout is not understood.
std::vector<int64_t> weight_channels(const ir::Node& node, const Shape& w) {
  std::vector<int64_t> channel;
  if (w.empty()) return channel;
  const int64_t total = shape_elements(w);
  if (is_op(node, "Conv")) {  // [M, C/group, k...]
    const int64_t inner = total / (w[0] == 0 ? 1 : w[0]);
    for (int64_t i = 0; i < total; ++i)
      channel.push_back(i / inner);
  } else if (is_op(node, "ConvTranspose")) {  // [C, M/group, k...], channel = g * M/group + j
    if (w.size() < 2) return channel;
    const int64_t group = node.attr_int("group", 1);
    if (group <= 0 || w[0] % group != 0) return channel;
    const int64_t in_per_group = w[0] / group;
    const int64_t spatial = total / (w[0] * w[1] == 0 ? 1 : w[0] * w[1]);
    for (int64_t i = 0; i < total; ++i) {
      const int64_t c = i / (w[1] * spatial);
      const int64_t j = (i / spatial) % w[1];
      channel.push_back(c / in_per_group * w[1] + j);
    }
  } else if (is_op(node, "Gemm")) {  // B: [K, N], or [N, K] with transB
    if (w.size() != 2) return channel;
    const bool trans_b = node.attr_int("transB", 0) != 0;
    for (int64_t i = 0; i < total; ++i)
      channel.push_back(trans_b ? i / w[1] : i % w[1]);
  }
  return channel;
}

}  // namespace

bool is_fusable_producer(const ir::Graph& graph, const ir::Node& node, bool allow_residual) {
  if (!is_op(node, "Conv") && !is_op(node, "ConvTranspose") && !is_op(node, "Gemm")) return false;
  if (node.outputs.size() != 1 || node.outputs[0] == ir::kNoValue) return false;
  if (node.has_attr(cpu::kActivationAttr) ||
      (!allow_residual && node.has_input(cpu::kResidualInput)) ||
      node.has_input(cpu::kSlopeInput)) {
    return false;
  }
  return graph.value(node.outputs[0]).dtype == DType::kFloat32 && node.has_input(1);
}

int64_t output_channels(const ir::Graph& graph, const ir::Node& node) {
  if (!float_constant(graph, node.inputs[1])) return -1;
  const Shape& w = graph.value(node.inputs[1]).constant->shape();
  if (w.size() < 2) return -1;
  if (is_op(node, "Conv")) return w[0];
  if (is_op(node, "ConvTranspose")) return w[1] * node.attr_int("group", 1);
  if (is_op(node, "Gemm")) return node.attr_int("transB", 0) != 0 ? w[0] : w[1];
  return -1;
}

bool fold_affine_into(ir::Graph& graph, ir::NodeId id, const std::vector<float>& scale,
                      const std::vector<float>& shift) {
  const ir::Node& node = graph.nodes[id];
  const int64_t channels = output_channels(graph, node);
  if (channels <= 0) return false;
  for (const std::vector<float>* v : {&scale, &shift}) {
    if (v->size() != 1 && v->size() != static_cast<size_t>(channels)) return false;
  }
  const ir::ValueId weight_id = node.inputs[1];
  const Shape weight_shape = graph.value(weight_id).constant->shape();
  const std::vector<int64_t> channel_of = weight_channels(node, weight_shape);
  if (channel_of.empty()) return false;

  // The bias as one value per channel (Gemm's C times beta), 0 when absent.
  const bool gemm = is_op(node, "Gemm");
  const size_t bias_slot = 2;
  std::vector<float> bias(static_cast<size_t>(channels), 0.f);
  if (node.has_input(bias_slot)) {
    const ir::Value& out = graph.value(node.outputs[0]);
    std::optional<std::vector<float>> b =
        gemm ? per_channel_constant(graph, node.inputs[bias_slot], out) : std::nullopt;
    if (!gemm) {
      const float* data = float_constant(graph, node.inputs[bias_slot]);
      if (!data || graph.value(node.inputs[bias_slot]).constant->elements() != channels) {
        return false;
      }
      b = std::vector<float>(data, data + channels);
    }
    if (!b) return false;
    const float beta = gemm ? node.attr_float("beta", 1.f) : 1.f;
    for (int64_t c = 0; c < channels; ++c)
      bias[c] = at(*b, c) * beta;
  }

  bool scales = false;
  for (float s : scale)
    scales |= s != 1.f;
  ir::ValueId new_weight = weight_id;
  if (scales) {
    const float* w = float_constant(graph, weight_id);
    std::vector<float> scaled(channel_of.size());
    for (size_t i = 0; i < scaled.size(); ++i)
      scaled[i] = w[i] * at(scale, channel_of[i]);
    new_weight =
        add_float_constant(graph, graph.value(weight_id).name + "_folded", weight_shape, scaled);
  }
  std::vector<float> new_bias(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c)
    new_bias[c] = bias[c] * at(scale, c) + at(shift, c);
  const std::string bias_base = graph.nodes[id].name + "_bias";
  const ir::ValueId bias_id = add_float_constant(graph, bias_base, {channels}, new_bias);

  ir::Node& rewritten = graph.nodes[id];  // add_float_constant does not touch nodes
  rewritten.inputs[1] = new_weight;
  set_input(rewritten, bias_slot, bias_id);
  if (gemm) rewritten.attributes["beta"] = 1.f;
  return true;
}

std::optional<ChannelAffine> batch_norm_affine(const ir::Graph& graph, const ir::Node& bn,
                                               int64_t channels) {
  if (bn.op_type != "BatchNormalization" || bn.inputs.size() != 5 || channels <= 0 ||
      bn.attr_int("training_mode", 0) != 0 || bn.outputs.empty() || bn.outputs[0] == ir::kNoValue) {
    return std::nullopt;
  }
  for (size_t i = 1; i < bn.outputs.size(); ++i) {
    if (bn.outputs[i] != ir::kNoValue) return std::nullopt;  // running statistics are wanted
  }
  const float* stats[4];
  for (size_t i = 0; i < 4; ++i) {
    stats[i] = float_constant(graph, bn.inputs[i + 1]);
    if (!stats[i] || graph.value(bn.inputs[i + 1]).constant->elements() != channels) {
      return std::nullopt;
    }
  }
  const float epsilon = bn.attr_float("epsilon", 1e-5f);
  ChannelAffine affine;
  affine.scale.resize(static_cast<size_t>(channels));
  affine.shift.resize(affine.scale.size());
  for (int64_t c = 0; c < channels; ++c) {
    const float s = stats[0][c] / std::sqrt(stats[3][c] + epsilon);
    affine.scale[c] = s;
    affine.shift[c] = stats[1][c] - stats[2][c] * s;
  }
  return affine;
}

}  // namespace edgeinfer::passes
