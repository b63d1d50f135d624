// Where EdgeInfer finds its default model (the MediaPipe selfie segmentation .tflite files)
// when the caller names none. See docs/models.md.
#pragma once

#include <string>
#include <vector>

#include "edgeinfer/status.h"

namespace edgeinfer::import {

constexpr const char* kDefaultModelFile = "selfie_segmentation.tflite";
constexpr const char* kDefaultLandscapeModelFile = "selfie_segmentation_landscape.tflite";

// The folders searched for a model file name, in order:
//   1. each folder of $EDGEINFER_MODEL_PATH (colon-separated),
//   2. $XDG_DATA_HOME/edgeinfer/models (XDG_DATA_HOME defaults to ~/.local/share),
//   3. <install prefix>/share/edgeinfer/models,
//   4. <source tree>/node_modules/@mediapipe/selfie_segmentation (uninstalled builds).
std::vector<std::string> default_model_search_path();

// Finds `file_name` for loading. A non-empty `explicit_path` wins: a file is returned as it
// is, a folder is searched for `file_name`, and anything else is an error (no silent fallback
// to another model). Otherwise the folders of default_model_search_path() are tried in order.
// The kNotFound error lists every place that was looked at.
Result<std::string> find_default_model(const std::string& file_name = kDefaultModelFile,
                                       const std::string& explicit_path = "");

}  // namespace edgeinfer::import
