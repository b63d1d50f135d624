// edgebgremove's per-frame stages against plain per-pixel references, in every input format:
// pre-processing (frame -> tensor), the guide of the guided filter, and compositing. The fast
// versions are written for the compiler's vectoriser (and cloned for AVX2); these references
// are the straightforward formulas, one sample at a time.
#include <gst/video/video.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "compositor.h"
#include "frame_to_tensor.h"
#include "guided_upsample.h"
#include "video_planes.h"

using namespace edgeinfer::gst;

namespace {

const GstVideoFormat kFormats[] = {
    GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_BGRA, GST_VIDEO_FORMAT_RGBx,
    GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_RGB,  GST_VIDEO_FORMAT_BGR,
    GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_YUY2};

// A mapped frame of random bytes (smooth enough that bilinear sampling matters: a gradient
// plus noise), freed with the object.
struct TestFrame {
  GstVideoInfo info;
  GstBuffer* buffer = nullptr;
  GstVideoFrame frame;
  TestFrame(GstVideoFormat format, int w, int h, uint32_t seed) {
    gst_video_info_set_format(&info, format, w, h);
    buffer = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_WRITE);
    std::mt19937 rng(seed);
    for (gsize i = 0; i < map.size; ++i)
      map.data[i] = static_cast<uint8_t>((i * 3 / 7) % 200 + rng() % 56);
    gst_buffer_unmap(buffer, &map);
    REQUIRE(gst_video_frame_map(&frame, &info, buffer, GST_MAP_READWRITE));
  }
  ~TestFrame() {
    gst_video_frame_unmap(&frame);
    gst_buffer_unref(buffer);
  }
  FrameView view() { return view_frame(&frame); }
};

// The pre-processing reference: every tensor value on its own.
float reference_tensor_value(const FrameView& f, const TensorLayout& l, int x, int y, int k) {
  auto tap = [](int d, int dst, int src, int& i0, int& i1, float& frac) {
    const float pos = std::clamp((d + 0.5f) * src / dst - 0.5f, 0.0f, static_cast<float>(src - 1));
    i0 = static_cast<int>(pos);
    i1 = std::min(i0 + 1, src - 1);
    frac = pos - i0;
  };
  int x0, x1, y0, y1;
  float fx, fy;
  tap(x, l.width, f.width, x0, x1, fx);
  tap(y, l.height, f.height, y0, y1, fy);
  float c[3];
  for (int i = 0; i < f.components; ++i) {
    const PlaneView& p = f.comp[i];
    const float top =
        p.at(x0 >> p.w_sub, y0 >> p.h_sub) * (1 - fx) + p.at(x1 >> p.w_sub, y0 >> p.h_sub) * fx;
    const float bottom =
        p.at(x0 >> p.w_sub, y1 >> p.h_sub) * (1 - fx) + p.at(x1 >> p.w_sub, y1 >> p.h_sub) * fx;
    c[i] = top * (1 - fy) + bottom * fy;
  }
  float rgb[3];
  if (f.components == 1) {
    rgb[0] = rgb[1] = rgb[2] = c[0];
  } else if (f.yuv) {
    yuv_to_rgb(f.matrix, c[0], c[1], c[2], rgb);
  } else {
    std::copy(c, c + 3, rgb);
  }
  return (rgb[l.bgr ? 2 - k : k] - l.mean[k]) * l.scale[k];
}

}  // namespace

TEST_CASE("pre-processing matches the per-pixel reference in every format", "[stages]") {
  for (GstVideoFormat format : kFormats) {
    for (const bool nchw : {false, true}) {
      INFO(gst_video_format_to_string(format) << (nchw ? " NCHW" : " NHWC"));
      TestFrame frame(format, 150, 94, 7);  // odd ratios in both directions
      TensorLayout layout;
      layout.width = 64;
      layout.height = 40;
      layout.nchw = nchw;
      layout.bgr = nchw;  // both orders covered
      layout.mean[0] = 10;
      layout.mean[1] = 20;
      layout.mean[2] = 30;
      std::vector<float> out(64 * 40 * 3, -1.0f);
      FrameToTensor to_tensor;
      const FrameView view = frame.view();
      to_tensor.convert(view, layout, out.data());
      // Twice through the same object: nothing carried over from the last frame.
      to_tensor.convert(view, layout, out.data());
      float worst = 0;
      for (int y = 0; y < layout.height; ++y) {
        for (int x = 0; x < layout.width; ++x) {
          for (int k = 0; k < 3; ++k) {
            const size_t pixel = static_cast<size_t>(y) * layout.width + x;
            const float got = nchw ? out[k * 64 * 40 + pixel] : out[pixel * 3 + k];
            worst = std::max(worst, std::fabs(got - reference_tensor_value(view, layout, x, y, k)));
          }
        }
      }
      CHECK(worst < 1e-4f);  // in units of pixel/255: the YUV matrix folded differently
    }
  }
}

TEST_CASE("compositing over a colour matches the per-sample blend in every format", "[stages]") {
  const int w = 70, h = 46;
  std::mt19937 rng(3);
  std::vector<uint8_t> alpha(static_cast<size_t>(w) * h);
  for (auto& a : alpha) {
    const uint32_t r = rng() % 4;  // runs of 0 and 255 as in a real mask, values between too
    a = r == 0 ? 0 : r == 1 ? 255 : static_cast<uint8_t>(rng());
  }
  for (GstVideoFormat format : kFormats) {
    for (const bool in_place : {false, true}) {
      INFO(gst_video_format_to_string(format) << (in_place ? " in place" : ""));
      TestFrame in(format, w, h, 11);
      TestFrame copy(format, w, h, 11);  // the same bytes, untouched
      TestFrame separate(format, w, h, 5);
      TestFrame& out = in_place ? in : separate;
      Background bg;
      bg.kind = Background::Kind::kColour;
      bg.colour[0] = 40;
      bg.colour[1] = 200;
      bg.colour[2] = 90;
      CompositeScratch scratch;
      composite(in.view(), alpha, bg, out.view(), scratch);
      const FrameView o = out.view(), c = copy.view();
      int worst = 0;
      for (int k = 0; k < 3; ++k) {
        const PlaneView& p = c.comp[k];
        for (int y = 0; y < p.height; ++y) {
          for (int x = 0; x < p.width; ++x) {
            const int a = alpha[static_cast<size_t>(y << p.h_sub) * w + (x << p.w_sub)];
            const int expected =
                static_cast<int>(std::lround((p.at(x, y) * a + bg.colour[k] * (255 - a)) / 255.0));
            worst = std::max(worst, std::abs(o.comp[k].at(x, y) - expected));
          }
        }
      }
      CHECK(worst == 0);
      if (c.has_alpha) {
        int alpha_changed = 0;
        for (int y = 0; y < h; ++y) {
          for (int x = 0; x < w; ++x)
            alpha_changed += o.alpha.at(x, y) != c.alpha.at(x, y);
        }
        CHECK(alpha_changed == 0);  // the frame's own alpha is carried over
      }
    }
  }
}

TEST_CASE("the guided upsampler reproduces a mask that follows the frame's edges", "[stages]") {
  // A frame whose left part is dark and right part bright, and a blurry low-resolution mask
  // of the same split: the full-resolution alpha must be sharp at the frame's edge, in every
  // format (the guide is the Y plane or the luma computed from RGB).
  const int w = 320, h = 96, edge = 171;
  for (GstVideoFormat format : kFormats) {
    INFO(gst_video_format_to_string(format));
    TestFrame frame(format, w, h, 1);
    const FrameView v = frame.view();
    for (int k = 0; k < v.components; ++k) {
      const PlaneView& p = v.comp[k];
      for (int y = 0; y < p.height; ++y) {
        for (int x = 0; x < p.width; ++x) {
          const bool bright = (x << p.w_sub) >= edge;
          // Luma (or every RGB component) dark or bright; chroma neutral.
          const uint8_t value = v.yuv && k > 0 ? 128 : bright ? 220 : 30;
          p.row(y)[x * p.pixel_stride] = value;
        }
      }
    }
    Grid prob;
    prob.resize(32, 16);
    for (int y = 0; y < 16; ++y) {
      for (int x = 0; x < 32; ++x) {
        // 0 left of the edge, 1 right of it, a soft ramp over several cells between.
        const float t = ((x + 0.5f) * w / 32.0f - edge) / 40.0f;
        prob.row(y)[x] = std::clamp(0.5f + t, 0.0f, 1.0f);
      }
    }
    GuidedUpsampler up;
    up.prepare(v, prob, 4, 4e-3f);
    std::vector<uint8_t> alpha;
    up.alpha_plane(SoftThreshold(0.5f, 0.3f), alpha);
    REQUIRE(alpha.size() == static_cast<size_t>(w) * h);
    // Plain interpolation of the ramp would change alpha by about 21 levels per pixel
    // (gain 255/0.3 times 1/40); the guided filter puts the whole step at the frame's edge.
    int wrong = 0, smallest_jump = 255, largest_other_jump = 0;
    for (int y = 0; y < h; ++y) {
      const uint8_t* a = alpha.data() + static_cast<size_t>(y) * w;
      for (int x = 0; x < w; ++x) {
        if (x < edge - 24) wrong += a[x] != 0;
        if (x > edge + 24) wrong += a[x] != 255;
        if (x == 0) continue;
        const int jump = a[x] - a[x - 1];
        if (x == edge) {
          smallest_jump = std::min(smallest_jump, jump);
        } else {
          largest_other_jump = std::max(largest_other_jump, std::abs(jump));
        }
      }
    }
    CHECK(smallest_jump >= 100);
    CHECK(largest_other_jump <= 30);
    CHECK(wrong == 0);
  }
}

TEST_CASE("the full-resolution alpha equals the interpolated filter everywhere, skipped cells too",
          "[stages]") {
  // alpha_plane leaves out the cells where all four grid coefficients saturate; every pixel
  // must still be what the bilinear interpolation of the coefficients gives (within one level
  // for the order of the float operations).
  const int w = 400, h = 232;
  for (GstVideoFormat format : {GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_RGBx}) {
    INFO(gst_video_format_to_string(format));
    TestFrame frame(format, w, h, 9);
    Grid prob;
    prob.resize(40, 24);
    for (int y = 0; y < prob.height; ++y) {
      for (int x = 0; x < prob.width; ++x) {
        // A blob (the "person") with an uneven edge.
        const float dx = (x - 20.0f) / 11, dy = (y - 14.0f) / 8;
        const float r = std::sqrt(dx * dx + dy * dy) + 0.15f * std::sin(x * 1.3f + y * 0.7f);
        prob.row(y)[x] = std::clamp(1.5f - r, 0.0f, 1.0f);
      }
    }
    GuidedUpsampler up;
    up.prepare(frame.view(), prob, 4, 4e-3f);
    const SoftThreshold curve(0.5f, 0.3f);
    std::vector<uint8_t> alpha;
    up.alpha_plane(curve, alpha);

    // The luma the filter sees.
    const FrameView v = frame.view();
    auto luma = [&](int x, int y) -> double {
      if (v.yuv) return v.comp[0].at(x, y);
      return (77 * v.comp[0].at(x, y) + 150 * v.comp[1].at(x, y) + 29 * v.comp[2].at(x, y)) >> 8;
    };
    const Grid& a = up.coefficient_a();
    const Grid& b = up.coefficient_b();
    const double cell = up.scale();
    auto coordinate = [](double pixel, double cell, int n, int& i0, double& f) {
      const double g = std::clamp((pixel + 0.5) / cell - 0.5, 0.0, n - 1.0);
      i0 = std::min(static_cast<int>(g), std::max(0, n - 2));
      f = g - i0;
    };
    int worst = 0;
    size_t saturated = 0, between = 0;
    for (int y = 0; y < h; ++y) {
      int gy;
      double fy;
      coordinate(y, cell, a.height, gy, fy);
      const int gy1 = std::min(gy + 1, a.height - 1);
      for (int x = 0; x < w; ++x) {
        int gx;
        double fx;
        coordinate(x, cell, a.width, gx, fx);
        auto bilinear = [&](const Grid& g) {
          const double top = g.at(gx, gy) + (g.at(gx + 1, gy) - g.at(gx, gy)) * fx;
          const double bottom = g.at(gx, gy1) + (g.at(gx + 1, gy1) - g.at(gx, gy1)) * fx;
          return top + (bottom - top) * fy;
        };
        const double av = bilinear(a) * curve.gain / 255.0;
        const double bv = (bilinear(b) - curve.lo) * curve.gain + 0.5;
        const int expected = static_cast<int>(std::clamp(av * luma(x, y) + bv, 0.0, 255.0));
        const int got = alpha[static_cast<size_t>(y) * w + x];
        worst = std::max(worst, std::abs(got - expected));
        if (got == 0 || got == 255) {
          ++saturated;
        } else {
          ++between;
        }
      }
    }
    CHECK(worst <= 1);
    // The picture exercises both kinds of cells.
    CHECK(saturated > static_cast<size_t>(w) * h / 3);
    CHECK(between > 500);
  }
}
