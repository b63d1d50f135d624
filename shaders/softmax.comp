#version 450
// Softmax over the middle dim of [outer, axis, inner]; one invocation per (outer, inner) row.
// p: 0 outer, 1 axis size, 2 inner, 3 log (LogSoftmax).
#include "common.glsl"

EI_OUT(y)
EI_IN(1, x)
#define LD_x(i) EI_LD(x, 1, i)

void main() {
  uint i = flat_index();
  int outer = p[0], axis = p[1], inner = p[2];
  if (i >= uint(outer * inner)) return;
  int base = (int(i) / inner) * axis * inner + int(i) % inner;
  float m = -3.402823466e38;
  for (int a = 0; a < axis; ++a) m = max(m, LD_x(base + a * inner));
  float sum = 0.0;
  for (int a = 0; a < axis; ++a) sum += exp(LD_x(base + a * inner) - m);
  for (int a = 0; a < axis; ++a) {
    float v = LD_x(base + a * inner) - m;
    EI_ST(y, base + a * inner, p[3] != 0 ? v - log(sum) : exp(v) / sum);
  }
}
