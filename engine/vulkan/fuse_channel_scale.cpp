#include "vulkan/fuse_channel_scale.h"

#include "ir/tensor_size.h"
#include "passes/graph_edit.h"

namespace edgeinfer::vulkan {

namespace {

using passes::is_op;

// `s` holds one float per channel (dim 1) of the rank-4 `x`: [1,C,1,1] or [C,1,1].
bool per_channel_of(const Shape& s, const Shape& x) {
  if (x.size() != 4 || x[0] != 1 || s.empty() || s.size() > 4) return false;
  const size_t offset = 4 - s.size();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != (offset + i == 1 ? x[1] : 1)) return false;
  }
  return true;
}

bool try_fuse(ir::Graph& g, const passes::Uses& uses, ir::NodeId id) {
  const ir::Node& mul = g.nodes[id];
  if (!is_op(mul, "Mul") || mul.inputs.size() != 2 || mul.outputs.size() != 1) return false;
  const ir::ValueId out = mul.outputs[0];
  const ir::NodeId reader = uses.sole_reader(out);
  if (reader < 0) return false;
  const ir::Node& conv = g.nodes[reader];
  if (!is_op(conv, "Conv") || conv.inputs.empty() || conv.inputs[0] != out ||
      conv.has_input(kChannelScaleInput) || conv.inputs.size() > kChannelScaleInput)
    return false;
  for (size_t swap = 0; swap < 2; ++swap) {
    const ir::ValueId x = mul.inputs[swap], s = mul.inputs[1 - swap];
    const ir::Value &xv = g.value(x), &sv = g.value(s), &ov = g.value(out);
    if (!passes::is_static_float(xv) || !passes::is_static_float(sv) ||
        !passes::is_static_float(ov) || xv.static_shape() != ov.static_shape() ||
        !per_channel_of(sv.static_shape(), xv.static_shape()))
      continue;
    ir::Node& c = g.nodes[reader];
    c.inputs[0] = x;
    passes::set_input(c, kChannelScaleInput, s);
    c.attributes[kChannelScaleAttr] = int64_t{1};
    passes::remove_node(g, id);
    return true;
  }
  return false;
}

}  // namespace

Result<int> fuse_channel_scale(ir::Graph& graph, const std::vector<bool>& keep) {
  passes::PassOptions options;
  for (size_t id = 0; id < keep.size() && id < graph.values.size(); ++id) {
    if (keep[id]) options.keep.push_back(graph.values[id].name);
  }
  return passes::rewrite_to_fixed_point(graph, options, try_fuse);
}

}  // namespace edgeinfer::vulkan
