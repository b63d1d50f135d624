#version 450
// Batched matrix product y[b] = alpha * A[b] B[b] + beta * C, with the fused epilogue (channel =
// column). Strides make transposes and broadcast batches free. y is contiguous [batch, M, N].
// p: 0 M, 1 N, 2 K, 3 batch, 4 A batch stride, 5 B batch stride, 6 A row stride, 7 A col
// stride, 8 B row stride, 9 B col stride, 10 has C, 11 C row stride, 12 C col stride, 13 alpha,
// 14 beta, 15 activation, 16 act alpha, 17 act beta, 18 has residual, 19 slope count, 20 L:
// invocations per output element (lane_sum.glsl), each summing every L-th product.
#include "common.glsl"
#include "lane_sum.glsl"

EI_OUT(y)
EI_IN(1, a)
#define LD_a(i) EI_LD(a, 1, i)
EI_IN(2, b)
#define LD_b(i) EI_LD(b, 2, i)
EI_IN(3, c)
#define LD_c(i) EI_LD(c, 3, i)
EI_IN(4, residual)
#define LD_residual(i) EI_LD(residual, 4, i)
EI_IN(5, slope)
#define LD_slope(i) EI_LD(slope, 5, i)

void main() {
  int L = p[20];
  int lane = lane_of(L);
  uint i = lane_output(L);
  int M = p[0], N = p[1], K = p[2];
  bool in_range = i < uint(p[3] * M * N);
  int r = int(i);
  int n = r % N; r /= N;
  int m = r % M;
  int batch = r / M;
  int ai = batch * p[4] + m * p[6];
  int bi = batch * p[5] + n * p[9];
  float sum = 0.0;
  for (int k = lane; k < K && in_range; k += L) sum += LD_a(ai + k * p[7]) * LD_b(bi + k * p[8]);
  sum = lane_sum(sum, L);
  if (!in_range || lane != 0) return;
  sum *= param_float(13);
  if (p[10] != 0) sum += param_float(14) * LD_c(m * p[11] + n * p[12]);
  if (p[18] != 0) sum += LD_residual(i);
  float s = p[19] > 0 ? LD_slope(p[19] == 1 ? 0 : n) : 0.0;
  EI_ST(y, i, activate(sum, p[15], param_float(16), param_float(17), s));
}
