#version 450
// Copies a 4-dim strided view into another: Transpose, Slice, Concat (one input at a time),
// Reshape. Bits are copied unchanged. p: 0 count, 1..4 dims, 5..8 source strides,
// 9..12 destination strides, 13 source base, 14 destination base (in elements; strides may be
// negative for Slice with negative steps).
#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Y { uint y[]; };
layout(std430, binding = 1) readonly buffer X { uint x[]; };

void main() {
  uint i = flat_index();
  if (i >= uint(p[0])) return;
  int r = int(i);
  int i3 = r % p[4]; r /= p[4];
  int i2 = r % p[3]; r /= p[3];
  int i1 = r % p[2]; r /= p[2];
  int i0 = r;
  int src = p[13] + i0 * p[5] + i1 * p[6] + i2 * p[7] + i3 * p[8];
  int dst = p[14] + i0 * p[9] + i1 * p[10] + i2 * p[11] + i3 * p[12];
  y[dst] = x[src];
}
