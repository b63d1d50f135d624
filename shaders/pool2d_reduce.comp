#version 450
// Pooling with large windows (global pools, the MediaPipe models' big average pools): one
// workgroup of 256 per output element; its invocations take every 256th window position and
// then combine their partial results in shared memory. A window that is a whole plane without
// padding (global pooling) is read as one contiguous run, four loads in flight per invocation.
// Params as pool2d.comp; the host counts 64 invocations per output (one workgroup).
#define LOCAL_SIZE 256
#include "common.glsl"

EI_OUT(y)
EI_IN(1, x)
#define LD_x(i) EI_LD(x, 1, i)

shared float partial_sum[LOCAL_SIZE];
shared float partial_max[LOCAL_SIZE];
shared int partial_count[LOCAL_SIZE];
shared int partial_padded[LOCAL_SIZE];

void main() {
  uint out_index = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  int lane = int(gl_LocalInvocationID.x);
  int H = p[1], W = p[2], OH = p[3], OW = p[4], KH = p[5], KW = p[6];
  bool in_range = out_index < uint(p[0] * OH * OW);
  int r = int(out_index);
  int ow = r % OW; r /= OW;
  int oh = r % OH;
  int plane = r / OH;
  float best = -3.402823466e38;
  float sum = 0.0;
  int count = 0, padded = 0;
  bool whole = KH == H && KW == W && OH == 1 && OW == 1 && p[9] == 0 && p[10] == 0 &&
               p[15] == 0 && p[16] == 0 && p[11] == 1 && p[12] == 1;
  if (in_range && whole) {
    int n = H * W;
    int base = plane * n;
    float s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int k = lane;
    for (; k + 3 * LOCAL_SIZE < n; k += 4 * LOCAL_SIZE) {
      float a = LD_x(base + k), b = LD_x(base + k + LOCAL_SIZE);
      float c = LD_x(base + k + 2 * LOCAL_SIZE), d = LD_x(base + k + 3 * LOCAL_SIZE);
      sum += a; s1 += b; s2 += c; s3 += d;
      best = max(max(best, a), max(b, max(c, d)));
      count += 4;
    }
    for (; k < n; k += LOCAL_SIZE) {
      float a = LD_x(base + k);
      sum += a;
      best = max(best, a);
      ++count;
    }
    sum += s1 + s2 + s3;
    padded = count;
  } else if (in_range) {
    for (int k = lane; k < KH * KW; k += LOCAL_SIZE) {
      int kh = k / KW, kw = k % KW;
      int ih = oh * p[7] + kh * p[11] - p[9];
      int iw = ow * p[8] + kw * p[12] - p[10];
      if (ih >= -p[9] && ih < H + p[15] && iw >= -p[10] && iw < W + p[16]) ++padded;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      float v = LD_x((plane * H + ih) * W + iw);
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
  for (int step = LOCAL_SIZE / 2; step > 0; step >>= 1) {
    if (lane < step) {
      partial_sum[lane] += partial_sum[lane + step];
      partial_max[lane] = max(partial_max[lane], partial_max[lane + step]);
      partial_count[lane] += partial_count[lane + step];
      partial_padded[lane] += partial_padded[lane + step];
    }
    barrier();
  }
  if (lane != 0 || !in_range) return;
  if (p[13] == 0) {
    EI_ST(y, out_index, partial_max[0]);
  } else {
    int divisor = p[14] != 0 ? partial_padded[0] : partial_count[0];
    EI_ST(y, out_index, divisor > 0 ? partial_sum[0] / float(divisor) : 0.0);
  }
}
