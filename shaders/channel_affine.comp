#version 450
// y = x * scale[c] + shift[c] (BatchNormalization folded on the host).
// p: 0 count, 1 channels, 2 inner (elements per channel and batch).
#include "common.glsl"

EI_OUT(y)
EI_IN(1, x)
#define LD_x(i) EI_LD(x, 1, i)
EI_IN(2, scale)
#define LD_scale(i) EI_LD(scale, 2, i)
EI_IN(3, shift)
#define LD_shift(i) EI_LD(shift, 3, i)

void main() {
  uint i = flat_index();
  if (i >= uint(p[0])) return;
  uint c = (i / uint(p[2])) % uint(p[1]);
  EI_ST(y, i, LD_x(i) * LD_scale(c) + LD_shift(c));
}
