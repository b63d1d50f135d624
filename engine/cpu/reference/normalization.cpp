#include "cpu/reference/families.h"

namespace edgeinfer::cpu::reference {

void register_normalization(KernelRegistry&) {}

}  // namespace edgeinfer::cpu::reference
