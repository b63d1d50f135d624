#include "vulkan/fuse_nhwc_input.h"

#include "passes/graph_edit.h"
#include "vulkan/fuse_support.h"

namespace edgeinfer::vulkan {

namespace {

using passes::is_op;

bool try_fuse(ir::Graph& g, const passes::Uses& uses, ir::NodeId id) {
  const ir::Node& t = g.nodes[id];
  if (!is_op(t, "Transpose") || t.inputs.size() != 1 || t.outputs.size() != 1 ||
      t.attr_ints("perm") != std::vector<int64_t>{0, 3, 1, 2})
    return false;
  const ir::ValueId out = t.outputs[0];
  const ir::NodeId reader = uses.sole_reader(out);
  if (reader < 0) return false;
  const ir::Node& conv = g.nodes[reader];
  if (!is_op(conv, "Conv") || conv.inputs.empty() || conv.inputs[0] != out ||
      conv.has_attr(kNhwcInputAttr) || !passes::is_static_float(g.value(t.inputs[0])) ||
      g.value(t.inputs[0]).static_shape().size() != 4)
    return false;
  ir::Node& c = g.nodes[reader];
  c.inputs[0] = t.inputs[0];
  c.attributes[kNhwcInputAttr] = int64_t{1};
  passes::remove_node(g, id);
  return true;
}

}  // namespace

Result<int> fuse_nhwc_input(ir::Graph& graph, const std::vector<bool>& keep) {
  return passes::rewrite_to_fixed_point(graph, keep_options(graph, keep), try_fuse);
}

}  // namespace edgeinfer::vulkan
