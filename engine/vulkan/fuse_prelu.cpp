#include "vulkan/fuse_prelu.h"

#include "cpu/fused_epilogue.h"
#include "ir/tensor_size.h"
#include "passes/graph_edit.h"
#include "vulkan/fuse_support.h"

namespace edgeinfer::vulkan {

namespace {

using passes::is_op;

// A float32 constant (overridable or not) of one value, or of one value per channel of
// `out` (dim 1) with every other dim 1 once right-aligned against it.
bool is_slope(const ir::Graph& g, ir::ValueId id, const Shape& out) {
  const ir::Value& v = g.value(id);
  if (v.kind != ir::ValueKind::kConstant || !v.constant || v.dtype != DType::kFloat32) return false;
  const Shape s = v.static_shape();
  const int64_t n = shape_elements(s);
  if (n == 1) return true;
  if (out.size() < 2 || s.size() > out.size() || n != out[1]) return false;
  const size_t offset = out.size() - s.size();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != (offset + i == 1 ? out[1] : 1)) return false;
  }
  return true;
}

bool try_fuse(ir::Graph& g, const passes::Uses& uses, ir::NodeId id) {
  const ir::Node& producer = g.nodes[id];
  if (!(is_op(producer, "Conv") || is_op(producer, "ConvTranspose") || is_op(producer, "Gemm")) ||
      producer.outputs.size() != 1 || producer.has_attr(cpu::kActivationAttr) ||
      producer.has_input(cpu::kSlopeInput))
    return false;
  const ir::ValueId v = producer.outputs[0];
  const ir::NodeId reader = uses.sole_reader(v);
  if (reader < 0) return false;
  const ir::Node& prelu = g.nodes[reader];
  if (!is_op(prelu, "PRelu") || prelu.inputs.size() != 2 || prelu.inputs[0] != v ||
      prelu.outputs.size() != 1 || !g.value(v).has_shape)
    return false;
  const ir::ValueId slope = prelu.inputs[1];
  if (!is_slope(g, slope, g.value(v).static_shape())) return false;
  const ir::ValueId out = prelu.outputs[0];
  ir::Node& node = g.nodes[id];
  node.attributes[cpu::kActivationAttr] =
      std::string(cpu::activation_name(cpu::Activation::kPRelu));
  passes::set_input(node, cpu::kSlopeInput, slope);
  passes::take_over_output(g, id, out);
  passes::remove_node(g, reader);
  return true;
}

}  // namespace

Result<int> fuse_prelu(ir::Graph& graph, const std::vector<bool>& keep) {
  return passes::rewrite_to_fixed_point(graph, keep_options(graph, keep), try_fuse);
}

}  // namespace edgeinfer::vulkan
