// The enumerations and property values of edgebgremove, kept apart from the element so that the
// processing code can take a consistent snapshot of them per frame.
#pragma once

#include <cstdint>
#include <string>

#include "model_loading.h"

namespace edgeinfer::gst {

enum class BgMode { kBlur, kReplace, kAlpha, kMask, kGreen };
enum class StaleAction { kKeep, kBlurAll, kPassthrough };

struct BgRemoveSettings {
  ModelSettings model;
  BgMode mode = BgMode::kBlur;
  double threshold = 0.5;
  double softness = 0.3;
  double temporal_smoothing = 0.5;
  int blur_strength = 24;                // frame pixels
  std::string background;                // image file for mode=replace
  uint32_t background_color = 0x000000;  // 0xRRGGBB
  int latency_budget_ms = 15;
  int inference_interval = 0;  // 0 = whenever the worker is free
  StaleAction stale_action = StaleAction::kKeep;
  int max_mask_age = 15;  // frames
};

}  // namespace edgeinfer::gst
