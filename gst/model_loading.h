// What both elements do at READY->PAUSED: find the model (the default MediaPipe selfie model
// when none is named), parse the engine options, load it and create a session, with every
// failure a Status whose message says what to fix.
#pragma once

#include <string>

#include "edgeinfer/edgeinfer.h"

namespace edgeinfer::gst {

struct ModelSettings {
  std::string model;  // empty: the default model
  Backend backend = Backend::kAuto;
  int threads = 1;
  MemoryMode memory_mode = MemoryMode::kPlanned;
  WeightsMode weights = WeightsMode::kLoad;
  CpuLayout layout = CpuLayout::kAuto;
};

struct LoadedModel {
  Model model;
  Session session;
};

Result<LoadedModel> load_model(const ModelSettings& settings);

}  // namespace edgeinfer::gst
