#version 450
// Softmax over the middle dim of [outer, axis, inner]; one invocation per (outer, inner) row.
// p: 0 outer, 1 axis size, 2 inner, 3 log (LogSoftmax).
#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer X { float x[]; };

void main() {
  uint i = flat_index();
  int outer = p[0], axis = p[1], inner = p[2];
  if (i >= uint(outer * inner)) return;
  int base = (int(i) / inner) * axis * inner + int(i) % inner;
  float m = -3.402823466e38;
  for (int a = 0; a < axis; ++a) m = max(m, x[base + a * inner]);
  float sum = 0.0;
  for (int a = 0; a < axis; ++a) sum += exp(x[base + a * inner] - m);
  for (int a = 0; a < axis; ++a) {
    float v = x[base + a * inner] - m;
    y[base + a * inner] = p[3] != 0 ? v - log(sum) : exp(v) / sum;
  }
}
