#include "vulkan/fuse_support.h"

#include "passes/graph_edit.h"

namespace edgeinfer::vulkan {

passes::PassOptions keep_options(const ir::Graph& graph, const std::vector<bool>& keep) {
  passes::PassOptions options;
  for (size_t id = 0; id < keep.size() && id < graph.values.size(); ++id) {
    if (keep[id]) options.keep.push_back(graph.values[id].name);
  }
  return options;
}

bool per_channel_of(const Shape& s, const Shape& x) {
  if (x.size() != 4 || x[0] != 1 || s.empty() || s.size() > 4) return false;
  const size_t offset = 4 - s.size();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != (offset + i == 1 ? x[1] : 1)) return false;
  }
  return true;
}

int per_channel_scaled_input(const ir::Graph& g, const ir::Node& mul) {
  const ir::Value& out = g.value(mul.outputs[0]);
  if (!passes::is_static_float(out)) return -1;
  for (int i = 0; i < 2; ++i) {
    const ir::Value &x = g.value(mul.inputs[i]), &s = g.value(mul.inputs[1 - i]);
    if (passes::is_static_float(x) && passes::is_static_float(s) &&
        x.static_shape() == out.static_shape() &&
        per_channel_of(s.static_shape(), x.static_shape()))
      return i;
  }
  return -1;
}

}  // namespace edgeinfer::vulkan
