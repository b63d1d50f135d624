// edgebgremove in a GstHarness: output caps per mode, and the LATENCY query answered with the
// upstream latency plus the element's latency budget (the harness source is live).
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include <catch2/catch.hpp>
#include <cstring>

namespace {

// A frame of the harness's source caps, filled with a gradient.
GstBuffer* gradient_frame(const GstVideoInfo& info) {
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < map.size; ++i)
    map.data[i] = static_cast<guint8>(i * 7 / 5);
  gst_buffer_unmap(buffer, &map);
  GST_BUFFER_PTS(buffer) = 0;
  GST_BUFFER_DURATION(buffer) = GST_SECOND / 30;
  return buffer;
}

}  // namespace

TEST_CASE("harness: mode=mask turns NV12 into GRAY8 of the same size", "[harness]") {
  GstHarness* h = gst_harness_new_parse("edgebgremove mode=mask");
  gst_harness_set_src_caps_str(h, "video/x-raw,format=NV12,width=64,height=48,framerate=30/1");
  GstVideoInfo in;
  GstCaps* caps = gst_caps_from_string("video/x-raw,format=NV12,width=64,height=48,framerate=30/1");
  REQUIRE(gst_video_info_from_caps(&in, caps));
  gst_caps_unref(caps);
  REQUIRE(gst_harness_push(h, gradient_frame(in)) == GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  REQUIRE(out != nullptr);
  GstCaps* out_caps = gst_pad_get_current_caps(h->sinkpad);
  REQUIRE(out_caps != nullptr);
  GstVideoInfo info;
  REQUIRE(gst_video_info_from_caps(&info, out_caps));
  CHECK(GST_VIDEO_INFO_FORMAT(&info) == GST_VIDEO_FORMAT_GRAY8);
  CHECK(GST_VIDEO_INFO_WIDTH(&info) == 64);
  CHECK(GST_VIDEO_INFO_HEIGHT(&info) == 48);
  CHECK(gst_buffer_get_size(out) == GST_VIDEO_INFO_SIZE(&info));
  gst_caps_unref(out_caps);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST_CASE("harness: the latency query adds the latency budget for a live upstream", "[harness]") {
  GstHarness* h = gst_harness_new_parse("edgebgremove latency-budget=25");
  gst_harness_set_upstream_latency(h, 10 * GST_MSECOND);
  gst_harness_set_src_caps_str(h, "video/x-raw,format=I420,width=32,height=32,framerate=30/1");
  GstVideoInfo in;
  GstCaps* caps = gst_caps_from_string("video/x-raw,format=I420,width=32,height=32,framerate=30/1");
  REQUIRE(gst_video_info_from_caps(&in, caps));
  gst_caps_unref(caps);
  REQUIRE(gst_harness_push(h, gradient_frame(in)) == GST_FLOW_OK);
  gst_buffer_unref(gst_harness_pull(h));
  CHECK(gst_harness_query_latency(h) == 35 * GST_MSECOND);
  gst_harness_teardown(h);
}
