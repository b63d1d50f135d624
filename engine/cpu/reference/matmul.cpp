#include "cpu/reference/families.h"

namespace edgeinfer::cpu::reference {

void register_matmul(KernelRegistry&) {}

}  // namespace edgeinfer::cpu::reference
