// edgebgremove's per-frame stages in isolation: the element's processing (BgRemoveProcessor) run
// directly on one frame of the portrait, non-live, so that every iteration pre-processes,
// infers and composites in turn with nothing running beside it. Prints the median CPU time of
// each stage (thread CPU clocks, as the element measures them) and the load average, since
// the development machine is shared.
//
//   bench_stages [--width 1280] [--height 720] [--format I420] [--mode blur]
//                [--iterations 100] [--threads 1] [--model PATH] [--json]
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bgremove_processor.h"
#include "pipeline_helpers.h"

using namespace edgeinfer::gst;

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string load_average() {
  double l[3] = {0, 0, 0};
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &l[0], &l[1], &l[2]) != 3) l[0] = l[1] = l[2] = -1;
    std::fclose(f);
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", l[0], l[1], l[2]);
  return buf;
}

int usage(const char* why) {
  std::fprintf(stderr,
               "bench_stages: %s\nusage: bench_stages [--width W] [--height H] [--format F] "
               "[--mode blur|replace|green|alpha|mask] [--iterations N] [--threads T] "
               "[--model PATH] [--json]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  int width = 1280, height = 720, iterations = 100, threads = 1;
  std::string format = "I420", mode = "blur", model;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--json") {
      json = true;
      continue;
    }
    if (!(v = next())) return usage(("missing value after " + a).c_str());
    if (a == "--width") {
      width = std::atoi(v);
    } else if (a == "--height") {
      height = std::atoi(v);
    } else if (a == "--iterations") {
      iterations = std::atoi(v);
    } else if (a == "--threads") {
      threads = std::atoi(v);
    } else if (a == "--format") {
      format = v;
    } else if (a == "--mode") {
      mode = v;
    } else if (a == "--model") {
      model = v;
    } else {
      return usage(("unknown option " + a).c_str());
    }
  }
  if (width < 16 || height < 16 || iterations < 1 || threads < 0) return usage("bad value");

  BgRemoveSettings settings;
  settings.model.model = model;
  settings.model.threads = threads;
  const struct {
    const char* name;
    BgMode mode;
  } modes[] = {{"blur", BgMode::kBlur},
               {"replace", BgMode::kReplace},
               {"green", BgMode::kGreen},
               {"alpha", BgMode::kAlpha},
               {"mask", BgMode::kMask}};
  bool known = false;
  for (const auto& m : modes) {
    if (mode == m.name) {
      settings.mode = m.mode;
      known = true;
    }
  }
  if (!known) return usage("unknown mode");

  // One frame of the portrait in the requested format.
  gsttest::RunResult source;
  gsttest::run_pipeline(
      "filesrc location=" + gsttest::astronaut_path() +
          " ! pngdec ! videoconvert ! videoscale ! video/x-raw,format=RGB,width=" +
          std::to_string(width) + ",height=" + std::to_string(height) +
          " ! videoconvert ! video/x-raw,format=" + format + " ! appsink name=out",
      source);
  if (!source.error.empty() || source.samples.size() != 1) {
    std::fprintf(stderr, "bench_stages: cannot make the frame: %s\n", source.error.c_str());
    return 1;
  }
  GstVideoInfo in_info;
  gst_video_info_from_caps(&in_info, gst_sample_get_caps(source.samples[0]));
  GstVideoInfo out_info = in_info;
  if (settings.mode == BgMode::kMask) {
    gst_video_info_set_format(&out_info, GST_VIDEO_FORMAT_GRAY8, width, height);
  } else if (settings.mode == BgMode::kAlpha) {
    gst_video_info_set_format(&out_info, GST_VIDEO_FORMAT_RGBA, width, height);
  }
  const bool in_place = settings.mode != BgMode::kMask && settings.mode != BgMode::kAlpha;
  GstBuffer* original = gst_sample_get_buffer(source.samples[0]);
  GstBuffer* work = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&in_info), nullptr);
  GstBuffer* out = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&out_info), nullptr);

  BgRemoveProcessor processor;
  if (auto s = processor.start(settings, 0); !s) {
    std::fprintf(stderr, "bench_stages: %s\n", s.to_string().c_str());
    return 1;
  }
  if (auto s = processor.set_formats(in_info, out_info, settings); !s) {
    std::fprintf(stderr, "bench_stages: %s\n", s.to_string().c_str());
    return 1;
  }
  const std::string load_before = load_average();
  std::vector<double> pre, inf_cpu, inf_wall, comp, up, blur, blend;
  const int warmup = 3;
  for (int i = 0; i < warmup + iterations; ++i) {
    // A fresh copy of the frame each time (in place, the previous output would be blurred
    // again); not timed.
    GstMapInfo src_map, dst_map;
    gst_buffer_map(original, &src_map, GST_MAP_READ);
    gst_buffer_map(work, &dst_map, GST_MAP_WRITE);
    std::memcpy(dst_map.data, src_map.data, std::min(src_map.size, dst_map.size));
    gst_buffer_unmap(work, &dst_map);
    gst_buffer_unmap(original, &src_map);
    GstVideoFrame fin, fout;
    gst_video_frame_map(&fin, &in_info, work, GST_MAP_READWRITE);
    if (!in_place) gst_video_frame_map(&fout, &out_info, out, GST_MAP_WRITE);
    const auto s = processor.process(&fin, in_place ? &fin : &fout, settings, false);
    if (!in_place) gst_video_frame_unmap(&fout);
    gst_video_frame_unmap(&fin);
    if (!s) {
      std::fprintf(stderr, "bench_stages: %s\n", s.to_string().c_str());
      return 1;
    }
    if (i < warmup) continue;
    const BgRemoveStats st = processor.stats(true);
    pre.push_back(st.preprocess_ms);
    inf_cpu.push_back(st.inference_cpu_ms);
    inf_wall.push_back(st.inference_ms);
    comp.push_back(st.composite_ms);
    up.push_back(st.upsample_ms);
    blur.push_back(st.blur_ms);
    blend.push_back(st.blend_ms);
  }
  const std::string load_after = load_average();
  processor.stop();
  gst_buffer_unref(work);
  gst_buffer_unref(out);

  const double per_frame_1 = median(pre) + median(inf_cpu) + median(comp);
  if (json) {
    std::printf(
        "{\"width\": %d, \"height\": %d, \"format\": \"%s\", \"mode\": \"%s\", \"threads\": %d, "
        "\"iterations\": %d, \"preprocess_ms\": %.3f, \"inference_cpu_ms\": %.3f, "
        "\"inference_wall_ms\": %.3f, \"composite_ms\": %.3f, \"upsample_ms\": %.3f, "
        "\"blur_ms\": %.3f, \"blend_ms\": %.3f, \"loadavg_before\": \"%s\", "
        "\"loadavg_after\": \"%s\"}\n",
        width, height, format.c_str(), mode.c_str(), threads, iterations, median(pre),
        median(inf_cpu), median(inf_wall), median(comp), median(up), median(blur), median(blend),
        load_before.c_str(), load_after.c_str());
  } else {
    std::printf(
        "edgebgremove stages, %dx%d %s mode=%s, %d iterations, medians of thread CPU time\n", width,
        height, format.c_str(), mode.c_str(), iterations);
    std::printf("  pre-processing       %7.3f ms (once per inference)\n", median(pre));
    std::printf("  inference            %7.3f ms CPU, %.3f ms wall (%d thread%s)\n",
                median(inf_cpu), median(inf_wall), threads, threads == 1 ? "" : "s");
    std::printf("  compositing (total)  %7.3f ms (every frame), of which\n", median(comp));
    std::printf("    upsampling         %7.3f ms (guided filter, full-resolution alpha)\n",
                median(up));
    std::printf("    background blur    %7.3f ms\n", median(blur));
    std::printf("    blending           %7.3f ms\n", median(blend));
    std::printf("  all, inference every frame: %.3f ms\n", per_frame_1);
    std::printf("  load average before: %s, after: %s\n", load_before.c_str(), load_after.c_str());
  }
  return 0;
}
