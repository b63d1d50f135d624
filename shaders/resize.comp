#version 450
// Separable resize of a 4-dim tensor through per-axis tap tables computed on the host (the
// coordinate transformation and nearest/linear weights of the reference kernel). Each output
// position of axis a has two taps: table[base_a + 4 * pos] = (index0, index1, weight0, weight1).
// p: 0 count, 1..4 output dims, 5..8 input dims, 9..12 table base of each axis (in floats).
#include "common.glsl"

EI_OUT(y)
EI_IN(1, x)
#define LD_x(i) EI_LD(x, 1, i)
EI_IN(2, table)
#define LD_table(i) EI_LD(table, 2, i)

void main() {
  uint i = flat_index();
  if (i >= uint(p[0])) return;
  int r = int(i);
  int o[4];
  o[3] = r % p[4]; r /= p[4];
  o[2] = r % p[3]; r /= p[3];
  o[1] = r % p[2]; r /= p[2];
  o[0] = r;
  vec4 t[4];
  for (int a = 0; a < 4; ++a) {
    int b = p[9 + a] + 4 * o[a];
    t[a] = vec4(LD_table(b), LD_table(b + 1), LD_table(b + 2), LD_table(b + 3));
  }
  float sum = 0.0;
  for (int j0 = 0; j0 < 2; ++j0) {
    float w0 = t[0][2 + j0];
    if (w0 == 0.0) continue;
    int x0 = int(t[0][j0]);
    for (int j1 = 0; j1 < 2; ++j1) {
      float w1 = w0 * t[1][2 + j1];
      if (w1 == 0.0) continue;
      int x1 = x0 * p[6] + int(t[1][j1]);
      for (int j2 = 0; j2 < 2; ++j2) {
        float w2 = w1 * t[2][2 + j2];
        if (w2 == 0.0) continue;
        int x2 = x1 * p[7] + int(t[2][j2]);
        for (int j3 = 0; j3 < 2; ++j3) {
          float w3 = w2 * t[3][2 + j3];
          if (w3 == 0.0) continue;
          sum += w3 * LD_x(x2 * p[8] + int(t[3][j3]));
        }
      }
    }
  }
  EI_ST(y, i, sum);
}
