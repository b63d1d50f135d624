#include "vulkan/fuse_support.h"

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

}  // namespace edgeinfer::vulkan
