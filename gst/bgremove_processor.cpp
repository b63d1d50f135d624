#include "bgremove_processor.h"

#include <algorithm>

#include "compositor.h"

namespace edgeinfer::gst {

namespace {

// Guided filter: window radius in grid cells and regularisation (in [0,1] luma units squared).
constexpr int kGuidedRadius = 4;
constexpr float kGuidedEps = 4e-3f;

void write_alpha(const std::vector<uint8_t>& alpha, int width, const PlaneView& p) {
  for (int y = 0; y < p.height; ++y) {
    const uint8_t* a = alpha.data() + static_cast<size_t>(y) * width;
    uint8_t* r = p.row(y);
    for (int x = 0; x < p.width; ++x)
      r[x * p.pixel_stride] = a[x];
  }
}

}  // namespace

Status BgRemoveProcessor::start(const BgRemoveSettings& settings, int test_delay_ms) {
  stop();
  EI_ASSIGN_OR_RETURN(LoadedModel loaded, load_model(settings.model));
  const Model& model = loaded.model;
  auto layout = layout_for_input(model.inputs()[0], "auto");
  if (!layout) return layout.status().with_context(model.path());
  EI_RETURN_IF_ERROR(check_mask_output(model.outputs()[0]).with_context(model.path()));
  layout_ = *layout;
  if (settings.mode == BgMode::kReplace && !settings.background.empty()) {
    EI_RETURN_IF_ERROR(background_.load(settings.background));
  }
  worker_ = std::make_unique<InferenceWorker>(std::move(loaded.session), test_delay_ms);
  has_mask_ = false;
  typical_inference_ms_ = -1;
  std::lock_guard<std::mutex> lock(stats_mutex_);
  stats_ = {};
  window_cpu_ms_ = 0;
  window_frames_ = 0;
  return Status::ok();
}

void BgRemoveProcessor::stop() {
  worker_.reset();
  if (to_rgba_) gst_video_converter_free(to_rgba_);
  to_rgba_ = nullptr;
  has_mask_ = false;
}

Status BgRemoveProcessor::set_formats(const GstVideoInfo& in, const GstVideoInfo& out,
                                      const BgRemoveSettings& settings) {
  in_info_ = in;
  out_info_ = out;
  if (to_rgba_) gst_video_converter_free(to_rgba_);
  to_rgba_ = nullptr;
  if (settings.mode == BgMode::kAlpha) {
    // The converter only changes the pixel format: same rate and aspect on both sides.
    GstVideoInfo in_copy = in_info_;
    in_copy.fps_n = out_info_.fps_n;
    in_copy.fps_d = out_info_.fps_d;
    in_copy.par_n = out_info_.par_n;
    in_copy.par_d = out_info_.par_d;
    to_rgba_ = gst_video_converter_new(&in_copy, &out_info_, nullptr);
    if (!to_rgba_) return error(StatusCode::kUnsupported, "cannot convert the input to RGBA");
  }
  if (background_.loaded()) EI_RETURN_IF_ERROR(background_.render(out_info_));
  return Status::ok();
}

void BgRemoveProcessor::submit(const FrameView& frame, uint64_t number, double& cpu_ms) {
  const double t0 = thread_cpu_ms();
  to_tensor_.convert(frame, layout_, worker_->next_input());
  worker_->submit(number);
  cpu_ms += thread_cpu_ms() - t0;
  std::lock_guard<std::mutex> lock(stats_mutex_);
  stats_.preprocess_ms = thread_cpu_ms() - t0;
}

Status BgRemoveProcessor::apply_result(InferenceResult& result, const BgRemoveSettings& settings) {
  if (!result.status) return result.status;
  EI_RETURN_IF_ERROR(output_to_probability(result.output, fresh_));
  worker_->recycle(std::move(result.storage));
  temporal_smooth(prob_, fresh_, has_mask_ ? static_cast<float>(settings.temporal_smoothing) : 0);
  has_mask_ = true;
  mask_frame_ = result.frame;
  typical_inference_ms_ = typical_inference_ms_ < 0
                              ? result.wall_ms
                              : 0.75 * typical_inference_ms_ + 0.25 * result.wall_ms;
  std::lock_guard<std::mutex> lock(stats_mutex_);
  ++stats_.inferences;
  stats_.inference_ms = result.wall_ms;
  stats_.inference_cpu_ms = result.cpu_ms;
  window_cpu_ms_ += result.cpu_ms;
  return Status::ok();
}

Status BgRemoveProcessor::process(GstVideoFrame* in, GstVideoFrame* out,
                                  const BgRemoveSettings& settings, bool live) {
  if (!worker_) return error(StatusCode::kInternal, "edgebgremove is not started");
  const FrameView in_view = view_frame(in);
  uint64_t number;
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    number = stats_.frames++;
  }
  double cpu_ms = 0;
  const bool due = settings.inference_interval <= 0 ||
                   number % static_cast<uint64_t>(settings.inference_interval) == 0;
  if (!live) {
    // Files: every frame (or every n-th) gets its own inference, in order: deterministic.
    if (due) {
      submit(in_view, number, cpu_ms);
      if (auto r = worker_->wait_for(number, -1)) EI_RETURN_IF_ERROR(apply_result(*r, settings));
    }
  } else {
    if (auto r = worker_->take()) EI_RETURN_IF_ERROR(apply_result(*r, settings));
    if (due && worker_->idle()) {
      submit(in_view, number, cpu_ms);
      // Within the latency budget the frame may wait for its own mask — unless inferences
      // take longer than the budget, when waiting would only delay the frame. Judged on a
      // running average, so that one inference slowed down by a busy machine does not stop
      // the next frames from waiting for theirs.
      if (settings.latency_budget_ms > 0 && typical_inference_ms_ <= settings.latency_budget_ms) {
        if (auto r = worker_->wait_for(number, settings.latency_budget_ms)) {
          EI_RETURN_IF_ERROR(apply_result(*r, settings));
        }
      }
    }
  }
  const int age = has_mask_ ? static_cast<int>(number - mask_frame_) : -1;
  const bool stale = !has_mask_ || age > settings.max_mask_age;

  const double t0 = thread_cpu_ms();
  CompositeTimes times;
  composite_frame(in, out, settings, stale, times);
  const double composite_ms = thread_cpu_ms() - t0;
  cpu_ms += composite_ms;

  std::lock_guard<std::mutex> lock(stats_mutex_);
  stats_.composite_ms = composite_ms;
  stats_.upsample_ms = times.upsample_ms;
  stats_.blur_ms = times.blur_ms;
  stats_.blend_ms = times.blend_ms;
  stats_.mask_age = age;
  stats_.max_mask_age_seen = std::max(stats_.max_mask_age_seen, age);
  stats_.window_max_mask_age = std::max(stats_.window_max_mask_age, age);
  if (age != 0) ++stats_.reused_mask_frames;
  if (stale) ++stats_.stale_frames;
  window_cpu_ms_ += cpu_ms;
  ++window_frames_;
  return Status::ok();
}

void BgRemoveProcessor::composite_frame(GstVideoFrame* in, GstVideoFrame* out,
                                        const BgRemoveSettings& settings, bool stale,
                                        CompositeTimes& times) {
  const FrameView in_view = view_frame(in);
  const FrameView out_view = view_frame(out);
  const int w = in_view.width, h = in_view.height;
  StaleAction action = StaleAction::kKeep;
  if (stale) action = has_mask_ ? settings.stale_action : StaleAction::kPassthrough;
  if (stale && !has_mask_ && settings.stale_action == StaleAction::kBlurAll) {
    action = StaleAction::kBlurAll;
  }

  const SoftThreshold curve(static_cast<float>(settings.threshold),
                            static_cast<float>(settings.softness));
  const int scale = grid_scale_for(w);
  double t = thread_cpu_ms();
  // Charges the CPU time since the last mark to one of the parts.
  auto mark = [&t](double& part) {
    const double now = thread_cpu_ms();
    part += now - t;
    t = now;
  };
  if (action == StaleAction::kKeep) {
    upsampler_.prepare(in_view, prob_, kGuidedRadius, kGuidedEps);
    upsampler_.alpha_plane(curve, alpha_);
  } else {
    alpha_.assign(static_cast<size_t>(w) * h, action == StaleAction::kPassthrough ? 255 : 0);
  }

  mark(times.upsample_ms);
  switch (settings.mode) {
    case BgMode::kMask:
      write_alpha(alpha_, w, out_view.comp[0]);
      mark(times.blend_ms);
      return;
    case BgMode::kAlpha:
      gst_video_converter_frame(to_rgba_, in, out);
      write_alpha(alpha_, w, out_view.alpha);
      mark(times.blend_ms);
      return;
    default:
      break;
  }
  if (action == StaleAction::kPassthrough) {
    copy_components(in_view, out_view);
    mark(times.blend_ms);
    return;
  }
  Background bg;
  if (settings.mode == BgMode::kBlur || action == StaleAction::kBlurAll) {
    if (action == StaleAction::kKeep) {
      upsampler_.alpha_grid(curve, alpha_grid_);
    } else {
      alpha_grid_.v.clear();  // the whole frame is background
    }
    mark(times.upsample_ms);
    // A wide blur runs on a grid twice as coarse: a quarter of the work, same look.
    const int factor = settings.blur_strength >= 4 * scale ? 2 : 1;
    const int blur_scale = scale * factor;
    const int radius = std::max(1, (settings.blur_strength + blur_scale / 2) / blur_scale);
    blur_.compute(in_view, alpha_grid_, scale, factor, radius);
    mark(times.blur_ms);
    bg.kind = Background::Kind::kGrid;
    bg.grid_scale = blur_scale;
    for (int c = 0; c < in_view.components; ++c)
      bg.grids[c] = &blur_.component(c);
  } else if (settings.mode == BgMode::kReplace && background_.frame()) {
    background_view_ = view_frame(background_.frame());
    bg.kind = Background::Kind::kFrame;
    bg.frame = &background_view_;
  } else {
    const uint32_t rgb = settings.mode == BgMode::kGreen ? 0x00FF00 : settings.background_color;
    const uint8_t colour[3] = {static_cast<uint8_t>(rgb >> 16), static_cast<uint8_t>(rgb >> 8),
                               static_cast<uint8_t>(rgb)};
    colour_to_components(in_view, colour, bg.colour);
    bg.kind = Background::Kind::kColour;
  }
  composite(in_view, alpha_, bg, out_view, composite_scratch_);
  mark(times.blend_ms);
}

BgRemoveStats BgRemoveProcessor::stats(bool window_done) {
  std::lock_guard<std::mutex> lock(stats_mutex_);
  if (window_frames_ > 0) stats_.cpu_per_frame_ms = window_cpu_ms_ / window_frames_;
  const BgRemoveStats out = stats_;
  if (window_done) {
    window_cpu_ms_ = 0;
    window_frames_ = 0;
    stats_.window_max_mask_age = -1;
  }
  return out;
}

}  // namespace edgeinfer::gst
