// The fast CPU kernels: each family registers its kernels over the reference ones (ops a family
// does not cover, or shapes and types it declines, keep their reference kernel).
#pragma once

#include "cpu/kernel.h"

namespace edgeinfer::cpu::fast {}  // namespace edgeinfer::cpu::fast
