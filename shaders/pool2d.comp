#version 450
// Max or average pooling over the last two dims of an NCHW tensor (GlobalAveragePool is the
// window covering everything). p: 0 planes (N*C), 1 H, 2 W, 3 OH, 4 OW, 5 KH, 6 KW, 7 SH, 8 SW,
// 9 pad top, 10 pad left, 11 DH, 12 DW, 13 mode (0 max, 1 average), 14 count_include_pad,
// 15 pad bottom, 16 pad right.
#include "common.glsl"

EI_OUT(y)
EI_IN(1, x)
#define LD_x(i) EI_LD(x, 1, i)

void main() {
  uint i = flat_index();
  int H = p[1], W = p[2], OH = p[3], OW = p[4];
  if (i >= uint(p[0] * OH * OW)) return;
  int r = int(i);
  int ow = r % OW; r /= OW;
  int oh = r % OH;
  int plane = r / OH;
  float best = -3.402823466e38;
  float sum = 0.0;
  int count = 0, padded = 0;
  for (int kh = 0; kh < p[5]; ++kh) {
    int ih = oh * p[7] + kh * p[11] - p[9];
    bool row_in_pads = ih >= -p[9] && ih < H + p[15];
    for (int kw = 0; kw < p[6]; ++kw) {
      int iw = ow * p[8] + kw * p[12] - p[10];
      if (row_in_pads && iw >= -p[10] && iw < W + p[16]) ++padded;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      float v = LD_x((plane * H + ih) * W + iw);
      best = max(best, v);
      sum += v;
      ++count;
    }
  }
  if (p[13] == 0) {
    EI_ST(y, i, best);
  } else {
    int divisor = p[14] != 0 ? padded : count;
    EI_ST(y, i, divisor > 0 ? sum / float(divisor) : 0.0);
  }
}
