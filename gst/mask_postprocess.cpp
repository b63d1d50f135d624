#include "mask_postprocess.h"

#include <algorithm>
#include <cmath>

namespace edgeinfer::gst {

namespace {

struct MaskLayout {
  int width, height, channels;
  bool channels_last;
};

bool mask_layout(const Shape& s, MaskLayout& out) {
  if (s.size() != 4 || s[0] != 1) return false;
  const bool last = s[3] == 1 || s[3] == 2;
  const int64_t c = last ? s[3] : s[1];
  const int64_t h = last ? s[1] : s[2];
  const int64_t w = last ? s[2] : s[3];
  if ((c != 1 && c != 2) || h <= 0 || w <= 0 || h > 8192 || w > 8192) return false;
  out = {static_cast<int>(w), static_cast<int>(h), static_cast<int>(c), last};
  return true;
}

}  // namespace

Status check_mask_output(const TensorInfo& output) {
  MaskLayout layout;
  Shape shape = output.shape;
  for (auto& d : shape) {
    if (d < 0) d = 1;
  }
  if (output.dtype != DType::kFloat32 || !mask_layout(shape, layout)) {
    return error(StatusCode::kUnsupported,
                 "model output '" + output.name + "' is " + dtype_name(output.dtype) + " " +
                     shape_to_string(output.shape) +
                     "; a segmentation model must output float32 [1,H,W,1|2] or [1,1|2,H,W]");
  }
  return Status::ok();
}

Status output_to_probability(const TensorView& output, Grid& prob) {
  MaskLayout l;
  if (output.dtype != DType::kFloat32 || !mask_layout(output.shape, l)) {
    return error(StatusCode::kUnsupported,
                 "segmentation output has shape " + shape_to_string(output.shape));
  }
  prob.resize(l.width, l.height);
  const float* d = output.as<float>();
  const size_t n = static_cast<size_t>(l.width) * l.height;
  if (l.channels == 1) {
    for (size_t i = 0; i < n; ++i)
      prob.v[i] = std::clamp(d[i], 0.0f, 1.0f);
    return Status::ok();
  }
  auto channel = [&](size_t i, int c) { return l.channels_last ? d[i * 2 + c] : d[c * n + i]; };
  // Probabilities already (a Softmax at the end of the network) or logits?
  bool normalised = true;
  for (size_t i = 0; i < n && normalised; i += 97) {
    const float a = channel(i, 0), b = channel(i, 1);
    normalised = a >= 0 && b >= 0 && std::fabs(a + b - 1) < 1e-3f;
  }
  for (size_t i = 0; i < n; ++i) {
    const float a = channel(i, 0), b = channel(i, 1);
    prob.v[i] = normalised ? b : 1.0f / (1.0f + std::exp(a - b));
  }
  return Status::ok();
}

void temporal_smooth(Grid& state, const Grid& fresh, float smoothing) {
  if (state.width != fresh.width || state.height != fresh.height || smoothing <= 0) {
    state = fresh;
    return;
  }
  const float keep = std::clamp(smoothing, 0.0f, 0.99f);
  for (size_t i = 0; i < state.v.size(); ++i) {
    const float diff = fresh.v[i] - state.v[i];
    // A change of 0.25 or more counts as motion and is followed immediately.
    const float follow = std::max(1 - keep, std::min(1.0f, std::fabs(diff) * 4));
    state.v[i] += follow * diff;
  }
}

SoftThreshold::SoftThreshold(float threshold, float softness) {
  if (softness <= 1e-4f) {
    lo = threshold;
    gain = 1e9f;
  } else {
    lo = threshold - softness / 2;
    gain = 255 / softness;
  }
}

}  // namespace edgeinfer::gst
