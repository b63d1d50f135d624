#include "vulkan/fuse_nhwc_input.h"

#include "passes/pass.h"
#include "vulkan/fuse_support.h"

namespace edgeinfer::vulkan {

Result<int> fuse_nhwc_input(ir::Graph& graph, const std::vector<bool>& keep) {
  return passes::absorb_nhwc_input_transposes(graph, keep_options(graph, keep));
}

}  // namespace edgeinfer::vulkan
