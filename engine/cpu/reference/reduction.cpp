#include "cpu/reference/families.h"

namespace edgeinfer::cpu::reference {

void register_reduction(KernelRegistry&) {}

}  // namespace edgeinfer::cpu::reference
