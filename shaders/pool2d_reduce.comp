#version 450
// Pooling with large windows (global pools, the MediaPipe models' big average pools): one
// workgroup per output element; its 64 invocations take every 64th window position and then
// combine their partial results in shared memory. Params as pool2d.comp.
#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer X { float x[]; };

shared float partial_sum[64];
shared float partial_max[64];
shared int partial_count[64];
shared int partial_padded[64];

void main() {
  uint out_index = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  uint lane = gl_LocalInvocationID.x;
  int H = p[1], W = p[2], OH = p[3], OW = p[4], KH = p[5], KW = p[6];
  bool in_range = out_index < uint(p[0] * OH * OW);
  int r = int(out_index);
  int ow = r % OW; r /= OW;
  int oh = r % OH;
  int plane = r / OH;
  float best = -3.402823466e38;
  float sum = 0.0;
  int count = 0, padded = 0;
  if (in_range) {
    for (int k = int(lane); k < KH * KW; k += 64) {
      int kh = k / KW, kw = k % KW;
      int ih = oh * p[7] + kh * p[11] - p[9];
      int iw = ow * p[8] + kw * p[12] - p[10];
      if (ih >= -p[9] && ih < H + p[15] && iw >= -p[10] && iw < W + p[16]) ++padded;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      float v = x[(plane * H + ih) * W + iw];
      best = max(best, v);
      sum += v;
      ++count;
    }
  }
  partial_sum[lane] = sum;
  partial_max[lane] = best;
  partial_count[lane] = count;
  partial_padded[lane] = padded;
  barrier();
  for (uint step = 32u; step > 0u; step >>= 1) {
    if (lane < step) {
      partial_sum[lane] += partial_sum[lane + step];
      partial_max[lane] = max(partial_max[lane], partial_max[lane + step]);
      partial_count[lane] += partial_count[lane + step];
      partial_padded[lane] += partial_padded[lane + step];
    }
    barrier();
  }
  if (lane != 0u || !in_range) return;
  if (p[13] == 0) {
    y[out_index] = partial_max[0];
  } else {
    int divisor = p[14] != 0 ? partial_padded[0] : partial_count[0];
    y[out_index] = divisor > 0 ? partial_sum[0] / float(divisor) : 0.0;
  }
}
