#version 450
// 2-D transposed convolution, NCHW, weights [C, K / groups, KH, KW], gathered per output
// element, with the fused epilogue. p: as conv2d.comp (0 N, 1 C, 2 H, 3 W, 4 K, 5 OH, 6 OW,
// 7 KH, 8 KW, 9 SH, 10 SW, 11 pad top, 12 pad left, 13 DH, 14 DW, 15 groups, 16 has bias,
// 17 activation, 18 alpha, 19 beta, 20 has residual, 21 slope count, 22 L: invocations per
// output element (lane_sum.glsl), each summing every L-th input channel).
#include "common.glsl"
#include "lane_sum.glsl"

EI_OUT(y)
EI_IN(1, x)
#define LD_x(i) EI_LD(x, 1, i)
EI_IN(2, w)
#define LD_w(i) EI_LD(w, 2, i)
EI_IN(3, bias)
#define LD_bias(i) EI_LD(bias, 3, i)
EI_IN(4, residual)
#define LD_residual(i) EI_LD(residual, 4, i)
EI_IN(5, slope)
#define LD_slope(i) EI_LD(slope, 5, i)

void main() {
  int L = p[22];
  int lane = lane_of(L);
  uint i = lane_output(L);
  int N = p[0], C = p[1], H = p[2], W = p[3], K = p[4], OH = p[5], OW = p[6];
  bool in_range = i < uint(N * K * OH * OW);
  int r = int(i);
  int ow = r % OW; r /= OW;
  int oh = r % OH; r /= OH;
  int k = r % K;
  int n = r / K;
  int KH = p[7], KW = p[8], SH = p[9], SW = p[10];
  int groups = p[15];
  int cg = C / groups;
  int kg = K / groups;
  int g = k / kg;
  int kk = k % kg;
  float sum = 0.0;
  for (int kh = 0; kh < KH && in_range; ++kh) {
    int th = oh + p[11] - kh * p[13];
    if (th < 0 || th % SH != 0) continue;
    int ih = th / SH;
    if (ih >= H) continue;
    for (int kw = 0; kw < KW; ++kw) {
      int tw = ow + p[12] - kw * p[14];
      if (tw < 0 || tw % SW != 0) continue;
      int iw = tw / SW;
      if (iw >= W) continue;
      for (int c = lane; c < cg; c += L) {
        int ci = g * cg + c;
        sum += LD_x(((n * C + ci) * H + ih) * W + iw) * LD_w(((ci * kg + kk) * KH + kh) * KW + kw);
      }
    }
  }
  sum = lane_sum(sum, L);
  if (!in_range || lane != 0) return;
  if (p[16] != 0) sum += LD_bias(k);
  if (p[20] != 0) sum += LD_residual(i);
  float s = p[21] > 0 ? LD_slope(p[21] == 1 ? 0 : k) : 0.0;
  EI_ST(y, i, activate(sum, p[17], param_float(18), param_float(19), s));
}
