#include "cpu/reference/families.h"

namespace edgeinfer::cpu::reference {

void register_tensor_ops(KernelRegistry&) {}

}  // namespace edgeinfer::cpu::reference
