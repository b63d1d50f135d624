// From a segmentation network's output tensor to a person probability map, its temporal
// smoothing, and the threshold/softness curve that turns probabilities into alpha.
#pragma once

#include <cstdint>

#include "edgeinfer/status.h"
#include "edgeinfer/tensor.h"
#include "grid.h"

namespace edgeinfer::gst {

// Accepts float32 [1,H,W,1], [1,1,H,W] (probability), [1,H,W,2], [1,2,H,W] (class 1 = person:
// softmax applied unless the two channels already sum to one).
Status check_mask_output(const TensorInfo& output);
Status output_to_probability(const TensorView& output, Grid& prob);

// Motion-adaptive exponential smoothing: where the new mask differs little from the previous
// one (flicker of a still person) it is averaged with weight `smoothing`; where it differs a
// lot (movement) the new value is taken at once, so a moving person leaves no trail.
void temporal_smooth(Grid& state, const Grid& fresh, float smoothing);

// alpha = 0 below threshold - softness/2, 255 above threshold + softness/2, linear between.
struct SoftThreshold {
  float lo = 0.5f;
  float gain = 0;  // 255 / softness, or a step when softness is 0

  SoftThreshold(float threshold, float softness);
  uint8_t alpha(float q) const {
    const float a = (q - lo) * gain;
    return a <= 0 ? 0 : a >= 255 ? 255 : static_cast<uint8_t>(a + 0.5f);
  }
};

}  // namespace edgeinfer::gst
