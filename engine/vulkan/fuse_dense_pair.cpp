#include "vulkan/fuse_dense_pair.h"

#include <optional>

#include "cpu/fused_epilogue.h"
#include "cpu/input_layout.h"
#include "ir/tensor_size.h"
#include "passes/graph_edit.h"
#include "vulkan/aliases.h"
#include "vulkan/fuse_channel_scale.h"
#include "vulkan/fuse_support.h"

namespace edgeinfer::vulkan {

namespace {

using passes::is_op;

// One dense layer y[n] = act(sum_k x[k] W(k, n) + b[n]) on a vector.
struct Dense {
  ir::ValueId x = ir::kNoValue, w = ir::kNoValue, b = ir::kNoValue;
  int64_t k = 0, n = 0;
  bool transposed = false;  // W is [n, k]
  std::string activation;
  std::vector<float> params;
};

bool constant_float(const ir::Graph& g, ir::ValueId id) {
  const ir::Value& v = g.value(id);
  return v.kind == ir::ValueKind::kConstant && v.constant && v.dtype == DType::kFloat32;
}

// Activations that need no input of their own (not PRelu), with the parameters they need.
bool plain_activation(const std::string& name, const std::vector<float>& params) {
  if (name.empty() || name == "Relu" || name == "Sigmoid" || name == "HardSwish" || name == "Tanh")
    return true;
  if (name == "Clip" || name == "HardSigmoid") return params.size() == 2;
  if (name == "LeakyRelu") return params.size() == 1;
  return false;
}

std::optional<Dense> dense_of(const ir::Graph& g, const ir::Node& node) {
  if (!(is_op(node, "Gemm") || is_op(node, "Conv")) || !node.has_input(0) || !node.has_input(1) ||
      node.outputs.size() != 1 || node.outputs[0] == ir::kNoValue ||
      node.has_input(cpu::kResidualInput) || node.has_input(cpu::kSlopeInput) ||
      node.has_attr(kChannelScaleAttr) || node.has_attr(cpu::kInputLayoutAttr) ||
      !passes::is_static_float(g.value(node.inputs[0])) ||
      !passes::is_static_float(g.value(node.outputs[0])) || !constant_float(g, node.inputs[1]))
    return std::nullopt;
  Dense d;
  d.x = node.inputs[0];
  d.w = node.inputs[1];
  d.b = node.has_input(2) ? node.inputs[2] : ir::kNoValue;
  d.activation = node.attr_string(cpu::kActivationAttr, "");
  d.params = node.attr_floats(cpu::kActivationParamsAttr);
  if (!plain_activation(d.activation, d.params)) return std::nullopt;
  const Shape x = g.value(d.x).static_shape(), w = g.value(d.w).static_shape();
  if (is_op(node, "Gemm")) {
    if (x.size() != 2 || x[0] != 1 || w.size() != 2 || node.attr_int("transA", 0) != 0 ||
        node.attr_float("alpha", 1.f) != 1.f || node.attr_float("beta", 1.f) != 1.f)
      return std::nullopt;
    d.transposed = node.attr_int("transB", 0) != 0;
    d.k = x[1];
    d.n = d.transposed ? w[0] : w[1];
    if ((d.transposed ? w[1] : w[0]) != d.k) return std::nullopt;
  } else if (is_op(node, "Conv")) {
    // A 1x1 Conv on a 1x1 image: W [n, k, 1, 1].
    if (x.size() != 4 || x[0] != 1 || x[2] != 1 || x[3] != 1 || w.size() != 4 || w[2] != 1 ||
        w[3] != 1 || w[1] != x[1] || node.attr_int("group", 1) != 1)
      return std::nullopt;
    for (int64_t p : node.attr_ints("pads", {}))
      if (p != 0) return std::nullopt;
    d.transposed = true;
    d.k = x[1];
    d.n = w[0];
  } else {
    return std::nullopt;
  }
  if (shape_elements(g.value(node.outputs[0]).static_shape()) != d.n) return std::nullopt;
  if (d.b != ir::kNoValue &&
      (!constant_float(g, d.b) || shape_elements(g.value(d.b).static_shape()) != d.n))
    return std::nullopt;
  return d;
}

bool try_fuse(ir::Graph& g, const passes::Uses& uses, ir::NodeId id) {
  const auto first = dense_of(g, g.nodes[id]);
  if (!first || first->n > kDensePairWorkgroup) return false;
  std::vector<ir::NodeId> dropped = {id};
  ir::ValueId v = g.nodes[id].outputs[0];
  ir::NodeId next = uses.sole_reader(v);
  while (next >= 0 && same_bytes_new_shape(g, g.nodes[next]) && g.nodes[next].inputs[0] == v) {
    dropped.push_back(next);
    v = g.nodes[next].outputs[0];
    next = uses.sole_reader(v);
  }
  if (next < 0 || !g.nodes[next].has_input(0) || g.nodes[next].inputs[0] != v) return false;
  const auto second = dense_of(g, g.nodes[next]);
  if (!second || second->k != first->n || second->n > kDensePairWorkgroup) return false;
  ir::Node& pair = g.nodes[next];
  pair.op_type = kDensePairOp;
  pair.domain = kVulkanDomain;
  pair.inputs = {first->x, first->w, first->b, second->w, second->b};
  pair.attributes.clear();
  pair.attributes[kW1Transposed] = int64_t{first->transposed ? 1 : 0};
  pair.attributes[kW2Transposed] = int64_t{second->transposed ? 1 : 0};
  if (!first->activation.empty()) pair.attributes[kFirstActivationAttr] = first->activation;
  if (!first->params.empty()) pair.attributes[kFirstActivationParamsAttr] = first->params;
  if (!second->activation.empty()) pair.attributes[cpu::kActivationAttr] = second->activation;
  if (!second->params.empty()) pair.attributes[cpu::kActivationParamsAttr] = second->params;
  passes::remove_nodes(g, dropped);
  return true;
}

}  // namespace

Result<int> fuse_dense_pairs(ir::Graph& graph, const std::vector<bool>& keep,
                             uint32_t max_workgroup_size) {
  if (max_workgroup_size < kDensePairWorkgroup) return 0;
  return passes::rewrite_to_fixed_point(graph, keep_options(graph, keep), try_fuse);
}

}  // namespace edgeinfer::vulkan
