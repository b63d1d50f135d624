#version 450
// Copies a 4-dim strided view into another: Transpose, Slice, Concat (one input at a time),
// Reshape. Bits are copied unchanged. p: 0 count, 1..4 dims, 5..8 source strides,
// 9..12 destination strides, 13 source base, 14 destination base (in elements; strides may be
// negative for Slice with negative steps).
#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Y { uint y[]; };
layout(std430, binding = 1) readonly buffer X { uint x[]; };
#ifdef EI_FP16
// 16-bit float views (common.glsl): a copy between an fp16 and an fp32 tensor converts; only
// float tensors are ever stored as fp16, so the bits then are a float's.
layout(std430, binding = 0) writeonly buffer Yh { float16_t y_h[]; };
layout(std430, binding = 1) readonly buffer Xh { float16_t x_h[]; };
#endif

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
#ifdef EI_FP16
  if (EI_HALF(0) || EI_HALF(1)) {
    float v = EI_HALF(1) ? float(x_h[src]) : uintBitsToFloat(x[src]);
    if (EI_HALF(0))
      y_h[dst] = float16_t(v);
    else
      y[dst] = floatBitsToUint(v);
    return;
  }
#endif
  y[dst] = x[src];
}
