// Latency of one video frame through a model, as the GStreamer element sees it: a 1920x1080
// RGB frame is resized (bilinear) and scaled to [0,1] into the model's input, the session
// runs (input upload, dispatches, output download), and the mask is copied out of the
// session. Prints one JSON object with the median of each part and of the whole.
//
//   edgeinfer-frame-latency MODEL [--backend B] [--device N] [--warmup W] [--iterations K]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "edgeinfer/edgeinfer.h"
#include "tools/args.h"
#include "tools/tool_common.h"

namespace {

using edgeinfer::TensorView;
using Clock = std::chrono::steady_clock;

constexpr int kFrameWidth = 1920, kFrameHeight = 1080;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// Bilinear resize of an interleaved RGB frame into a [1,H,W,3] or [1,3,H,W] float tensor.
void frame_to_input(const std::vector<unsigned char>& rgb, const TensorView& input) {
  const bool nchw = input.shape[1] == 3;
  const int64_t h = nchw ? input.shape[2] : input.shape[1];
  const int64_t w = nchw ? input.shape[3] : input.shape[2];
  float* out = static_cast<float*>(input.data);
  const float sx = static_cast<float>(kFrameWidth) / static_cast<float>(w);
  const float sy = static_cast<float>(kFrameHeight) / static_cast<float>(h);
  for (int64_t y = 0; y < h; ++y) {
    const float fy = std::max(0.0f, (static_cast<float>(y) + 0.5f) * sy - 0.5f);
    const int y0 = std::min(static_cast<int>(fy), kFrameHeight - 1);
    const int y1 = std::min(y0 + 1, kFrameHeight - 1);
    const float wy = fy - static_cast<float>(y0);
    for (int64_t x = 0; x < w; ++x) {
      const float fx = std::max(0.0f, (static_cast<float>(x) + 0.5f) * sx - 0.5f);
      const int x0 = std::min(static_cast<int>(fx), kFrameWidth - 1);
      const int x1 = std::min(x0 + 1, kFrameWidth - 1);
      const float wx = fx - static_cast<float>(x0);
      for (int c = 0; c < 3; ++c) {
        auto at = [&](int yy, int xx) {
          return static_cast<float>(rgb[(static_cast<size_t>(yy) * kFrameWidth + xx) * 3 + c]);
        };
        const float top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * wx;
        const float bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * wx;
        const float v = (top + (bottom - top) * wy) * (1.0f / 255.0f);
        out[nchw ? (c * h + y) * w + x : (y * w + x) * 3 + c] = v;
      }
    }
  }
}

int run(int argc, char** argv) {
  using namespace edgeinfer;
  tools::ArgParser args("edgeinfer-frame-latency", "MODEL",
                        "Times a 1920x1080 RGB frame through a model: resize into the input,\n"
                        "run, copy the mask out. Prints medians as one JSON object.");
  tools::add_engine_options(args);
  args.add_option("warmup", "W", "untimed frames first (default 20)");
  args.add_option("iterations", "K", "timed frames (default 200)");
  if (auto exit = tools::parse_model_command_line(args, argc, argv, "edgeinfer-frame-latency"))
    return *exit;
  auto options = tools::engine_options(args);
  if (!options) return tools::report_error("edgeinfer-frame-latency", options.status());
  auto warmup = args.get_int("warmup", 20, 0, 1000000);
  auto iterations = args.get_int("iterations", 200, 1, 1000000);
  if (!warmup || !iterations)
    return tools::report_error("edgeinfer-frame-latency",
                               (!warmup ? warmup.status() : iterations.status()), 2);
  auto model = Model::load(args.positionals()[0], *options);
  if (!model) return tools::report_error("edgeinfer-frame-latency", model.status());
  auto session = model->create_session();
  if (!session) return tools::report_error("edgeinfer-frame-latency", session.status());
  auto input = session->input(0);
  if (!input || input->shape.size() != 4 || input->dtype != DType::kFloat32 ||
      (input->shape[1] != 3 && input->shape[3] != 3))
    return tools::report_error("edgeinfer-frame-latency", "input 0 is not a float RGB image");

  std::vector<unsigned char> frame(static_cast<size_t>(kFrameWidth) * kFrameHeight * 3);
  for (size_t i = 0; i < frame.size(); ++i)
    frame[i] = static_cast<unsigned char>(tools::random_bits(1, 0, i) >> 56);
  std::vector<float> mask;
  std::vector<double> pre, infer, copy, total;
  for (int64_t i = 0; i < *warmup + *iterations; ++i) {
    const auto start = Clock::now();
    frame_to_input(frame, *input);
    const double t_pre = ms_since(start);
    const auto run_start = Clock::now();
    if (Status s = session->run(); !s.is_ok())
      return tools::report_error("edgeinfer-frame-latency", s);
    const double t_run = ms_since(run_start);
    const auto copy_start = Clock::now();
    auto out = session->output(0);
    if (!out) return tools::report_error("edgeinfer-frame-latency", out.status());
    mask.resize(out->bytes() / sizeof(float));
    std::memcpy(mask.data(), out->data, out->bytes());
    const double t_copy = ms_since(copy_start);
    if (i < *warmup) continue;
    pre.push_back(t_pre);
    infer.push_back(t_run);
    copy.push_back(t_copy);
    total.push_back(ms_since(start));
  }
  std::printf(
      "{\"model\": \"%s\", \"backend\": \"%s\", \"frame\": \"1920x1080 RGB\", \"iterations\": "
      "%lld, \"preprocess_ms\": %.4f, \"run_ms\": %.4f, \"mask_copy_ms\": %.4f, \"total_ms\": "
      "%.4f}\n",
      tools::json_escape(args.positionals()[0]).c_str(), backend_name(options->backend),
      static_cast<long long>(*iterations), median(pre), median(infer), median(copy), median(total));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return edgeinfer::tools::guarded_main("edgeinfer-frame-latency", [&] { return run(argc, argv); });
}
