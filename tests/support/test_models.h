// Where tests find the reference models: $EDGEINFER_MODELS_DIR, else ../shared/models seen
// from the project root or from a build folder inside it (meson runs tests from the build
// folder); the default MediaPipe .tflite models under node_modules of the checkout.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace edgeinfer::testing {

inline std::string models_dir() {
  if (const char* env = std::getenv("EDGEINFER_MODELS_DIR")) return std::string(env) + "/";
  for (const char* dir : {"../shared/models/", "../../shared/models/"})
    if (std::filesystem::exists(std::string(dir) + "MODELS.md")) return dir;
  return "../shared/models/";
}

inline std::string mediapipe_tflite_dir() {
  if (const char* env = std::getenv("EDGEINFER_NODE_MODULES")) {
    return std::string(env) + "/@mediapipe/selfie_segmentation/";
  }
  for (const char* dir : {"node_modules/@mediapipe/selfie_segmentation/",
                          "../node_modules/@mediapipe/selfie_segmentation/"})
    if (std::filesystem::exists(std::string(dir) + "selfie_segmentation.tflite")) return dir;
  return "node_modules/@mediapipe/selfie_segmentation/";
}

// The three real ONNX models of ../shared/models and the default .tflite model.
inline std::vector<std::string> real_models() {
  const std::string m = models_dir();
  return {m + "selfie_segmentation.onnx", m + "mediapipe.onnx", m + "SINet_Softmax_simple.onnx",
          mediapipe_tflite_dir() + "selfie_segmentation.tflite"};
}

}  // namespace edgeinfer::testing
