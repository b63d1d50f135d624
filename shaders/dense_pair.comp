#version 450
// Two dense layers on a vector in one workgroup (vulkan/fuse_dense_pair.h):
// hidden = act1(x W1 + b1) in shared memory, then y = act2(hidden W2 + b2).
// p: 0 K (inputs), 1 H (hidden), 2 N (outputs), 3/4 W1 strides of k and h, 5/6 W2 strides of
// h and n, 7 has b1, 8 has b2, 9 act1, 10/11 its alpha/beta, 12 act2, 13/14 its alpha/beta.
// The host counts 64 invocations: one workgroup.
#define LOCAL_SIZE 256
#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) readonly buffer W1 { float w1[]; };
layout(std430, binding = 3) readonly buffer B1 { float b1[]; };
layout(std430, binding = 4) readonly buffer W2 { float w2[]; };
layout(std430, binding = 5) readonly buffer B2 { float b2[]; };

shared float hidden[1024];

void main() {
  int lane = int(gl_LocalInvocationID.x);
  int K = p[0], H = p[1], N = p[2];
  for (int h = lane; h < H; h += LOCAL_SIZE) {
    float s = 0.0;
    for (int k = 0; k < K; ++k) s += x[k] * w1[k * p[3] + h * p[4]];
    if (p[7] != 0) s += b1[h];
    hidden[h] = activate(s, p[9], param_float(10), param_float(11), 0.0);
  }
  barrier();
  for (int n = lane; n < N; n += LOCAL_SIZE) {
    float s = 0.0;
    for (int h = 0; h < H; ++h) s += hidden[h] * w2[h * p[5] + n * p[6]];
    if (p[8] != 0) s += b2[n];
    y[n] = activate(s, p[12], param_float(13), param_float(14), 0.0);
  }
}
