// The CPU executor's own Concat, for Concats whose inputs the memory plan placed as slices of
// the output (planner/concat_in_place.h): an input already at its slice is not copied.
#pragma once

#include "cpu/kernel.h"

namespace edgeinfer::cpu {

// Computes the Concat of ctx's node into its output buffer. Inputs that lie exactly where they
// belong are left alone; any other input is copied, through a temporary copy if it overlaps
// the output elsewhere (a plan made for other shapes), so the result is always correct.
// `shape` is scratch storage for the output shape, kept by the caller so that a steady run
// allocates nothing.
Status concat_into_slices(KernelContext& ctx, Shape& shape);

}  // namespace edgeinfer::cpu
