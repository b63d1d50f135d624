#version 450
// y = a OP b with broadcasting over 4 dims. p: 0 count, 1 op (0 add, 1 sub, 2 mul, 3 div,
// 4 prelu (a = x, b = slope), 5 max, 6 min, 7 pow), 2..5 output dims, 6..9 strides of a,
// 10..13 strides of b (0 on broadcast dims), 14 scale a: a is multiplied by scale[(ia / p[15])
// % p[16]] first (a per-channel gate folded in; p[15] elements per channel, p[16] channels).
#include "common.glsl"

EI_OUT(y)
EI_IN(1, a)
#define LD_a(i) EI_LD(a, 1, i)
EI_IN(2, b)
#define LD_b(i) EI_LD(b, 2, i)
EI_IN(3, scale)
#define LD_scale(i) EI_LD(scale, 3, i)

void main() {
  uint i = flat_index();
  if (i >= uint(p[0])) return;
  uint r = i;
  uint i3 = r % uint(p[5]); r /= uint(p[5]);
  uint i2 = r % uint(p[4]); r /= uint(p[4]);
  uint i1 = r % uint(p[3]); r /= uint(p[3]);
  uint i0 = r;
  uint ia = i0 * uint(p[6]) + i1 * uint(p[7]) + i2 * uint(p[8]) + i3 * uint(p[9]);
  uint ib = i0 * uint(p[10]) + i1 * uint(p[11]) + i2 * uint(p[12]) + i3 * uint(p[13]);
  float va = LD_a(ia);
  if (p[14] != 0) va *= LD_scale((ia / uint(p[15])) % uint(p[16]));
  float vb = LD_b(ib);
  float v;
  switch (p[1]) {
    case 0: v = va + vb; break;
    case 1: v = va - vb; break;
    case 2: v = va * vb; break;
    case 3: v = va / vb; break;
    case 4: v = va >= 0.0 ? va : vb * va; break;
    case 5: v = max(va, vb); break;
    case 6: v = min(va, vb); break;
    default: v = pow(va, vb); break;
  }
  EI_ST(y, i, v);
}
