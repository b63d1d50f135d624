#include "cpu/reference/families.h"

namespace edgeinfer::cpu::reference {

void register_resize(KernelRegistry&) {}

}  // namespace edgeinfer::cpu::reference
