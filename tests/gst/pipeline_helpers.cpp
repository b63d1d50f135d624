#include "pipeline_helpers.h"

#include <gst/app/gstappsink.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "edgeinfer/edgeinfer.h"

namespace gsttest {

RunResult::~RunResult() {
  for (GstSample* s : samples)
    gst_sample_unref(s);
  for (GstStructure* s : element_messages)
    gst_structure_free(s);
}

static GstFlowReturn on_sample(GstAppSink* sink, gpointer data) {
  auto* result = static_cast<RunResult*>(data);
  GstSample* sample = gst_app_sink_pull_sample(sink);
  if (sample) result->samples.push_back(sample);
  return GST_FLOW_OK;
}

void run_pipeline(const std::string& description, RunResult& result, const PipelineHook& setup,
                  const PipelineHook& finish, int timeout_s) {
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &err);
  if (!pipeline) {
    result.error = std::string("parse: ") + (err ? err->message : "?");
    g_clear_error(&err);
    return;
  }
  if (err) {
    result.error = std::string("parse: ") + err->message;
    g_clear_error(&err);
  }
  if (GstElement* out = gst_bin_get_by_name(GST_BIN(pipeline), "out")) {
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = on_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(out), &callbacks, &result, nullptr);
    gst_object_unref(out);
  }
  if (setup) setup(pipeline);
  GstBus* bus = gst_element_get_bus(pipeline);
  const GstStateChangeReturn ret = gst_element_set_state(pipeline, GST_STATE_PLAYING);
  result.started = ret != GST_STATE_CHANGE_FAILURE;
  const GstClockTime deadline = static_cast<GstClockTime>(timeout_s) * GST_SECOND;
  for (;;) {
    GstMessage* msg = gst_bus_timed_pop_filtered(
        bus, deadline,
        static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_ELEMENT));
    if (!msg) {
      if (result.error.empty()) result.error = "timeout";
      break;
    }
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ELEMENT) {
      if (const GstStructure* s = gst_message_get_structure(msg)) {
        result.element_messages.push_back(gst_structure_copy(s));
      }
      gst_message_unref(msg);
      continue;
    }
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS && finish) finish(pipeline);
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
      GError* e = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(msg, &e, &debug);
      if (result.error.empty()) {
        result.error = std::string(e ? e->message : "?") + " | " + (debug ? debug : "");
      }
      g_clear_error(&e);
      g_free(debug);
    }
    gst_message_unref(msg);
    break;
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  if (!result.samples.empty()) {
    gchar* caps = gst_caps_to_string(gst_sample_get_caps(result.samples[0]));
    result.caps = caps;
    g_free(caps);
  }
}

Image sample_to_image(GstSample* sample) {
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, gst_sample_get_caps(sample))) {
    throw std::runtime_error("sample without video caps");
  }
  Image img;
  img.width = GST_VIDEO_INFO_WIDTH(&info);
  img.height = GST_VIDEO_INFO_HEIGHT(&info);
  img.channels = GST_VIDEO_INFO_COMP_PSTRIDE(&info, 0);
  if (GST_VIDEO_INFO_N_PLANES(&info) != 1 || img.channels > 4) {
    throw std::runtime_error("sample_to_image needs a packed format");
  }
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ)) {
    throw std::runtime_error("cannot map sample");
  }
  const size_t row = static_cast<size_t>(img.width) * img.channels;
  img.pixels.resize(row * img.height);
  for (int y = 0; y < img.height; ++y) {
    const auto* src = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)) +
                      static_cast<size_t>(y) * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
    std::copy(src, src + row, img.pixels.begin() + y * row);
  }
  gst_video_frame_unmap(&frame);
  return img;
}

std::string skimage_path(const std::string& name) {
  return "/usr/lib/python3/dist-packages/skimage/data/" + name;
}

std::string astronaut_path() {
  const std::string path = skimage_path("astronaut.png");
  if (!g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR)) {
    throw std::runtime_error(path +
                             " is missing: install python3-skimage (scripts/install-deps.sh)");
  }
  return path;
}

std::string default_model_path() {
  const char* v = std::getenv("EDGEINFER_TEST_DEFAULT_MODEL");
  if (!v) throw std::runtime_error("EDGEINFER_TEST_DEFAULT_MODEL is not set (run through meson)");
  return v;
}

std::string models_dir() {
  const char* v = std::getenv("EDGEINFER_TEST_MODELS_DIR");
  if (!v) throw std::runtime_error("EDGEINFER_TEST_MODELS_DIR is not set (run through meson)");
  return v;
}

Image astronaut_rgb(int width, int height, int via_width, int via_height) {
  RunResult run;
  const std::string via =
      via_width > 0 ? " ! videoscale ! video/x-raw,format=RGB,width=" + std::to_string(via_width) +
                          ",height=" + std::to_string(via_height)
                    : "";
  run_pipeline("filesrc location=" + astronaut_path() + " ! pngdec ! videoconvert" + via +
                   " ! videoscale ! video/x-raw,format=RGB,width=" + std::to_string(width) +
                   ",height=" + std::to_string(height) + " ! appsink name=out",
               run);
  if (!run.error.empty() || run.samples.size() != 1) {
    throw std::runtime_error("cannot decode astronaut.png: " + run.error);
  }
  return sample_to_image(run.samples[0]);
}

std::vector<float> reference_probability(const Image& rgb, const std::string& model_path) {
  auto model = edgeinfer::Model::load(model_path.empty() ? default_model_path() : model_path);
  if (!model) throw std::runtime_error(model.status().to_string());
  auto session = model->create_session();
  if (!session) throw std::runtime_error(session.status().to_string());
  auto input = session->input(0);
  if (!input || input->elements() != static_cast<int64_t>(rgb.pixels.size())) {
    throw std::runtime_error("reference image does not fit the model input");
  }
  float* in = input->as<float>();
  for (size_t i = 0; i < rgb.pixels.size(); ++i)
    in[i] = rgb.pixels[i] / 255.0f;
  if (auto s = session->run(); !s) throw std::runtime_error(s.to_string());
  auto out = session->output(0);
  if (!out) throw std::runtime_error(out.status().to_string());
  return std::vector<float>(out->as<float>(), out->as<float>() + out->elements());
}

std::vector<int> confident_regions(const std::vector<float>& prob, int width, int height,
                                   int margin) {
  const int n = 256;
  // Classes on the model grid, eroded by `margin`.
  std::vector<int> grid(n * n, -1);
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      bool all_person = true, all_background = true;
      for (int dy = -margin; dy <= margin; ++dy) {
        for (int dx = -margin; dx <= margin; ++dx) {
          const int yy = std::clamp(y + dy, 0, n - 1), xx = std::clamp(x + dx, 0, n - 1);
          const float p = prob[yy * n + xx];
          all_person &= p > 0.9f;
          all_background &= p < 0.1f;
        }
      }
      grid[y * n + x] = all_person ? 1 : all_background ? 0 : -1;
    }
  }
  std::vector<int> out(static_cast<size_t>(width) * height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      out[static_cast<size_t>(y) * width + x] = grid[(y * n / height) * n + x * n / width];
    }
  }
  return out;
}

}  // namespace gsttest
