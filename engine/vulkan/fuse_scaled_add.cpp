#include "vulkan/fuse_scaled_add.h"

#include "passes/graph_edit.h"
#include "vulkan/fuse_channel_scale.h"
#include "vulkan/fuse_support.h"

namespace edgeinfer::vulkan {

namespace {

using passes::is_op;

bool try_fuse(ir::Graph& g, const passes::Uses& uses, ir::NodeId id) {
  const ir::Node& mul = g.nodes[id];
  if (!is_op(mul, "Mul") || mul.inputs.size() != 2 || mul.outputs.size() != 1) return false;
  const ir::ValueId product = mul.outputs[0];
  const ir::NodeId reader = uses.sole_reader(product);
  if (reader < 0) return false;
  const ir::Node& add = g.nodes[reader];
  if (!is_op(add, "Add") || add.inputs.size() != 2 || add.outputs.size() != 1 ||
      add.has_attr(kScaleAttr))
    return false;
  const ir::ValueId other = add.inputs[0] == product ? add.inputs[1] : add.inputs[0];
  if (other == product || !passes::is_static_float(g.value(other)) ||
      !passes::is_static_float(g.value(product)) ||
      g.value(other).static_shape() != g.value(product).static_shape() ||
      g.value(add.outputs[0]).static_shape() != g.value(product).static_shape())
    return false;
  const int i = per_channel_scaled_input(g, mul);
  if (i < 0) return false;
  ir::Node& sum = g.nodes[reader];
  sum.inputs = {mul.inputs[i], other, mul.inputs[1 - i]};
  sum.attributes[kScaleAttr] = int64_t{1};
  passes::remove_node(g, id);
  return true;
}

}  // namespace

Result<int> fuse_scaled_add(ir::Graph& graph, const std::vector<bool>& keep) {
  return passes::rewrite_to_fixed_point(graph, keep_options(graph, keep), try_fuse);
}

}  // namespace edgeinfer::vulkan
