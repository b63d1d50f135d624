// Activation fusion: the activation after a Conv, ConvTranspose or Gemm is applied by the
// producer's epilogue while the output is still in cache (cpu/fused_epilogue.h), instead of
// in another pass over the tensor. Besides the ONNX activation ops this matches the ways
// exporters write Swish (x * Sigmoid(x)), Mish (x * Tanh(Softplus(x))) and exact Gelu
// (x * 0.5 * (1 + Erf(x / sqrt 2)), the multiplications in any order).
#include <numbers>
#include <optional>

#include "cpu/fused_epilogue.h"
#include "passes/channel_affine.h"
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

struct Match {
  cpu::Activation activation = cpu::Activation::kNone;
  std::vector<float> params;
  ir::ValueId slope = ir::kNoValue;   // PRelu
  std::vector<ir::NodeId> nodes;      // the nodes the epilogue replaces
  ir::ValueId result = ir::kNoValue;  // the last node's output, now written by the producer
};

bool is_unary_of(const ir::Node& node, const char* op, ir::ValueId v) {
  return is_op(node, op) && !node.inputs.empty() && node.inputs[0] == v &&
         node.outputs.size() == 1 && node.outputs[0] != ir::kNoValue;
}

bool is_binary(const ir::Node& node, const char* op) {
  return is_op(node, op) && node.inputs.size() == 2 && node.outputs.size() == 1 &&
         node.outputs[0] != ir::kNoValue;
}

// One activation node reading v.
std::optional<Match> single_op(const ir::Graph& graph, const ir::Node& act, ir::NodeId act_id,
                               ir::ValueId v) {
  Match m;
  m.nodes = {act_id};
  m.result = act.outputs.empty() ? ir::kNoValue : act.outputs[0];
  if (act.outputs.size() != 1 || m.result == ir::kNoValue || act.inputs.empty() ||
      act.inputs[0] != v) {
    return std::nullopt;
  }
  using cpu::Activation;
  if (is_op(act, "Relu")) {
    m.activation = Activation::kRelu;
  } else if (is_op(act, "Sigmoid")) {
    m.activation = Activation::kSigmoid;
  } else if (is_op(act, "Tanh")) {
    m.activation = Activation::kTanh;
  } else if (is_op(act, "HardSwish")) {
    m.activation = Activation::kHardSwish;
  } else if (is_op(act, "Mish")) {
    m.activation = Activation::kMish;
  } else if (is_op(act, "Gelu") && act.attr_string("approximate", "none") == "none") {
    m.activation = Activation::kGelu;
  } else if (is_op(act, "LeakyRelu")) {
    m.activation = Activation::kLeakyRelu;
    m.params = {act.attr_float("alpha", 0.01f)};
  } else if (is_op(act, "HardSigmoid")) {
    m.activation = Activation::kHardSigmoid;
    m.params = {act.attr_float("alpha", 0.2f), act.attr_float("beta", 0.5f)};
  } else if (is_op(act, "Clip")) {
    const auto bounds = clip_bounds(graph, act);
    // With min > max ONNX gives max everywhere; the epilogue's clamp assumes min <= max.
    if (!bounds || !(bounds->first <= bounds->second)) return std::nullopt;
    m.activation = Activation::kClip;
    m.params = {bounds->first, bounds->second};
  } else if (is_op(act, "PRelu") && act.inputs.size() == 2) {
    // One slope, or one per channel laid out along dim 1 of the output.
    if (!per_channel_constant(graph, act.inputs[1], graph.value(v))) return std::nullopt;
    m.activation = Activation::kPRelu;
    m.slope = act.inputs[1];
  } else {
    return std::nullopt;
  }
  return m;
}

// Patterns where v has two readers, `first` and `second`, both part of the activation.
std::optional<Match> two_reader_pattern(const ir::Graph& graph, const Uses& uses, ir::ValueId v,
                                        ir::NodeId first, ir::NodeId second) {
  const size_t rank = graph.value(v).dims.size();
  for (int swap = 0; swap < 2; ++swap) {
    const ir::NodeId a_id = swap ? second : first;
    const ir::NodeId b_id = swap ? first : second;
    const ir::Node& a = graph.nodes[a_id];
    const ir::Node& b = graph.nodes[b_id];
    // Swish: Mul(v, Sigmoid(v))
    if (is_unary_of(a, "Sigmoid", v) && uses.sole_reader(a.outputs[0]) == b_id &&
        is_product_of(b, v, a.outputs[0])) {
      return Match{cpu::Activation::kSwish, {}, ir::kNoValue, {a_id, b_id}, b.outputs[0]};
    }
    // Mish: Mul(v, Tanh(Softplus(v)))
    if (is_unary_of(a, "Softplus", v)) {
      const ir::NodeId tanh_id = uses.sole_reader(a.outputs[0]);
      if (tanh_id < 0 || !is_unary_of(graph.nodes[tanh_id], "Tanh", a.outputs[0])) continue;
      const ir::ValueId t = graph.nodes[tanh_id].outputs[0];
      if (uses.sole_reader(t) != b_id || !is_product_of(b, v, t)) continue;
      return Match{cpu::Activation::kMish, {}, ir::kNoValue, {a_id, tanh_id, b_id}, b.outputs[0]};
    }
    // Gelu: Erf(v / sqrt 2) + 1, then times v and times 0.5 in any order.
    if (!is_scaled(graph, a, v, 1.f / std::numbers::sqrt2_v<float>, rank)) continue;
    const ir::NodeId erf_id = uses.sole_reader(a.outputs[0]);
    if (erf_id < 0 || !is_unary_of(graph.nodes[erf_id], "Erf", a.outputs[0])) continue;
    const ir::ValueId e = graph.nodes[erf_id].outputs[0];
    const ir::NodeId plus_id = uses.sole_reader(e);
    if (plus_id < 0 || !is_binary(graph.nodes[plus_id], "Add")) continue;
    const ir::Node& plus = graph.nodes[plus_id];
    const size_t one_at = plus.inputs[0] == e ? 1 : 0;
    if (plus.inputs[1 - one_at] != e || !is_scalar(graph, plus.inputs[one_at], 1.f, rank)) {
      continue;
    }
    const ir::ValueId p = plus.outputs[0];  // 1 + erf
    const ir::NodeId next_id = uses.sole_reader(p);
    if (next_id < 0) continue;
    const ir::Node& next = graph.nodes[next_id];
    std::vector<ir::NodeId> nodes = {a_id, erf_id, plus_id, next_id};
    ir::NodeId last_id = -1;
    if (next_id == b_id && is_product_of(b, v, p)) {  // (v * p) * 0.5
      last_id = uses.sole_reader(b.outputs[0]);
      if (last_id < 0 || !is_scaled(graph, graph.nodes[last_id], b.outputs[0], 0.5f, rank)) {
        continue;
      }
    } else if (is_scaled(graph, next, p, 0.5f, rank)) {  // v * (p * 0.5)
      last_id = b_id;
      if (uses.sole_reader(next.outputs[0]) != b_id || !is_product_of(b, v, next.outputs[0])) {
        continue;
      }
    } else if (is_scaled(graph, b, v, 0.5f, rank)) {  // (v * 0.5) * p
      last_id = next_id;
      if (uses.sole_reader(b.outputs[0]) != next_id || !is_product_of(next, b.outputs[0], p)) {
        continue;
      }
      nodes.back() = b_id;
    } else {
      continue;
    }
    nodes.push_back(last_id);
    return Match{cpu::Activation::kGelu, {}, ir::kNoValue, nodes, graph.nodes[last_id].outputs[0]};
  }
  return std::nullopt;
}

bool rewrite(ir::Graph& graph, const Uses& uses, ir::NodeId id) {
  if (!is_fusable_producer(graph, graph.nodes[id], /*allow_residual=*/true)) return false;
  const ir::ValueId v = graph.nodes[id].outputs[0];
  if (uses.is_protected(v) || !graph.value(v).has_shape) return false;
  const std::vector<Reader>& readers = uses.readers(v);
  std::optional<Match> match;
  if (readers.size() == 1) {
    match = single_op(graph, graph.nodes[readers[0].node], readers[0].node, v);
  } else if (readers.size() == 2 && readers[0].node != readers[1].node) {
    match = two_reader_pattern(graph, uses, v, readers[0].node, readers[1].node);
  }
  if (!match) return false;
  ir::Node& node = graph.nodes[id];
  node.attributes[cpu::kActivationAttr] = std::string(cpu::activation_name(match->activation));
  if (!match->params.empty()) node.attributes[cpu::kActivationParamsAttr] = match->params;
  if (match->slope != ir::kNoValue) set_input(node, cpu::kSlopeInput, match->slope);
  take_over_output(graph, id, match->result);
  remove_nodes(graph, match->nodes);
  return true;
}

}  // namespace

int fuse_activations(ir::Graph& graph, const PassOptions& options) {
  return rewrite_to_fixed_point(graph, options, rewrite);
}

}  // namespace edgeinfer::passes
