// Embedding EdgeInfer's GStreamer elements in an application:
//   appsrc (RGB frames) -> edgeinfer (tensor meta) -> edgebgremove mode=alpha -> appsink
// The application pushes frames, then reads each composited RGBA frame and the tensors that
// edgeinfer attached to it (edgeinfer-tensor-meta.h), and prints a summary.
//
//   embed_app [IMAGE] [FRAMES]     (IMAGE: any picture GStreamer decodes; default: a test
//                                   pattern; the plugin is found through GST_PLUGIN_PATH)
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "edgeinfer-tensor-meta.h"

namespace {

constexpr int kWidth = 320, kHeight = 240;

// The frame to push: a decoded image, or a simple synthetic picture.
std::vector<uint8_t> make_frame(const char* image) {
  std::vector<uint8_t> rgb(kWidth * kHeight * 3);
  if (image) {
    gchar* desc = g_strdup_printf(
        "filesrc location=\"%s\" ! decodebin ! videoconvert ! videoscale ! "
        "video/x-raw,format=RGB,width=%d,height=%d ! appsink name=sink",
        image, kWidth, kHeight);
    GstElement* p = gst_parse_launch(desc, nullptr);
    g_free(desc);
    if (!p) return {};
    GstElement* sink = gst_bin_get_by_name(GST_BIN(p), "sink");
    gst_element_set_state(p, GST_STATE_PAUSED);
    GstSample* sample = gst_app_sink_try_pull_preroll(GST_APP_SINK(sink), 10 * GST_SECOND);
    if (sample) {
      GstVideoInfo info;
      gst_video_info_from_caps(&info, gst_sample_get_caps(sample));
      GstVideoFrame f;
      gst_video_frame_map(&f, &info, gst_sample_get_buffer(sample), GST_MAP_READ);
      for (int y = 0; y < kHeight; ++y) {
        const auto* row = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&f, 0)) +
                          y * GST_VIDEO_FRAME_PLANE_STRIDE(&f, 0);
        std::copy(row, row + kWidth * 3, rgb.begin() + y * kWidth * 3);
      }
      gst_video_frame_unmap(&f);
      gst_sample_unref(sample);
    }
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(p);
    if (!sample) return {};
  } else {
    for (int y = 0; y < kHeight; ++y) {
      for (int x = 0; x < kWidth; ++x) {
        uint8_t* px = &rgb[(y * kWidth + x) * 3];
        px[0] = static_cast<uint8_t>(x * 255 / kWidth);
        px[1] = static_cast<uint8_t>(y * 255 / kHeight);
        px[2] = 128;
      }
    }
  }
  return rgb;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  const char* image = argc > 1 ? argv[1] : nullptr;
  const int frames = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::vector<uint8_t> rgb = make_frame(image);
  if (rgb.empty()) {
    std::fprintf(stderr, "embed_app: cannot decode %s\n", image);
    return 1;
  }

  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(
      "appsrc name=src format=time ! videoconvert ! edgeinfer ! edgebgremove mode=alpha ! "
      "video/x-raw,format=RGBA ! appsink name=sink sync=false",
      &err);
  if (!pipeline) {
    std::fprintf(stderr, "embed_app: %s\n", err ? err->message : "cannot build the pipeline");
    return 1;
  }
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstCaps* caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "RGB", "width",
                                      G_TYPE_INT, kWidth, "height", G_TYPE_INT, kHeight,
                                      "framerate", GST_TYPE_FRACTION, 30, 1, nullptr);
  gst_app_src_set_caps(GST_APP_SRC(src), caps);
  gst_caps_unref(caps);

  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    GstMessage* msg = gst_bus_pop_filtered(gst_element_get_bus(pipeline), GST_MESSAGE_ERROR);
    GError* e = nullptr;
    if (msg) gst_message_parse_error(msg, &e, nullptr);
    std::fprintf(stderr, "embed_app: %s\n", e ? e->message : "the pipeline does not start");
    return 1;
  }
  for (int i = 0; i < frames; ++i) {
    GstBuffer* buffer = gst_buffer_new_memdup(rgb.data(), rgb.size());
    GST_BUFFER_PTS(buffer) = gst_util_uint64_scale(i, GST_SECOND, 30);
    GST_BUFFER_DURATION(buffer) = gst_util_uint64_scale(1, GST_SECOND, 30);
    gst_app_src_push_buffer(GST_APP_SRC(src), buffer);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));

  int received = 0, with_meta = 0;
  double person_fraction = 0;
  while (GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    if (const GstEdgeinferTensorMeta* meta = gst_buffer_get_edgeinfer_tensor_meta(buffer)) {
      ++with_meta;
      const GstEdgeinferTensor& t = meta->tensors[0];
      std::printf("frame %d: tensor '%s' [", received, t.name);
      for (guint d = 0; d < t.n_dims; ++d)
        std::printf("%s%ld", d ? "," : "", (long)t.dims[d]);
      std::printf("] %zu bytes\n", static_cast<size_t>(t.size));
    }
    // The composited frame: RGBA with the person mask as alpha.
    GstVideoInfo info;
    gst_video_info_from_caps(&info, gst_sample_get_caps(sample));
    GstVideoFrame f;
    if (gst_video_frame_map(&f, &info, buffer, GST_MAP_READ)) {
      long opaque = 0;
      for (int y = 0; y < kHeight; ++y) {
        const auto* row = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&f, 0)) +
                          y * GST_VIDEO_FRAME_PLANE_STRIDE(&f, 0);
        for (int x = 0; x < kWidth; ++x)
          opaque += row[x * 4 + 3] > 127;
      }
      person_fraction = static_cast<double>(opaque) / (kWidth * kHeight);
      gst_video_frame_unmap(&f);
    }
    ++received;
    gst_sample_unref(sample);
  }
  std::printf("received %d frames, %d with tensor meta, last frame %.1f%% person\n", received,
              with_meta, 100 * person_fraction);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  gst_deinit();
  return received == frames && with_meta == frames ? 0 : 1;
}
