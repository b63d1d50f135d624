#version 450
// Direct 2-D convolution, NCHW, any group count (depthwise and 1x1 included), with the fused
// epilogue: y = act(conv(x, w) + bias + residual). L = p[22] invocations per output element
// (lane_sum.glsl), each summing every L-th input channel of the group.
// p: 0 N, 1 C, 2 H, 3 W, 4 K (output channels), 5 OH, 6 OW, 7 KH, 8 KW, 9 SH, 10 SW,
// 11 pad top, 12 pad left, 13 DH, 14 DW, 15 groups, 16 has bias, 17 activation, 18 alpha,
// 19 beta, 20 has residual, 21 slope count (PRelu), 22 L, 23 has channel scale: input channel
// c is multiplied by scale[n * C + c] (a squeeze-and-excite Mul folded in), 24..27 input
// strides of n, c, h, w in elements (NCHW, or an NHWC input read in place).
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
EI_IN(6, channel_scale)
#define LD_channel_scale(i) EI_LD(channel_scale, 6, i)

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
  int KH = p[7], KW = p[8];
  float sum = 0.0;
  if (in_range) {
    int groups = p[15];
    int cg = C / groups;
    int c0 = (k / (K / groups)) * cg;
    int ih0 = oh * p[9] - p[11];
    int iw0 = ow * p[10] - p[12];
    if (KH == 1 && KW == 1 && p[9] == 1 && p[10] == 1 && p[11] == 0 && p[12] == 0) {
      // Pointwise (most layers of the MediaPipe models): one load and one product per channel,
      // no window bounds.
      int xi = n * p[24] + c0 * p[25] + oh * p[26] + ow * p[27];
      int wi = k * cg;
      for (int c = lane; c < cg; c += L) {
        float v = LD_x(xi + c * p[25]) * LD_w(wi + c);
        sum += p[23] != 0 ? v * LD_channel_scale(n * C + c0 + c) : v;
      }
    } else
    for (int c = lane; c < cg; c += L) {
      int xbase = n * p[24] + (c0 + c) * p[25];
      int wbase = (k * cg + c) * KH;
      float channel_sum = 0.0;
      for (int kh = 0; kh < KH; ++kh) {
        int ih = ih0 + kh * p[13];
        if (ih < 0 || ih >= H) continue;
        int xrow = xbase + ih * p[26];
        int wrow = (wbase + kh) * KW;
        for (int kw = 0; kw < KW; ++kw) {
          int iw = iw0 + kw * p[14];
          if (iw < 0 || iw >= W) continue;
          channel_sum += LD_x(xrow + iw * p[27]) * LD_w(wrow + kw);
        }
      }
      sum += p[23] != 0 ? channel_sum * LD_channel_scale(n * C + c0 + c) : channel_sum;
    }
  }
  sum = lane_sum(sum, L);
  if (!in_range || lane != 0) return;
  if (p[16] != 0) sum += LD_bias(k);
  if (p[20] != 0) sum += LD_residual(i);
  float s = p[21] > 0 ? LD_slope(p[21] == 1 ? 0 : k) : 0.0;
  EI_ST(y, i, activate(sum, p[17], param_float(18), param_float(19), s));
}
