#include "cpu/reference/families.h"

namespace edgeinfer::cpu::reference {

void register_convolution(KernelRegistry&) {}

}  // namespace edgeinfer::cpu::reference
