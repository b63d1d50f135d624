// The registry sessions run with: the reference kernels, overridden family by family by the
// fast ones.
#include "cpu/fast/families.h"

namespace edgeinfer::cpu {

const KernelRegistry& fast_kernels() {
  static const KernelRegistry registry = [] {
    KernelRegistry r = reference_kernels();
    fast::register_conv(r);
    fast::register_conv_transpose(r);
    fast::register_gemm(r);
    fast::register_fast_elementwise_binary(r);
    fast::register_fast_activations(r);
    fast::register_fast_normalization(r);
    fast::register_fast_pooling(r);
    fast::register_fast_softmax(r);
    fast::register_fast_transpose(r);
    fast::register_fast_resize(r);
    fast::register_fast_blocked_reorder(r);
    return r;
  }();
  return registry;
}

}  // namespace edgeinfer::cpu
