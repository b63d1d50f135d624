// Pre-processing: a video frame of any supported format to a model's float input tensor, in one
// pass (bilinear resize, YUV->RGB where needed, channel order, mean/scale, NCHW or NHWC).
#pragma once

#include <string>
#include <vector>

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

// Keeps its tap tables and row buffers between frames, so that a frame costs no allocation.
class FrameToTensor {
 public:
  void convert(const FrameView& frame, const TensorLayout& layout, float* out);

 private:
  // Bilinear taps along one axis, in full-resolution frame pixels.
  struct Taps {
    std::vector<int> i0, i1;
    std::vector<float> f;
  };
  Taps tx_, ty_;
  std::vector<int> x0_[3], x1_[3];  // per component: byte offsets of the two taps in a row
  std::vector<float> samples_[3];   // one tensor row of each component, resampled
  std::vector<float> rgb_[3];       // the same row as R, G, B (YUV input)
};

// Parses "a,b,c" (or a single value for all three channels) into three floats.
bool parse_triplet(const std::string& text, float out[3]);

}  // namespace edgeinfer::gst
