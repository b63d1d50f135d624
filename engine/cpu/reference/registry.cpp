#include "cpu/reference/families.h"

namespace edgeinfer::cpu {

const KernelRegistry& reference_kernels() {
  static const KernelRegistry registry = [] {
    KernelRegistry r;
    reference::register_elementwise_binary(r);
    reference::register_elementwise_unary(r);
    reference::register_convolution(r);
    reference::register_pooling(r);
    reference::register_normalization(r);
    reference::register_matmul(r);
    reference::register_reduction(r);
    reference::register_tensor_ops(r);
    reference::register_resize(r);
    reference::register_blocked_reorder(r);
    return r;
  }();
  return registry;
}

}  // namespace edgeinfer::cpu
