// Helpers for the element tests: run a gst-launch style pipeline in-process and collect what
// reached an appsink named "out", decoded test images, and the reference mask computed by the
// engine directly (not by the element).
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gsttest {

struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;  // 1 (GRAY8), 3 (RGB) or 4 (RGBA)
  std::vector<uint8_t> pixels;
  uint8_t at(int x, int y, int c) const {
    return pixels[(static_cast<size_t>(y) * width + x) * channels + c];
  }
};

struct RunResult {
  bool started = false;  // the pipeline reached PLAYING
  std::string error;     // first error message on the bus (with its debug text)
  std::vector<GstSample*> samples;
  std::string caps;                             // caps of the first sample
  std::vector<GstStructure*> element_messages;  // structures of element messages
  ~RunResult();
};

// Runs `description` to EOS (or an error, or `timeout_s`). `setup` may adjust elements
// (get them with gst_bin_get_by_name) before it starts.
// `finish` runs at EOS, before the pipeline is stopped (read element properties there).
using PipelineHook = std::function<void(GstElement*)>;
void run_pipeline(const std::string& description, RunResult& result, const PipelineHook& setup = {},
                  const PipelineHook& finish = {}, int timeout_s = 120);

// A packed RGB, RGBA or GRAY8 sample to an Image (stride removed).
Image sample_to_image(GstSample* sample);

std::string astronaut_path();
std::string skimage_path(const std::string& name);
std::string default_model_path();
std::string models_dir();

// The astronaut portrait as RGB at width x height (decoded and scaled by GStreamer); with
// `via_width` > 0, scaled to via_width x via_height first (what an element saw at that size).
Image astronaut_rgb(int width, int height, int via_width = 0, int via_height = 0);

// Person probability from `model` (default: the default model) run through the engine API on an RGB
// image of the model's input size (256x256). Returned at 256x256.
std::vector<float> reference_probability(const Image& rgb256, const std::string& model = "");

// Pixel classes on a frame of width x height from a 256x256 probability map: 1 = surely
// person, 0 = surely background, -1 = near an edge (within `margin` model pixels).
std::vector<int> confident_regions(const std::vector<float>& prob, int width, int height,
                                   int margin = 6);

}  // namespace gsttest
