#include <algorithm>

#include "vulkan/ops/families.h"

namespace edgeinfer::vulkan {

namespace {

const OpTable& op_table() {
  static const OpTable table = [] {
    OpTable t;
    register_elementwise(t);
    register_convolution(t);
    register_pooling(t);
    register_resize(t);
    register_layout(t);
    register_matmul(t);
    register_softmax(t);
    register_dense_pair(t);
    return t;
  }();
  return table;
}

}  // namespace

OpFn find_vulkan_op(const std::string& op_type) {
  auto it = op_table().find(op_type);
  return it == op_table().end() ? nullptr : it->second;
}

void dispatch_in_pieces(OpBuilder& b, Dispatch base, uint64_t count,
                        const std::vector<Binding>& whole, const std::vector<bool>& full,
                        void (*set_piece)(Dispatch& d, uint64_t n, const std::vector<bool>& full)) {
  const uint64_t step = b.max_piece_elements();
  for (uint64_t first = 0; first < count; first += step) {
    const uint64_t n = std::min(step, count - first);
    Dispatch d = base;
    for (size_t k = 0; k < whole.size(); ++k)
      d.bindings[k] = full[k] ? b.piece(whole[k], first, n) : whole[k];
    set_piece(d, n, full);
    d.invocations = n;
    b.dispatch(d);
  }
}

}  // namespace edgeinfer::vulkan
