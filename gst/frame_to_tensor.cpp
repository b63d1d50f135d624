#include "frame_to_tensor.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <vector>

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

// Source positions (in full-resolution pixels) of each tensor column or row, bilinear.
struct Taps {
  std::vector<int> i0, i1;
  std::vector<float> f;
};

Taps make_taps(int dst, int src) {
  Taps t;
  t.i0.resize(dst);
  t.i1.resize(dst);
  t.f.resize(dst);
  const float ratio = static_cast<float>(src) / dst;
  for (int d = 0; d < dst; ++d) {
    const float pos = std::clamp((d + 0.5f) * ratio - 0.5f, 0.0f, static_cast<float>(src - 1));
    const int i = static_cast<int>(pos);
    t.i0[d] = i;
    t.i1[d] = std::min(i + 1, src - 1);
    t.f[d] = pos - i;
  }
  return t;
}

float sample(const PlaneView& p, const Taps& tx, const Taps& ty, int x, int y) {
  // Subsampled components: the full-resolution tap positions shifted down.
  const int x0 = tx.i0[x] >> p.w_sub, x1 = tx.i1[x] >> p.w_sub;
  const int y0 = ty.i0[y] >> p.h_sub, y1 = ty.i1[y] >> p.h_sub;
  const float fx = tx.f[x], fy = ty.f[y];
  const uint8_t* r0 = p.row(y0);
  const uint8_t* r1 = p.row(y1);
  const float top = r0[x0 * p.pixel_stride] * (1 - fx) + r0[x1 * p.pixel_stride] * fx;
  const float bottom = r1[x0 * p.pixel_stride] * (1 - fx) + r1[x1 * p.pixel_stride] * fx;
  return top * (1 - fy) + bottom * fy;
}

}  // namespace

void frame_to_tensor(const FrameView& frame, const TensorLayout& layout, float* out) {
  const Taps tx = make_taps(layout.width, frame.width);
  const Taps ty = make_taps(layout.height, frame.height);
  const size_t plane = static_cast<size_t>(layout.width) * layout.height;
  for (int y = 0; y < layout.height; ++y) {
    for (int x = 0; x < layout.width; ++x) {
      float rgb[3];
      if (frame.components == 1) {
        rgb[0] = rgb[1] = rgb[2] = sample(frame.comp[0], tx, ty, x, y);
      } else {
        float c[3];
        for (int k = 0; k < 3; ++k)
          c[k] = sample(frame.comp[k], tx, ty, x, y);
        if (frame.yuv) {
          yuv_to_rgb(frame.matrix, c[0], c[1], c[2], rgb);
        } else {
          std::copy(c, c + 3, rgb);
        }
      }
      const size_t pixel = static_cast<size_t>(y) * layout.width + x;
      for (int k = 0; k < 3; ++k) {
        const float v = (rgb[layout.bgr ? 2 - k : k] - layout.mean[k]) * layout.scale[k];
        if (layout.nchw) {
          out[k * plane + pixel] = v;
        } else {
          out[pixel * 3 + k] = v;
        }
      }
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
