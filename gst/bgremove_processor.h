// The work edgebgremove does on each frame, independent of GObject: feed the inference worker,
// pick the newest mask, refine it and composite the output in the negotiated format.
#pragma once

#include <gst/video/video.h>

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "background_blur.h"
#include "background_image.h"
#include "bgremove_settings.h"
#include "compositor.h"
#include "frame_to_tensor.h"
#include "guided_upsample.h"
#include "inference_worker.h"

namespace edgeinfer::gst {

// Counters exposed as read-only properties and posted once a second.
struct BgRemoveStats {
  uint64_t frames = 0;
  uint64_t inferences = 0;
  uint64_t reused_mask_frames = 0;  // frames composited with a mask from an earlier frame
  uint64_t stale_frames = 0;        // frames where stale-mask-action applied
  int mask_age = 0;                 // frames, of the last output frame
  int max_mask_age_seen = 0;
  int window_max_mask_age = -1;  // largest mask age in the current statistics window
  double inference_ms = 0;       // wall time of the last inference
  double inference_cpu_ms = 0;   // CPU time of the last inference
  double preprocess_ms = 0;      // CPU time of the last pre-processing
  double composite_ms = 0;       // CPU time of the last mask refinement + compositing, of which:
  double upsample_ms = 0;        //   guided filter and full-resolution alpha
  double blur_ms = 0;            //   background blur on the grid
  double blend_ms = 0;           //   blending (or writing the mask / alpha) at full resolution
  double cpu_per_frame_ms = 0;   // average over the last second: all three, per output frame
};

class BgRemoveProcessor {
 public:
  // Loads the model (and background image); errors are readable Status values.
  Status start(const BgRemoveSettings& settings, int test_delay_ms);
  void stop();
  // Called when caps are set.
  Status set_formats(const GstVideoInfo& in, const GstVideoInfo& out,
                     const BgRemoveSettings& settings);
  // Processes one frame. `live`: never wait for inference beyond the latency budget.
  Status process(GstVideoFrame* in, GstVideoFrame* out, const BgRemoveSettings& settings,
                 bool live);
  // Counters; `window_done` starts a new averaging window for cpu_per_frame_ms.
  BgRemoveStats stats(bool window_done);

 private:
  Status apply_result(InferenceResult& result, const BgRemoveSettings& settings);
  void submit(const FrameView& frame, uint64_t number, double& cpu_ms);
  struct CompositeTimes {
    double upsample_ms = 0, blur_ms = 0, blend_ms = 0;
  };
  void composite_frame(GstVideoFrame* in, GstVideoFrame* out, const BgRemoveSettings& settings,
                       bool stale, CompositeTimes& times);

  std::unique_ptr<InferenceWorker> worker_;
  TensorLayout layout_;
  FrameToTensor to_tensor_;
  Grid prob_;   // temporally smoothed person probability, model resolution
  Grid fresh_;  // the newest inference's probability, before smoothing
  bool has_mask_ = false;
  uint64_t mask_frame_ = 0;
  double typical_inference_ms_ = -1;  // running average of the inference wall time (-1: none)
  GuidedUpsampler upsampler_;
  BackgroundBlur blur_;
  BackgroundImage background_;
  FrameView background_view_;
  Grid alpha_grid_;
  CompositeScratch composite_scratch_;
  std::vector<uint8_t> alpha_;
  GstVideoInfo in_info_{}, out_info_{};
  GstVideoConverter* to_rgba_ = nullptr;  // mode=alpha: input format -> RGBA/BGRA

  std::mutex stats_mutex_;  // stats are read from the application's thread
  BgRemoveStats stats_;
  double window_cpu_ms_ = 0;
  uint64_t window_frames_ = 0;
};

}  // namespace edgeinfer::gst
