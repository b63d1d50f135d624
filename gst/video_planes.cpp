#include "video_planes.h"

#include <algorithm>
#include <cmath>

namespace edgeinfer::gst {

YuvMatrix yuv_matrix(const GstVideoInfo& info) {
  YuvMatrix m;
  gdouble kr = 0, kb = 0;
  if (gst_video_color_matrix_get_Kr_Kb(info.colorimetry.matrix, &kr, &kb)) {
    m.kr = static_cast<float>(kr);
    m.kb = static_cast<float>(kb);
  }
  m.full_range = info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
  return m;
}

FrameView view_frame(GstVideoFrame* frame) {
  FrameView view;
  const GstVideoFormatInfo* finfo = frame->info.finfo;
  view.width = GST_VIDEO_FRAME_WIDTH(frame);
  view.height = GST_VIDEO_FRAME_HEIGHT(frame);
  view.yuv = GST_VIDEO_FORMAT_INFO_IS_YUV(finfo);
  view.components = GST_VIDEO_FORMAT_INFO_IS_GRAY(finfo) ? 1 : 3;
  view.matrix = yuv_matrix(frame->info);
  auto plane_of = [&](int c) {
    PlaneView p;
    p.data = static_cast<uint8_t*>(GST_VIDEO_FRAME_COMP_DATA(frame, c));
    p.pixel_stride = GST_VIDEO_FRAME_COMP_PSTRIDE(frame, c);
    p.row_stride = GST_VIDEO_FRAME_COMP_STRIDE(frame, c);
    p.width = GST_VIDEO_FRAME_COMP_WIDTH(frame, c);
    p.height = GST_VIDEO_FRAME_COMP_HEIGHT(frame, c);
    p.w_sub = GST_VIDEO_FORMAT_INFO_W_SUB(finfo, c);
    p.h_sub = GST_VIDEO_FORMAT_INFO_H_SUB(finfo, c);
    return p;
  };
  for (int c = 0; c < view.components; ++c)
    view.comp[c] = plane_of(c);
  // Formats with an x (padding) byte report 3 components; only real alpha counts.
  view.has_alpha = GST_VIDEO_FORMAT_INFO_HAS_ALPHA(finfo);
  if (view.has_alpha) view.alpha = plane_of(GST_VIDEO_COMP_A);
  return view;
}

static uint8_t clamp_u8(float v) {
  return static_cast<uint8_t>(std::clamp(v + 0.5f, 0.0f, 255.0f));
}

void colour_to_components(const FrameView& frame, const uint8_t rgb[3], uint8_t out[3]) {
  if (!frame.yuv) {
    for (int c = 0; c < 3; ++c)
      out[c] = rgb[c];
    return;
  }
  const YuvMatrix& m = frame.matrix;
  const float r = rgb[0] / 255.0f, g = rgb[1] / 255.0f, b = rgb[2] / 255.0f;
  const float y = m.kr * r + (1 - m.kr - m.kb) * g + m.kb * b;
  const float u = (b - y) / (2 * (1 - m.kb));
  const float v = (r - y) / (2 * (1 - m.kr));
  if (m.full_range) {
    out[0] = clamp_u8(y * 255);
    out[1] = clamp_u8(128 + u * 255);
    out[2] = clamp_u8(128 + v * 255);
  } else {
    out[0] = clamp_u8(16 + y * 219);
    out[1] = clamp_u8(128 + u * 224);
    out[2] = clamp_u8(128 + v * 224);
  }
}

void yuv_to_rgb(const YuvMatrix& m, float y, float u, float v, float rgb[3]) {
  float yn, un, vn;
  if (m.full_range) {
    yn = y / 255.0f;
    un = (u - 128) / 255.0f;
    vn = (v - 128) / 255.0f;
  } else {
    yn = (y - 16) / 219.0f;
    un = (u - 128) / 224.0f;
    vn = (v - 128) / 224.0f;
  }
  const float kg = 1 - m.kr - m.kb;
  const float r = yn + 2 * (1 - m.kr) * vn;
  const float b = yn + 2 * (1 - m.kb) * un;
  const float g = (yn - m.kr * r - m.kb * b) / kg;
  rgb[0] = std::clamp(r * 255, 0.0f, 255.0f);
  rgb[1] = std::clamp(g * 255, 0.0f, 255.0f);
  rgb[2] = std::clamp(b * 255, 0.0f, 255.0f);
}

}  // namespace edgeinfer::gst
