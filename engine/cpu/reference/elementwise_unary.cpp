#include "cpu/reference/families.h"

namespace edgeinfer::cpu::reference {

void register_elementwise_unary(KernelRegistry&) {}

}  // namespace edgeinfer::cpu::reference
