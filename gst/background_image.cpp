#include "background_image.h"

#include <gst/app/gstappsink.h>

#include <algorithm>

namespace edgeinfer::gst {

BackgroundImage::~BackgroundImage() {
  clear_rendered();
  if (image_) gst_sample_unref(image_);
}

void BackgroundImage::clear_rendered() {
  if (rendered_) gst_video_frame_unmap(&frame_);
  rendered_ = false;
  if (buffer_) gst_buffer_unref(buffer_);
  buffer_ = nullptr;
}

Status BackgroundImage::load(const std::string& path) {
  if (!g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR)) {
    return error(StatusCode::kNotFound, "background image '" + path + "' does not exist");
  }
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(
      "filesrc name=src ! decodebin ! videoconvert ! video/x-raw,format=RGBA ! "
      "appsink name=sink sync=false",
      &err);
  if (!pipeline) {
    std::string message = err ? err->message : "unknown error";
    g_clear_error(&err);
    return error(StatusCode::kInternal, "cannot build the image decoder: " + message);
  }
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  g_object_set(src, "location", path.c_str(), nullptr);
  gst_element_set_state(pipeline, GST_STATE_PAUSED);
  // Preroll or fail: an undecodable file is an error message right away, not a time-out.
  std::string reason = "no image decoded";
  GstSample* sample = nullptr;
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* msg = gst_bus_timed_pop_filtered(
      bus, 10 * GST_SECOND,
      static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_ASYNC_DONE));
  if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError* e = nullptr;
    gst_message_parse_error(msg, &e, nullptr);
    if (e) reason = e->message;
    g_clear_error(&e);
  } else if (msg) {
    sample = gst_app_sink_try_pull_preroll(GST_APP_SINK(sink), 0);
  } else {
    reason = "timed out decoding it";
  }
  if (msg) gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  if (!sample) {
    return error(StatusCode::kIoError, "cannot read background image '" + path + "': " + reason);
  }
  if (image_) gst_sample_unref(image_);
  image_ = sample;
  return Status::ok();
}

Status BackgroundImage::render(const GstVideoInfo& info) {
  clear_rendered();
  if (!image_) return error(StatusCode::kInvalidArgument, "no background image loaded");
  GstVideoInfo in;
  if (!gst_video_info_from_caps(&in, gst_sample_get_caps(image_))) {
    return error(StatusCode::kInternal, "background image has no video caps");
  }
  // Scale to cover: crop the image to the frame's aspect ratio, centred.
  const double scale = std::max(static_cast<double>(info.width) / in.width,
                                static_cast<double>(info.height) / in.height);
  const int crop_w = std::clamp(static_cast<int>(info.width / scale + 0.5), 1, in.width);
  const int crop_h = std::clamp(static_cast<int>(info.height / scale + 0.5), 1, in.height);
  GstStructure* config =
      gst_structure_new("config", GST_VIDEO_CONVERTER_OPT_SRC_X, G_TYPE_INT,
                        (in.width - crop_w) / 2, GST_VIDEO_CONVERTER_OPT_SRC_Y, G_TYPE_INT,
                        (in.height - crop_h) / 2, GST_VIDEO_CONVERTER_OPT_SRC_WIDTH, G_TYPE_INT,
                        crop_w, GST_VIDEO_CONVERTER_OPT_SRC_HEIGHT, G_TYPE_INT, crop_h, nullptr);
  // A still image: take the frame's rate so that the converter accepts the pair.
  in.fps_n = info.fps_n;
  in.fps_d = info.fps_d;
  GstVideoConverter* converter =
      gst_video_converter_new(&in, const_cast<GstVideoInfo*>(&info), config);
  if (!converter) return error(StatusCode::kInternal, "cannot convert the background image");
  buffer_ = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  GstVideoFrame src;
  if (!gst_video_frame_map(&src, &in, gst_sample_get_buffer(image_), GST_MAP_READ)) {
    gst_video_converter_free(converter);
    return error(StatusCode::kInternal, "cannot map the background image");
  }
  rendered_ =
      gst_video_frame_map(&frame_, const_cast<GstVideoInfo*>(&info), buffer_, GST_MAP_READWRITE);
  if (rendered_) gst_video_converter_frame(converter, &src, &frame_);
  gst_video_frame_unmap(&src);
  gst_video_converter_free(converter);
  if (!rendered_) return error(StatusCode::kInternal, "cannot map the background frame");
  return Status::ok();
}

}  // namespace edgeinfer::gst
