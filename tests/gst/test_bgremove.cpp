// edgebgremove through real pipelines: caps for every format, each mode on a real portrait
// against the engine's own mask, live realtime behaviour with slow inference, determinism for
// files, and every error case.
#include <glib/gstdio.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "pipeline_helpers.h"

using namespace gsttest;

namespace {

const char* kFormats[] = {"RGBA", "BGRA", "RGBx", "BGRx", "RGB", "BGR", "I420", "NV12", "YUY2"};

// The portrait scaled in RGB, then converted: every format shows the same picture.
std::string astronaut_source(int width, int height, const std::string& format, int frames) {
  return "filesrc location=" + astronaut_path() +
         " ! pngdec ! videoconvert ! videoscale ! video/x-raw,format=RGB,width=" +
         std::to_string(width) + ",height=" + std::to_string(height) +
         " ! videoconvert ! video/x-raw,format=" + format +
         " ! imagefreeze num-buffers=" + std::to_string(frames);
}

// The regions of the portrait where the engine itself is sure (computed once).
const std::vector<float>& astronaut_probability() {
  static const std::vector<float> prob = reference_probability(astronaut_rgb(256, 256));
  return prob;
}

// Component 0 (R for RGB formats, Y for YUV) of a sample, one byte per pixel.
std::vector<uint8_t> first_component(GstSample* sample, int& width, int& height) {
  GstVideoInfo info;
  REQUIRE(gst_video_info_from_caps(&info, gst_sample_get_caps(sample)));
  GstVideoFrame frame;
  REQUIRE(gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ));
  width = GST_VIDEO_FRAME_COMP_WIDTH(&frame, 0);
  height = GST_VIDEO_FRAME_COMP_HEIGHT(&frame, 0);
  const auto* data = static_cast<const uint8_t*>(GST_VIDEO_FRAME_COMP_DATA(&frame, 0));
  const int ps = GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, 0);
  const int stride = GST_VIDEO_FRAME_COMP_STRIDE(&frame, 0);
  std::vector<uint8_t> out(static_cast<size_t>(width) * height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x)
      out[y * width + x] = data[y * stride + x * ps];
  }
  gst_video_frame_unmap(&frame);
  return out;
}

struct Difference {
  int person_max = 0;          // largest change on sure-person pixels
  double background_mean = 0;  // mean change on sure-background pixels
  size_t person = 0, background = 0;
};

Difference compare(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b,
                   const std::vector<int>& regions, int channels) {
  Difference d;
  double sum = 0;
  for (size_t i = 0; i < regions.size(); ++i) {
    for (int c = 0; c < channels; ++c) {
      const int diff = std::abs(a[i * channels + c] - b[i * channels + c]);
      if (regions[i] == 1) d.person_max = std::max(d.person_max, diff);
      if (regions[i] == 0) sum += diff;
    }
    d.person += regions[i] == 1;
    d.background += regions[i] == 0;
  }
  d.background_mean = d.background ? sum / (d.background * channels) : 0;
  return d;
}

uint64_t uint64_property(GstElement* pipeline, const char* element, const char* name) {
  GstElement* e = gst_bin_get_by_name(GST_BIN(pipeline), element);
  guint64 v = 0;
  g_object_get(e, name, &v, nullptr);
  gst_object_unref(e);
  return v;
}

}  // namespace

TEST_CASE("edgebgremove negotiates every format in each output family", "[caps]") {
  const int w = 128, h = 96;
  // The engine's mask of the picture the element sees (128x96, scaled up to the model's size),
  // eroded by more than the guided filter's reach (two windows of 4 pixels at this size).
  const std::vector<float> prob = reference_probability(astronaut_rgb(256, 256, w, h));
  const std::vector<int> regions = confident_regions(prob, w, h, 24);
  for (const char* format : kFormats) {
    RunResult original;
    run_pipeline(astronaut_source(w, h, format, 1) + " ! appsink name=out", original);
    REQUIRE(original.samples.size() == 1);
    for (const char* mode : {"blur", "alpha", "mask"}) {
      INFO(format << " mode=" << mode);
      RunResult run;
      run_pipeline(astronaut_source(w, h, format, 1) + " ! edgebgremove mode=" + mode +
                       " ! appsink name=out",
                   run);
      REQUIRE(run.error == "");
      REQUIRE(run.samples.size() == 1);
      GstVideoInfo info;
      REQUIRE(gst_video_info_from_caps(&info, gst_sample_get_caps(run.samples[0])));
      CHECK(GST_VIDEO_INFO_WIDTH(&info) == w);
      CHECK(GST_VIDEO_INFO_HEIGHT(&info) == h);
      const std::string out_format = gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info));
      if (std::string(mode) == "blur") {
        CHECK(out_format == format);
        // Same format in and out: the first component is comparable byte for byte.
        int cw, ch, ow, oh;
        const auto out = first_component(run.samples[0], cw, ch);
        const auto in = first_component(original.samples[0], ow, oh);
        REQUIRE(cw == w);
        const Difference d = compare(out, in, regions, 1);
        CHECK(d.person_max <= 2);
        CHECK(d.background_mean > 1.0);
      } else if (std::string(mode) == "alpha") {
        CHECK((out_format == "RGBA" || out_format == "BGRA"));
      } else {
        CHECK(out_format == "GRAY8");
      }
    }
  }
}

TEST_CASE("each mode changes the background of the portrait and keeps the person", "[modes]") {
  const auto& prob = astronaut_probability();
  const Image original = astronaut_rgb(256, 256);
  const std::vector<int> regions = confident_regions(prob, 256, 256, 12);
  const std::string source = astronaut_source(256, 256, "RGB", 2);
  const std::string rgb_out = " ! videoconvert ! video/x-raw,format=RGB ! appsink name=out";

  auto run_mode = [&](const std::string& element, const std::string& tail) {
    RunResult run;
    run_pipeline(source + " ! " + element + tail, run);
    REQUIRE(run.error == "");
    REQUIRE(run.samples.size() == 2);
    return sample_to_image(run.samples[1]);
  };
  auto background_all = [&](const Image& img, const uint8_t rgb[3]) {
    int worst = 0;
    for (size_t i = 0; i < regions.size(); ++i) {
      if (regions[i] != 0) continue;
      for (int c = 0; c < 3; ++c)
        worst = std::max(worst, std::abs(img.pixels[i * 3 + c] - rgb[c]));
    }
    return worst;
  };

  SECTION("blur") {
    const Image out = run_mode("edgebgremove mode=blur blur-strength=16", rgb_out);
    const Difference d = compare(out.pixels, original.pixels, regions, 3);
    REQUIRE(d.person > 1000);
    REQUIRE(d.background > 1000);
    CHECK(d.person_max <= 2);
    CHECK(d.background_mean > 4.0);
  }
  SECTION("replace with a colour") {
    const Image out = run_mode("edgebgremove mode=replace background-color=0x3366cc", rgb_out);
    const Difference d = compare(out.pixels, original.pixels, regions, 3);
    CHECK(d.person_max <= 2);
    const uint8_t colour[3] = {0x33, 0x66, 0xcc};
    CHECK(background_all(out, colour) <= 2);
  }
  SECTION("replace with an image") {
    const Image out =
        run_mode("edgebgremove mode=replace background=" + skimage_path("coffee.png"), rgb_out);
    const Difference d = compare(out.pixels, original.pixels, regions, 3);
    CHECK(d.person_max <= 2);
    CHECK(d.background_mean > 10.0);
  }
  SECTION("green") {
    const Image out = run_mode("edgebgremove mode=green", rgb_out);
    const Difference d = compare(out.pixels, original.pixels, regions, 3);
    CHECK(d.person_max <= 2);
    const uint8_t green[3] = {0, 255, 0};
    CHECK(background_all(out, green) <= 2);
  }
  SECTION("alpha") {
    const Image out =
        run_mode("edgebgremove mode=alpha", " ! video/x-raw,format=RGBA ! appsink name=out");
    REQUIRE(out.channels == 4);
    int person_rgb = 0, person_alpha = 255, background_alpha = 0;
    for (size_t i = 0; i < regions.size(); ++i) {
      if (regions[i] == 1) {
        for (int c = 0; c < 3; ++c) {
          person_rgb =
              std::max(person_rgb, std::abs(out.pixels[i * 4 + c] - original.pixels[i * 3 + c]));
        }
        person_alpha = std::min<int>(person_alpha, out.pixels[i * 4 + 3]);
      } else if (regions[i] == 0) {
        background_alpha = std::max<int>(background_alpha, out.pixels[i * 4 + 3]);
      }
    }
    CHECK(person_rgb <= 2);
    CHECK(person_alpha == 255);
    CHECK(background_alpha == 0);
  }
  SECTION("mask") {
    const Image out = run_mode("edgebgremove mode=mask", " ! appsink name=out");
    REQUIRE(out.channels == 1);
    int person_min = 255, background_max = 0;
    for (size_t i = 0; i < regions.size(); ++i) {
      if (regions[i] == 1) person_min = std::min<int>(person_min, out.pixels[i]);
      if (regions[i] == 0) background_max = std::max<int>(background_max, out.pixels[i]);
    }
    CHECK(person_min == 255);
    CHECK(background_max == 0);
  }
}

TEST_CASE("a live source keeps its frame rate when inference is slow", "[live]") {
  // 300 ms per inference against 33 ms per frame: most frames must reuse an older mask and
  // still reach a synchronised sink without being dropped as late (more than 50 ms: a frame
  // held for an inference would be about 300 ms late).
  g_setenv("EDGEINFER_TEST_INFERENCE_DELAY_MS", "300", TRUE);
  RunResult run;
  guint64 rendered = 0, dropped = 0, frames = 0, reused = 0, inferences = 0;
  run_pipeline(
      "videotestsrc is-live=true num-buffers=40 pattern=ball ! "
      "video/x-raw,format=I420,width=64,height=48,framerate=30/1 ! "
      "edgebgremove name=bg mode=blur ! fakesink name=sink sync=true qos=true "
      "max-lateness=50000000",
      run, {}, [&](GstElement* pipeline) {
        GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
        GstStructure* stats = nullptr;
        g_object_get(sink, "stats", &stats, nullptr);
        gst_structure_get_uint64(stats, "rendered", &rendered);
        gst_structure_get_uint64(stats, "dropped", &dropped);
        gst_structure_free(stats);
        gst_object_unref(sink);
        frames = uint64_property(pipeline, "bg", "frames");
        reused = uint64_property(pipeline, "bg", "reused-mask-frames");
        inferences = uint64_property(pipeline, "bg", "inferences");
      });
  g_unsetenv("EDGEINFER_TEST_INFERENCE_DELAY_MS");
  REQUIRE(run.error == "");
  CHECK(frames == 40);
  CHECK(rendered == 40);
  CHECK(dropped == 0);
  CHECK(inferences >= 1);
  CHECK(inferences < 20);
  CHECK(reused >= 25);
  // The once-a-second statistics message.
  bool stats_message = false;
  for (GstStructure* s : run.element_messages) {
    if (gst_structure_has_name(s, "edgebgremove-stats")) {
      stats_message = gst_structure_has_field(s, "mask-age") &&
                      gst_structure_has_field(s, "inference-time") &&
                      gst_structure_has_field(s, "reused-mask-frames") &&
                      gst_structure_has_field(s, "cpu-time-per-frame");
    }
  }
  CHECK(stats_message);
}

TEST_CASE("a non-live source gets one inference per frame, deterministically", "[file]") {
  // Even with slow inference a file is processed frame by frame with its own mask.
  g_setenv("EDGEINFER_TEST_INFERENCE_DELAY_MS", "40", TRUE);
  const std::string pipeline =
      "videotestsrc num-buffers=4 pattern=ball ! video/x-raw,format=RGBx,width=96,height=64 ! "
      "edgebgremove name=bg mode=blur ! appsink name=out";
  std::vector<std::vector<uint8_t>> outputs[2];
  for (auto& out : outputs) {
    RunResult run;
    guint64 reused = 1, inferences = 0;
    run_pipeline(pipeline, run, {}, [&](GstElement* p) {
      reused = uint64_property(p, "bg", "reused-mask-frames");
      inferences = uint64_property(p, "bg", "inferences");
    });
    REQUIRE(run.error == "");
    REQUIRE(run.samples.size() == 4);
    CHECK(reused == 0);
    CHECK(inferences == 4);
    for (GstSample* s : run.samples)
      out.push_back(sample_to_image(s).pixels);
  }
  g_unsetenv("EDGEINFER_TEST_INFERENCE_DELAY_MS");
  CHECK(outputs[0] == outputs[1]);
}

TEST_CASE("errors are readable bus messages at the state change", "[errors]") {
  const std::string source = "videotestsrc num-buffers=1 ! video/x-raw,width=64,height=48 ! ";
  auto expect_error = [&](const std::string& element, const std::string& fragment) {
    INFO(element);
    RunResult run;
    run_pipeline(source + element + " ! fakesink", run);
    CHECK_FALSE(run.started);
    CHECK(run.error.find(fragment) != std::string::npos);
    UNSCOPED_INFO("message: " << run.error);
  };
  SECTION("missing model") {
    expect_error("edgebgremove model=/nonexistent/selfie.tflite", "/nonexistent/selfie.tflite");
  }
  SECTION("invalid model") {
    gchar* path = g_build_filename(g_get_tmp_dir(), "edgebgremove-not-a-model.onnx", nullptr);
    std::ofstream(path) << "this is not a model";
    expect_error(std::string("edgebgremove model=") + path, path);
    g_unlink(path);
    g_free(path);
  }
  SECTION("unsupported model") {
    // A valid ONNX model that is no image segmentation network (input [3,4,5]).
    const std::string abs_model = "/usr/include/onnx/backend/test/data/node/test_abs/model.onnx";
    REQUIRE(g_file_test(abs_model.c_str(), G_FILE_TEST_IS_REGULAR));
    expect_error("edgebgremove model=" + abs_model, "[1,H,W,3]");
  }
  SECTION("unreadable background image") {
    expect_error("edgebgremove mode=replace background=/nonexistent/bg.png", "/nonexistent/bg.png");
    gchar* path = g_build_filename(g_get_tmp_dir(), "edgebgremove-not-an-image.png", nullptr);
    std::ofstream(path) << "this is not an image";
    expect_error(std::string("edgebgremove mode=replace background=") + path, "background image");
    g_unlink(path);
    g_free(path);
  }
}

// Run in a process of its own (meson test gst_bgremove_no_vulkan) with the Vulkan loader pointed
// at a driver file that does not exist: the engine keeps one Vulkan instance per process, so the
// environment must be set before anything in the process touches Vulkan.
TEST_CASE("backend=vulkan without a Vulkan device is a readable error", "[novulkan]") {
  const char* icd = g_getenv("VK_DRIVER_FILES");
  REQUIRE(icd != nullptr);
  REQUIRE_FALSE(g_file_test(icd, G_FILE_TEST_EXISTS));
  RunResult run;
  run_pipeline(
      "videotestsrc num-buffers=1 ! video/x-raw,width=64,height=48 ! "
      "edgebgremove backend=vulkan ! fakesink",
      run);
  CHECK_FALSE(run.started);
  gchar* lower = g_ascii_strdown(run.error.c_str(), -1);
  CHECK(std::string(lower).find("vulkan") != std::string::npos);
  g_free(lower);
}

// Run in a process of its own (meson test gst_bgremove_vulkan): on CI the only Vulkan device is
// Mesa's lavapipe (slow: small frames, few of them), with the validation layer on
// (EDGEINFER_VULKAN_VALIDATION=1, so any validation error fails the run and so the pipeline).
// The element with backend=vulkan must give what it gives with backend=cpu: same model, same
// mask up to float rounding, so the composited frames agree within a couple of levels.
TEST_CASE("backend=vulkan composites like backend=cpu", "[vulkan]") {
  const int w = 160, h = 120;
  const std::vector<float> prob = reference_probability(astronaut_rgb(256, 256, w, h));
  const std::vector<int> regions = confident_regions(prob, w, h, 24);
  const std::string rgb_out = " ! videoconvert ! video/x-raw,format=RGB ! appsink name=out";
  auto run_backend = [&](const std::string& backend, const std::string& mode,
                         const std::string& tail) {
    INFO("backend=" << backend << " mode=" << mode);
    RunResult run;
    run_pipeline(astronaut_source(w, h, "I420", 2) + " ! edgebgremove name=bg backend=" + backend +
                     " mode=" + mode + tail,
                 run);
    REQUIRE(run.error == "");
    REQUIRE(run.samples.size() == 2);
    return sample_to_image(run.samples[1]);
  };
  auto max_and_mean_difference = [](const Image& a, const Image& b, int& max, double& mean) {
    REQUIRE(a.pixels.size() == b.pixels.size());
    max = 0;
    double sum = 0;
    for (size_t i = 0; i < a.pixels.size(); ++i) {
      const int d = std::abs(a.pixels[i] - b.pixels[i]);
      max = std::max(max, d);
      sum += d;
    }
    mean = sum / a.pixels.size();
  };

  SECTION("mask") {
    const Image cpu = run_backend("cpu", "mask", " ! appsink name=out");
    const Image vulkan = run_backend("vulkan", "mask", " ! appsink name=out");
    REQUIRE(vulkan.channels == 1);
    int max;
    double mean;
    max_and_mean_difference(vulkan, cpu, max, mean);
    UNSCOPED_INFO("mask difference vulkan-cpu: max " << max << ", mean " << mean);
    CHECK(max <= 4);
    CHECK(mean < 0.1);
    // And against the engine's own mask of the picture.
    int person_min = 255, background_max = 0;
    for (size_t i = 0; i < regions.size(); ++i) {
      if (regions[i] == 1) person_min = std::min<int>(person_min, vulkan.pixels[i]);
      if (regions[i] == 0) background_max = std::max<int>(background_max, vulkan.pixels[i]);
    }
    CHECK(person_min == 255);
    CHECK(background_max == 0);
  }
  SECTION("blur") {
    // The same conversions without the element: person pixels must come through unchanged.
    RunResult plain;
    run_pipeline(astronaut_source(w, h, "I420", 1) + rgb_out, plain);
    REQUIRE(plain.samples.size() == 1);
    const Image original = sample_to_image(plain.samples[0]);
    const Image cpu = run_backend("cpu", "blur", rgb_out);
    const Image vulkan = run_backend("vulkan", "blur", rgb_out);
    int max;
    double mean;
    max_and_mean_difference(vulkan, cpu, max, mean);
    UNSCOPED_INFO("blur difference vulkan-cpu: max " << max << ", mean " << mean);
    CHECK(max <= 4);
    CHECK(mean < 0.1);
    const Difference d = compare(vulkan.pixels, original.pixels, regions, 3);
    REQUIRE(d.person > 500);
    REQUIRE(d.background > 500);
    CHECK(d.person_max <= 2);
    CHECK(d.background_mean > 1.0);
  }
  SECTION("live source") {
    // The realtime path (worker thread, latency budget) on the Vulkan session: every frame
    // leaves, and the frames after the first inference carry a Vulkan mask. Four seconds:
    // lavapipe with validation takes about 1.2 s per inference here, so even a loaded machine
    // finishes one.
    RunResult run;
    guint64 frames = 0, inferences = 0;
    double inference_ms = 0;
    run_pipeline(
        "videotestsrc is-live=true num-buffers=120 pattern=ball ! "
        "video/x-raw,format=I420,width=64,height=48,framerate=30/1 ! "
        "edgebgremove name=bg backend=vulkan mode=blur ! fakesink name=sink sync=true",
        run, {}, [&](GstElement* pipeline) {
          frames = uint64_property(pipeline, "bg", "frames");
          inferences = uint64_property(pipeline, "bg", "inferences");
          GstElement* bg = gst_bin_get_by_name(GST_BIN(pipeline), "bg");
          g_object_get(bg, "inference-time", &inference_ms, nullptr);
          gst_object_unref(bg);
        });
    REQUIRE(run.error == "");
    UNSCOPED_INFO("inferences: " << inferences << ", last " << inference_ms << " ms");
    CHECK(frames == 120);
    CHECK(inferences >= 1);
  }
}

TEST_CASE("weights=mapped gives the frames of weights=load", "[weights]") {
  // Both elements take the engine's weights option (model_properties.h); mapped weights are
  // the same bytes read through a file mapping, so the masks must agree to the bit.
  for (const char* factory : {"edgebgremove", "edgeinfer"}) {
    GstElement* element = gst_element_factory_make(factory, nullptr);
    REQUIRE(element != nullptr);
    GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), "weights");
    INFO(factory);
    REQUIRE(spec != nullptr);
    GEnumClass* values = G_PARAM_SPEC_ENUM(spec)->enum_class;
    CHECK(
        std::string(g_enum_get_value(values, G_PARAM_SPEC_ENUM(spec)->default_value)->value_nick) ==
        "load");
    gst_util_set_object_arg(G_OBJECT(element), "weights", "mapped");
    gint value = -1;
    g_object_get(element, "weights", &value, nullptr);
    CHECK(std::string(g_enum_get_value(values, value)->value_nick) == "mapped");
    gst_object_unref(element);
  }
  std::vector<uint8_t> masks[2];
  const char* modes[] = {"load", "mapped"};
  for (int i = 0; i < 2; ++i) {
    RunResult run;
    run_pipeline(astronaut_source(160, 120, "RGB", 1) +
                     " ! edgebgremove mode=mask weights=" + modes[i] + " ! appsink name=out",
                 run);
    INFO(modes[i] << ": " << run.error);
    REQUIRE(run.error == "");
    REQUIRE(run.samples.size() == 1);
    masks[i] = sample_to_image(run.samples[0]).pixels;
  }
  REQUIRE(masks[0].size() == 160u * 120u);
  CHECK(masks[0] == masks[1]);
  // Not a blank frame: the portrait has both person and background.
  CHECK(*std::max_element(masks[0].begin(), masks[0].end()) == 255);
  CHECK(*std::min_element(masks[0].begin(), masks[0].end()) == 0);
}

TEST_CASE("cpu-layout=nchw and cpu-layout=nchwc give the same masks", "[layout]") {
  // Both elements take the engine's CPU layout option (model_properties.h), default auto.
  for (const char* factory : {"edgebgremove", "edgeinfer"}) {
    GstElement* element = gst_element_factory_make(factory, nullptr);
    REQUIRE(element != nullptr);
    GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), "cpu-layout");
    INFO(factory);
    REQUIRE(spec != nullptr);
    GEnumClass* values = G_PARAM_SPEC_ENUM(spec)->enum_class;
    CHECK(
        std::string(g_enum_get_value(values, G_PARAM_SPEC_ENUM(spec)->default_value)->value_nick) ==
        "auto");
    gst_util_set_object_arg(G_OBJECT(element), "cpu-layout", "nchwc");
    gint value = -1;
    g_object_get(element, "cpu-layout", &value, nullptr);
    CHECK(std::string(g_enum_get_value(values, value)->value_nick) == "nchwc");
    gst_object_unref(element);
  }
  std::vector<uint8_t> masks[2];
  const char* layouts[] = {"nchw", "nchwc"};
  for (int i = 0; i < 2; ++i) {
    RunResult run;
    run_pipeline(astronaut_source(160, 120, "RGB", 1) +
                     " ! edgebgremove mode=mask backend=cpu cpu-layout=" + layouts[i] +
                     " ! appsink name=out",
                 run);
    INFO(layouts[i] << ": " << run.error);
    REQUIRE(run.error == "");
    REQUIRE(run.samples.size() == 1);
    masks[i] = sample_to_image(run.samples[0]).pixels;
  }
  REQUIRE(masks[0].size() == 160u * 120u);
  REQUIRE(masks[1].size() == masks[0].size());
  // Other summation orders: the masks may differ by a rounding step at the soft edge.
  int worst = 0;
  for (size_t i = 0; i < masks[0].size(); ++i)
    worst = std::max(worst, std::abs(int(masks[0][i]) - int(masks[1][i])));
  CHECK(worst <= 1);
  CHECK(*std::max_element(masks[0].begin(), masks[0].end()) == 255);
  CHECK(*std::min_element(masks[0].begin(), masks[0].end()) == 0);
}
