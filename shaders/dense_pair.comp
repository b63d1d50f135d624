#version 450
// Two dense layers on a vector in one workgroup of 1024 (vulkan/fuse_dense_pair.h):
// hidden = act1(x W1 + b1) in shared memory, then y = act2(hidden W2 + b2). Each layer's
// outputs get L lanes each (a power of two, L * outputs <= 1024), which share its sum and add
// their parts in shared memory, so no invocation walks a whole 128-long sum alone.
// p: 0 K (inputs), 1 H (hidden), 2 N (outputs), 3/4 W1 strides of k and h, 5/6 W2 strides of
// h and n, 7 has b1, 8 has b2, 9 act1, 10/11 its alpha/beta, 12 act2, 13/14 its alpha/beta,
// 15 L of the first layer, 16 L of the second. The host counts 64 invocations: one workgroup.
#define LOCAL_SIZE 1024
#include "common.glsl"

EI_OUT(y)
EI_IN(1, x)
#define LD_x(i) EI_LD(x, 1, i)
EI_IN(2, w1)
#define LD_w1(i) EI_LD(w1, 2, i)
EI_IN(3, b1)
#define LD_b1(i) EI_LD(b1, 3, i)
EI_IN(4, w2)
#define LD_w2(i) EI_LD(w2, 4, i)
EI_IN(5, b2)
#define LD_b2(i) EI_LD(b2, 5, i)

shared float hidden[LOCAL_SIZE];
shared float partial[LOCAL_SIZE];

// The sum of `v` over each group of L consecutive lanes (valid in the group's first lane).
// Called by every invocation: L is uniform.
float group_sum(float v, int lane, int L) {
  partial[lane] = v;
  barrier();
  for (int step = L / 2; step > 0; step /= 2) {
    if (lane % L < step) partial[lane] += partial[lane + step];
    barrier();
  }
  return partial[lane];
}

void main() {
  int lane = int(gl_LocalInvocationID.x);
  int K = p[0], H = p[1], N = p[2];
  int L1 = p[15], L2 = p[16];
  int h = lane / L1, sub1 = lane % L1;
  float s = 0.0;
  if (h < H) {
    for (int k = sub1; k < K; k += L1) s += LD_x(k) * LD_w1(k * p[3] + h * p[4]);
  }
  s = group_sum(s, lane, L1);
  if (h < H && sub1 == 0) {
    if (p[7] != 0) s += LD_b1(h);
    hidden[h] = activate(s, p[9], param_float(10), param_float(11), 0.0);
  }
  barrier();
  int n = lane / L2, sub2 = lane % L2;
  float t = 0.0;
  if (n < N) {
    for (int j = sub2; j < H; j += L2) t += hidden[j] * LD_w2(j * p[5] + n * p[6]);
  }
  t = group_sum(t, lane, L2);
  if (n < N && sub2 == 0) {
    if (p[8] != 0) t += LD_b2(n);
    EI_ST(y, n, activate(t, p[12], param_float(13), param_float(14), 0.0));
  }
}
