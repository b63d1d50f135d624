#include "frame_to_tensor.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "vector_clones.h"

namespace edgeinfer::gst {

Result<TensorLayout> layout_for_input(const TensorInfo& input, const std::string& layout_hint) {
  const Shape& s = input.shape;
  if (input.dtype != DType::kFloat32 || s.size() != 4 || (s[0] != 1 && s[0] != -1)) {
    return error(StatusCode::kUnsupported, "model input '" + input.name + "' is " +
                                               dtype_name(input.dtype) + " " + shape_to_string(s) +
                                               "; expected float32 [1,H,W,3] or [1,3,H,W]");
  }
  TensorLayout layout;
  bool nchw;
  if (layout_hint == "nchw") {
    nchw = true;
  } else if (layout_hint == "nhwc") {
    nchw = false;
  } else {
    nchw = s[1] == 3 && s[3] != 3;
  }
  const int64_t channels = nchw ? s[1] : s[3];
  const int64_t h = nchw ? s[2] : s[1];
  const int64_t w = nchw ? s[3] : s[2];
  if (channels != 3 || h <= 0 || w <= 0 || h > 8192 || w > 8192) {
    return error(StatusCode::kUnsupported, "model input '" + input.name + "' " +
                                               shape_to_string(s) +
                                               " is not a 3-channel image of fixed size");
  }
  layout.nchw = nchw;
  layout.width = static_cast<int>(w);
  layout.height = static_cast<int>(h);
  return layout;
}

namespace {

void make_taps(int dst, int src, std::vector<int>& i0, std::vector<int>& i1,
               std::vector<float>& f) {
  i0.resize(dst);
  i1.resize(dst);
  f.resize(dst);
  const float ratio = static_cast<float>(src) / dst;
  for (int d = 0; d < dst; ++d) {
    const float pos = std::clamp((d + 0.5f) * ratio - 0.5f, 0.0f, static_cast<float>(src - 1));
    const int i = static_cast<int>(pos);
    i0[d] = i;
    i1[d] = std::min(i + 1, src - 1);
    f[d] = pos - i;
  }
}

// YUV -> RGB in [0,255] as yuv_to_rgb computes it, folded into one linear map per channel.
struct YuvToRgb {
  float y_offset, y_gain, rv, gu, gv, bu;
  explicit YuvToRgb(const YuvMatrix& m) {
    const float ys = m.full_range ? 1 / 255.0f : 1 / 219.0f;
    const float cs = m.full_range ? 1 / 255.0f : 1 / 224.0f;
    const float kg = 1 - m.kr - m.kb;
    y_offset = m.full_range ? 0.0f : 16.0f;
    y_gain = 255 * ys;
    rv = 255 * cs * 2 * (1 - m.kr);
    bu = 255 * cs * 2 * (1 - m.kb);
    gu = -255 * cs * m.kb * 2 * (1 - m.kb) / kg;
    gv = -255 * cs * m.kr * 2 * (1 - m.kr) / kg;
  }
};

inline float clamp255(float v) {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

// One tensor row of one component: bilinear from two frame rows at byte offsets x0/x1.
EI_VECTOR_CLONES
void sample_row(const uint8_t* __restrict r0, const uint8_t* __restrict r1,
                const int* __restrict x0, const int* __restrict x1, const float* __restrict fx,
                float fy, int n, float* __restrict out) {
  for (int x = 0; x < n; ++x) {
    const float top = r0[x0[x]] * (1 - fx[x]) + r0[x1[x]] * fx[x];
    const float bottom = r1[x0[x]] * (1 - fx[x]) + r1[x1[x]] * fx[x];
    out[x] = top * (1 - fy) + bottom * fy;
  }
}

EI_VECTOR_CLONES
void yuv_row(const float* __restrict y, const float* __restrict u, const float* __restrict v,
             const YuvToRgb& m, int n, float* __restrict r, float* __restrict g,
             float* __restrict b) {
  for (int x = 0; x < n; ++x) {
    const float yy = (y[x] - m.y_offset) * m.y_gain;
    const float uu = u[x] - 128, vv = v[x] - 128;
    r[x] = clamp255(yy + m.rv * vv);
    g[x] = clamp255(yy + m.gu * uu + m.gv * vv);
    b[x] = clamp255(yy + m.bu * uu);
  }
}

// (value - mean) * scale into one channel plane (NCHW) ...
EI_VECTOR_CLONES
void normalise_plane(const float* __restrict in, float mean, float scale, int n,
                     float* __restrict out) {
  for (int x = 0; x < n; ++x)
    out[x] = (in[x] - mean) * scale;
}

// ... or interleaved with the other two channels (NHWC).
EI_VECTOR_CLONES
void normalise_interleaved(const float* __restrict c0, const float* __restrict c1,
                           const float* __restrict c2, const float* mean, const float* scale, int n,
                           float* __restrict out) {
  const float m0 = mean[0], m1 = mean[1], m2 = mean[2];
  const float s0 = scale[0], s1 = scale[1], s2 = scale[2];
  for (int x = 0; x < n; ++x) {
    out[3 * x] = (c0[x] - m0) * s0;
    out[3 * x + 1] = (c1[x] - m1) * s1;
    out[3 * x + 2] = (c2[x] - m2) * s2;
  }
}

}  // namespace

void FrameToTensor::convert(const FrameView& frame, const TensorLayout& layout, float* out) {
  const int tw = layout.width, th = layout.height;
  make_taps(tw, frame.width, tx_.i0, tx_.i1, tx_.f);
  make_taps(th, frame.height, ty_.i0, ty_.i1, ty_.f);
  const int nc = frame.components;
  for (int c = 0; c < nc; ++c) {
    // Subsampled components: the full-resolution tap positions shifted down.
    const PlaneView& p = frame.comp[c];
    x0_[c].resize(tw);
    x1_[c].resize(tw);
    samples_[c].resize(tw);
    for (int x = 0; x < tw; ++x) {
      x0_[c][x] = (tx_.i0[x] >> p.w_sub) * p.pixel_stride;
      x1_[c][x] = (tx_.i1[x] >> p.w_sub) * p.pixel_stride;
    }
  }
  for (auto& r : rgb_)
    r.resize(tw);
  const YuvToRgb yuv(frame.matrix);
  const size_t plane = static_cast<size_t>(tw) * th;
  for (int y = 0; y < th; ++y) {
    for (int c = 0; c < nc; ++c) {
      const PlaneView& p = frame.comp[c];
      sample_row(p.row(ty_.i0[y] >> p.h_sub), p.row(ty_.i1[y] >> p.h_sub), x0_[c].data(),
                 x1_[c].data(), tx_.f.data(), ty_.f[y], tw, samples_[c].data());
    }
    // R, G, B rows.
    const float* rgb[3];
    if (nc == 1) {
      rgb[0] = rgb[1] = rgb[2] = samples_[0].data();
    } else if (frame.yuv) {
      yuv_row(samples_[0].data(), samples_[1].data(), samples_[2].data(), yuv, tw, rgb_[0].data(),
              rgb_[1].data(), rgb_[2].data());
      for (int k = 0; k < 3; ++k)
        rgb[k] = rgb_[k].data();
    } else {
      for (int k = 0; k < 3; ++k)
        rgb[k] = samples_[k].data();
    }
    // In the model's channel order.
    const float* ch[3];
    for (int k = 0; k < 3; ++k)
      ch[k] = rgb[layout.bgr ? 2 - k : k];
    const size_t row = static_cast<size_t>(y) * tw;
    if (layout.nchw) {
      for (int k = 0; k < 3; ++k)
        normalise_plane(ch[k], layout.mean[k], layout.scale[k], tw, out + k * plane + row);
    } else {
      normalise_interleaved(ch[0], ch[1], ch[2], layout.mean, layout.scale, tw, out + row * 3);
    }
  }
}

bool parse_triplet(const std::string& text, float out[3]) {
  std::vector<float> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    const float v = std::strtof(item.c_str(), &end);
    if (end == item.c_str() || !std::isfinite(v)) return false;
    while (*end == ' ')
      ++end;
    if (*end != '\0') return false;
    values.push_back(v);
  }
  if (values.size() == 1) values.assign(3, values[0]);
  if (values.size() != 3) return false;
  std::copy(values.begin(), values.end(), out);
  return true;
}

}  // namespace edgeinfer::gst
