#include "vulkan/fuse_channel_scale.h"

#include "cpu/input_layout.h"
#include "ir/tensor_size.h"
#include "passes/graph_edit.h"
#include "vulkan/fuse_support.h"

namespace edgeinfer::vulkan {

namespace {

using passes::is_op;

bool try_fuse(ir::Graph& g, const passes::Uses& uses, ir::NodeId id) {
  const ir::Node& mul = g.nodes[id];
  if (!is_op(mul, "Mul") || mul.inputs.size() != 2 || mul.outputs.size() != 1) return false;
  const ir::ValueId out = mul.outputs[0];
  const ir::NodeId reader = uses.sole_reader(out);
  if (reader < 0) return false;
  const ir::Node& conv = g.nodes[reader];
  if (!is_op(conv, "Conv") || conv.inputs.empty() || conv.inputs[0] != out ||
      conv.has_input(kChannelScaleInput) || conv.inputs.size() > kChannelScaleInput ||
      conv.has_attr(cpu::kInputLayoutAttr))  // the scale is per channel of an NCHW input
    return false;
  const int i = per_channel_scaled_input(g, mul);
  if (i < 0) return false;
  const ir::ValueId x = mul.inputs[i], s = mul.inputs[1 - i];
  ir::Node& c = g.nodes[reader];
  c.inputs[0] = x;
  passes::set_input(c, kChannelScaleInput, s);
  c.attributes[kChannelScaleAttr] = int64_t{1};
  passes::remove_node(g, id);
  return true;
}

}  // namespace

Result<int> fuse_channel_scale(ir::Graph& graph, const std::vector<bool>& keep) {
  return passes::rewrite_to_fixed_point(graph, keep_options(graph, keep), try_fuse);
}

}  // namespace edgeinfer::vulkan
