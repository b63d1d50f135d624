#include "cpu/reference/families.h"

namespace edgeinfer::cpu::reference {

void register_pooling(KernelRegistry&) {}

}  // namespace edgeinfer::cpu::reference
