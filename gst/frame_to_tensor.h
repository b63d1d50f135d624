// Pre-processing: a video frame of any supported format to a model's float input tensor, in one
// pass (bilinear resize, YUV->RGB where needed, channel order, mean/scale, NCHW or NHWC).
#pragma once

#include <string>

#include "edgeinfer/status.h"
#include "edgeinfer/tensor.h"
#include "video_planes.h"

namespace edgeinfer::gst {

struct TensorLayout {
  int width = 0;
  int height = 0;
  bool nchw = false;
  bool bgr = false;  // channel 0 is blue
  // value = (pixel - mean[c]) * scale[c], pixel in [0,255], c in the tensor's channel order
  float mean[3] = {0, 0, 0};
  float scale[3] = {1 / 255.0f, 1 / 255.0f, 1 / 255.0f};
};

// Reads width, height and NCHW/NHWC from a [1,H,W,3] or [1,3,H,W] float32 input.
// `layout_hint` is "auto", "nchw" or "nhwc".
Result<TensorLayout> layout_for_input(const TensorInfo& input, const std::string& layout_hint);

void frame_to_tensor(const FrameView& frame, const TensorLayout& layout, float* out);

// Parses "a,b,c" (or a single value for all three channels) into three floats.
bool parse_triplet(const std::string& text, float out[3]);

}  // namespace edgeinfer::gst
