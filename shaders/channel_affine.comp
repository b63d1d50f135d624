#version 450
// y = x * scale[c] + shift[c] (BatchNormalization folded on the host).
// p: 0 count, 1 channels, 2 inner (elements per channel and batch).
#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) readonly buffer S { float scale[]; };
layout(std430, binding = 3) readonly buffer T { float shift[]; };

void main() {
  uint i = flat_index();
  if (i >= uint(p[0])) return;
  uint c = (i / uint(p[2])) % uint(p[1]);
  y[i] = x[i] * scale[c] + shift[c];
}
