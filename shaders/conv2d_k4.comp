#version 450
// Direct 2-D convolution like conv2d.comp (same params, input strides and bindings), but each
// invocation computes four consecutive output channels of one output position: every input value it
// loads feeds four products instead of one. For wide layers (many output positions), where
// one invocation per output is bound by its loads rather than its arithmetic. Needs K / groups
// to be a multiple of 4 (the four channels share a group); p[22] (lanes) is 1.
#include "common.glsl"

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
  uint i = flat_index();
  int N = p[0], C = p[1], H = p[2], W = p[3], K = p[4], OH = p[5], OW = p[6];
  int plane = OH * OW;
  int K4 = K / 4;
  if (i >= uint(N * K4 * plane)) return;
  int r = int(i);
  int pos = r % plane; r /= plane;
  int k0 = (r % K4) * 4;
  int n = r / K4;
  int ow = pos % OW, oh = pos / OW;
  int KH = p[7], KW = p[8];
  int groups = p[15];
  int cg = C / groups;
  int c0 = (k0 / (K / groups)) * cg;
  int ih0 = oh * p[9] - p[11];
  int iw0 = ow * p[10] - p[12];
  int wstride = cg * KH * KW;  // between output channels
  vec4 sum = vec4(0.0);
  if (KH == 1 && KW == 1 && p[9] == 1 && p[10] == 1 && p[11] == 0 && p[12] == 0) {
    // Pointwise: one load per channel, no window bounds.
    int xi = n * p[24] + c0 * p[25] + oh * p[26] + ow * p[27];
    for (int c = 0; c < cg; ++c) {
      float v = LD_x(xi + c * p[25]);
      if (p[23] != 0) v *= LD_channel_scale(n * C + c0 + c);
      int wi = k0 * cg + c;
      sum += v * vec4(LD_w(wi), LD_w(wi + cg), LD_w(wi + 2 * cg), LD_w(wi + 3 * cg));
    }
  } else
  for (int c = 0; c < cg; ++c) {
    int xbase = n * p[24] + (c0 + c) * p[25];
    int wbase = (k0 * cg + c) * KH;
    vec4 channel_sum = vec4(0.0);
    for (int kh = 0; kh < KH; ++kh) {
      int ih = ih0 + kh * p[13];
      if (ih < 0 || ih >= H) continue;
      int xrow = xbase + ih * p[26];
      int wrow = (wbase + kh) * KW;
      for (int kw = 0; kw < KW; ++kw) {
        int iw = iw0 + kw * p[14];
        if (iw < 0 || iw >= W) continue;
        float v = LD_x(xrow + iw * p[27]);
        int wi = wrow + kw;
        channel_sum += v * vec4(LD_w(wi), LD_w(wi + wstride), LD_w(wi + 2 * wstride), LD_w(wi + 3 * wstride));
      }
    }
    sum += p[23] != 0 ? channel_sum * LD_channel_scale(n * C + c0 + c) : channel_sum;
  }
  for (int j = 0; j < 4; ++j) {
    int k = k0 + j;
    uint o = uint((n * K + k) * plane + pos);
    float v = sum[j];
    if (p[16] != 0) v += LD_bias(k);
    if (p[20] != 0) v += LD_residual(o);
    float s = p[21] > 0 ? LD_slope(p[21] == 1 ? 0 : k) : 0.0;
    EI_ST(y, o, activate(v, p[17], param_float(18), param_float(19), s));
  }
}
