#version 450
// y = f(x) elementwise. p: 0 count, 1 op (cpu::Activation, or 32 exp, 33 neg, 34 sqrt, 35 abs,
// 36 reciprocal), 2 alpha, 3 beta (float bits).
#include "common.glsl"

EI_OUT(y)
EI_IN(1, x)
#define LD_x(i) EI_LD(x, 1, i)

void main() {
  uint i = flat_index();
  if (i >= uint(p[0])) return;
  float v = LD_x(i);
  int op = p[1];
  if (op == 32) v = exp(v);
  else if (op == 33) v = -v;
  else if (op == 34) v = sqrt(v);
  else if (op == 35) v = abs(v);
  else if (op == 36) v = 1.0 / v;
  else v = activate(v, op, param_float(2), param_float(3), 0.0);
  EI_ST(y, i, v);
}
