// A format-independent view of a mapped video frame: one strided plane per colour component.
// Every supported format (packed RGB, planar I420, semi-planar NV12, packed YUY2) reduces to
// components with a pixel stride, a row stride and a subsampling, so the processing code is
// written once and touches the frame's own memory (no conversion to a working format).
#pragma once

#include <gst/video/video.h>

#include <cstdint>

namespace edgeinfer::gst {

struct PlaneView {
  uint8_t* data = nullptr;
  int pixel_stride = 1;
  int row_stride = 0;
  int width = 0;   // in samples of this component
  int height = 0;  // in rows of this component
  int w_sub = 0;   // log2 of the horizontal subsampling (1 for the chroma of I420/NV12/YUY2)
  int h_sub = 0;

  uint8_t* row(int y) const { return data + static_cast<ptrdiff_t>(y) * row_stride; }
  uint8_t at(int x, int y) const { return row(y)[x * pixel_stride]; }
};

// YUV <-> RGB coefficients from the negotiated colorimetry.
struct YuvMatrix {
  float kr = 0.299f;
  float kb = 0.114f;
  bool full_range = false;
};

struct FrameView {
  int width = 0;
  int height = 0;
  int components = 0;  // colour components: 3 (RGB or YUV) or 1 (GRAY8)
  PlaneView comp[3];   // R,G,B or Y,U,V (whatever the memory order)
  bool has_alpha = false;
  PlaneView alpha;
  bool yuv = false;
  YuvMatrix matrix;
};

FrameView view_frame(GstVideoFrame* frame);
YuvMatrix yuv_matrix(const GstVideoInfo& info);

// Converts an 8-bit RGB colour to the frame's component values (RGB, or YUV with its matrix).
void colour_to_components(const FrameView& frame, const uint8_t rgb[3], uint8_t out[3]);

// YUV (8-bit samples) to RGB in [0,255] with the frame's matrix and range.
void yuv_to_rgb(const YuvMatrix& m, float y, float u, float v, float rgb[3]);

}  // namespace edgeinfer::gst
