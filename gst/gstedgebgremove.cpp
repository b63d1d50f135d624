// edgebgremove: GObject glue around BgRemoveProcessor (properties, caps, errors, latency,
// statistics messages). The per-frame work is in bgremove_processor.cpp.
#include "gstedgebgremove.h"

#include <cstdlib>
#include <mutex>
#include <new>

#include "bgremove_processor.h"
#include "element_enums.h"
#include "element_errors.h"
#include "model_properties.h"

using namespace edgeinfer;
using namespace edgeinfer::gst;

GST_DEBUG_CATEGORY_STATIC(edge_bg_remove_debug);
#define GST_CAT_DEFAULT edge_bg_remove_debug

#define BGREMOVE_IN_FORMATS "{ RGBA, BGRA, RGBx, BGRx, RGB, BGR, I420, NV12, YUY2 }"
#define BGREMOVE_OUT_FORMATS "{ RGBA, BGRA, RGBx, BGRx, RGB, BGR, I420, NV12, YUY2, GRAY8 }"

namespace {

struct State {
  std::mutex lock;  // guards settings
  BgRemoveSettings settings;
  BgRemoveProcessor processor;
  bool live_known = false;
  bool live = false;
  GstClockTime last_stats_pts = GST_CLOCK_TIME_NONE;
};

}  // namespace

struct _GstEdgeBgRemove {
  GstVideoFilter parent;
  State* state;
};

G_DEFINE_TYPE(GstEdgeBgRemove, gst_edge_bg_remove, GST_TYPE_VIDEO_FILTER)
GST_ELEMENT_REGISTER_DEFINE(edgebgremove, "edgebgremove", GST_RANK_NONE, GST_TYPE_EDGE_BG_REMOVE)

enum {
  PROP_0,
  PROP_MODEL_FIRST,  // model, backend, threads, memory-mode, weights, cpu-layout
                     // (model_properties.h)
  PROP_MODE = PROP_MODEL_FIRST + edgeinfer::gst::kModelPropertyCount,
  PROP_THRESHOLD,
  PROP_SOFTNESS,
  PROP_TEMPORAL_SMOOTHING,
  PROP_BLUR_STRENGTH,
  PROP_BACKGROUND,
  PROP_BACKGROUND_COLOR,
  PROP_LATENCY_BUDGET,
  PROP_INFERENCE_INTERVAL,
  PROP_STALE_MASK_ACTION,
  PROP_MAX_MASK_AGE,
  // read-only statistics
  PROP_INFERENCE_TIME,
  PROP_INFERENCE_CPU_TIME,
  PROP_PREPROCESS_TIME,
  PROP_COMPOSITE_TIME,
  PROP_CPU_TIME_PER_FRAME,
  PROP_MASK_AGE,
  PROP_REUSED_MASK_FRAMES,
  PROP_INFERENCES,
  PROP_FRAMES,
  N_PROPS
};

static GParamSpec* properties[N_PROPS];

// The property table: ranges, defaults and blurbs, as gst-inspect-1.0 shows them.
static void build_property_table() {
  const BgRemoveSettings d;
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const auto rw_ready = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_READY);
  const auto rw_playing = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_PLAYING);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  make_model_properties(properties, PROP_MODEL_FIRST,
                        "Segmentation model (.onnx or .tflite); empty: the default MediaPipe "
                        "selfie segmentation model from the model search path");
  properties[PROP_MODE] =
      g_param_spec_enum("mode", "Mode", "What to do with the background",
                        gst_edge_bg_remove_mode_get_type(), static_cast<int>(d.mode), rw_ready);
  properties[PROP_THRESHOLD] =
      g_param_spec_double("threshold", "Threshold", "Person probability at the middle of the edge",
                          0.0, 1.0, d.threshold, rw_playing);
  properties[PROP_SOFTNESS] = g_param_spec_double(
      "softness", "Softness", "Width of the soft edge in probability (0 = hard cut)", 0.0, 1.0,
      d.softness, rw_playing);
  properties[PROP_TEMPORAL_SMOOTHING] = g_param_spec_double(
      "temporal-smoothing", "Temporal smoothing",
      "Weight of the previous mask where the mask changes little (motion is followed at once)", 0.0,
      0.95, d.temporal_smoothing, rw_playing);
  properties[PROP_BLUR_STRENGTH] = g_param_spec_int("blur-strength", "Blur strength",
                                                    "Background blur radius in pixels (mode=blur)",
                                                    1, 200, d.blur_strength, rw_playing);
  properties[PROP_BACKGROUND] = g_param_spec_string(
      "background", "Background image",
      "Image file for mode=replace, scaled to cover the frame; empty: background-color", nullptr,
      rw_ready);
  properties[PROP_BACKGROUND_COLOR] = g_param_spec_uint(
      "background-color", "Background colour", "0xRRGGBB colour for mode=replace without image", 0,
      0xFFFFFF, d.background_color, rw_playing);
  properties[PROP_LATENCY_BUDGET] = g_param_spec_int(
      "latency-budget", "Latency budget",
      "Live sources: ms a frame may wait for its own mask before the newest older one is used "
      "(reported as the element's latency)",
      0, 1000, d.latency_budget_ms, rw_ready);
  properties[PROP_INFERENCE_INTERVAL] = g_param_spec_int(
      "inference-interval", "Inference interval",
      "Run the model every N frames (0 = adapt: whenever the previous inference is done)", 0, 1000,
      d.inference_interval, rw_playing);
  properties[PROP_STALE_MASK_ACTION] = g_param_spec_enum(
      "stale-mask-action", "Stale mask action",
      "What to do when the mask is older than max-mask-age frames (or there is none yet)",
      gst_edge_bg_remove_stale_action_get_type(), static_cast<int>(d.stale_action), rw_playing);
  properties[PROP_MAX_MASK_AGE] = g_param_spec_int("max-mask-age", "Maximum mask age",
                                                   "Frames after which the mask counts as stale", 0,
                                                   10000, d.max_mask_age, rw_playing);
  properties[PROP_INFERENCE_TIME] =
      g_param_spec_double("inference-time", "Inference time",
                          "Wall time of the last inference (ms)", 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_INFERENCE_CPU_TIME] =
      g_param_spec_double("inference-cpu-time", "Inference CPU time",
                          "CPU time of the last inference (ms)", 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_PREPROCESS_TIME] =
      g_param_spec_double("preprocess-time", "Pre-processing time",
                          "CPU time of the last pre-processing (ms)", 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_COMPOSITE_TIME] = g_param_spec_double(
      "composite-time", "Compositing time",
      "CPU time of the last mask refinement and compositing (ms)", 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_CPU_TIME_PER_FRAME] = g_param_spec_double(
      "cpu-time-per-frame", "CPU time per frame",
      "Pre-processing + inference + compositing CPU time per output frame over the last second "
      "(ms)",
      0, G_MAXDOUBLE, 0, ro);
  properties[PROP_MASK_AGE] = g_param_spec_int(
      "mask-age", "Mask age", "Frames between the last output frame and its mask (-1: none)", -1,
      G_MAXINT, -1, ro);
  properties[PROP_REUSED_MASK_FRAMES] =
      g_param_spec_uint64("reused-mask-frames", "Reused-mask frames",
                          "Frames composited with an older frame's mask", 0, G_MAXUINT64, 0, ro);
  properties[PROP_INFERENCES] =
      g_param_spec_uint64("inferences", "Inferences", "Inferences finished", 0, G_MAXUINT64, 0, ro);
  properties[PROP_FRAMES] =
      g_param_spec_uint64("frames", "Frames", "Frames processed", 0, G_MAXUINT64, 0, ro);
}

static void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  State* st = GST_EDGE_BG_REMOVE(object)->state;
  std::lock_guard<std::mutex> lock(st->lock);
  BgRemoveSettings& s = st->settings;
  if (set_model_property(s.model, id, PROP_MODEL_FIRST, value)) return;
  switch (id) {
    case PROP_MODE:
      s.mode = static_cast<BgMode>(g_value_get_enum(value));
      break;
    case PROP_THRESHOLD:
      s.threshold = g_value_get_double(value);
      break;
    case PROP_SOFTNESS:
      s.softness = g_value_get_double(value);
      break;
    case PROP_TEMPORAL_SMOOTHING:
      s.temporal_smoothing = g_value_get_double(value);
      break;
    case PROP_BLUR_STRENGTH:
      s.blur_strength = g_value_get_int(value);
      break;
    case PROP_BACKGROUND: {
      const gchar* v = g_value_get_string(value);
      s.background = v ? v : "";
      break;
    }
    case PROP_BACKGROUND_COLOR:
      s.background_color = g_value_get_uint(value);
      break;
    case PROP_LATENCY_BUDGET:
      s.latency_budget_ms = g_value_get_int(value);
      break;
    case PROP_INFERENCE_INTERVAL:
      s.inference_interval = g_value_get_int(value);
      break;
    case PROP_STALE_MASK_ACTION:
      s.stale_action = static_cast<StaleAction>(g_value_get_enum(value));
      break;
    case PROP_MAX_MASK_AGE:
      s.max_mask_age = g_value_get_int(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  State* st = GST_EDGE_BG_REMOVE(object)->state;
  if (id >= PROP_INFERENCE_TIME) {
    const BgRemoveStats stats = st->processor.stats(false);
    switch (id) {
      case PROP_INFERENCE_TIME:
        g_value_set_double(value, stats.inference_ms);
        break;
      case PROP_INFERENCE_CPU_TIME:
        g_value_set_double(value, stats.inference_cpu_ms);
        break;
      case PROP_PREPROCESS_TIME:
        g_value_set_double(value, stats.preprocess_ms);
        break;
      case PROP_COMPOSITE_TIME:
        g_value_set_double(value, stats.composite_ms);
        break;
      case PROP_CPU_TIME_PER_FRAME:
        g_value_set_double(value, stats.cpu_per_frame_ms);
        break;
      case PROP_MASK_AGE:
        g_value_set_int(value, stats.mask_age);
        break;
      case PROP_REUSED_MASK_FRAMES:
        g_value_set_uint64(value, stats.reused_mask_frames);
        break;
      case PROP_INFERENCES:
        g_value_set_uint64(value, stats.inferences);
        break;
      case PROP_FRAMES:
        g_value_set_uint64(value, stats.frames);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
        break;
    }
    return;
  }
  std::lock_guard<std::mutex> lock(st->lock);
  const BgRemoveSettings& s = st->settings;
  if (get_model_property(s.model, id, PROP_MODEL_FIRST, value)) return;
  switch (id) {
    case PROP_MODE:
      g_value_set_enum(value, static_cast<int>(s.mode));
      break;
    case PROP_THRESHOLD:
      g_value_set_double(value, s.threshold);
      break;
    case PROP_SOFTNESS:
      g_value_set_double(value, s.softness);
      break;
    case PROP_TEMPORAL_SMOOTHING:
      g_value_set_double(value, s.temporal_smoothing);
      break;
    case PROP_BLUR_STRENGTH:
      g_value_set_int(value, s.blur_strength);
      break;
    case PROP_BACKGROUND:
      g_value_set_string(value, s.background.empty() ? nullptr : s.background.c_str());
      break;
    case PROP_BACKGROUND_COLOR:
      g_value_set_uint(value, s.background_color);
      break;
    case PROP_LATENCY_BUDGET:
      g_value_set_int(value, s.latency_budget_ms);
      break;
    case PROP_INFERENCE_INTERVAL:
      g_value_set_int(value, s.inference_interval);
      break;
    case PROP_STALE_MASK_ACTION:
      g_value_set_enum(value, static_cast<int>(s.stale_action));
      break;
    case PROP_MAX_MASK_AGE:
      g_value_set_int(value, s.max_mask_age);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static BgRemoveSettings snapshot(State* st) {
  std::lock_guard<std::mutex> lock(st->lock);
  return st->settings;
}

static gboolean start(GstBaseTransform* trans) {
  auto* self = GST_EDGE_BG_REMOVE(trans);
  State* st = self->state;
  const BgRemoveSettings settings = snapshot(st);
  const char* delay = std::getenv("EDGEINFER_TEST_INFERENCE_DELAY_MS");
  const int delay_ms = delay ? std::atoi(delay) : 0;
  if (Status s = st->processor.start(settings, delay_ms); !s) {
    post_status_error(GST_ELEMENT(self), s);
    return FALSE;
  }
  st->live_known = false;
  st->last_stats_pts = GST_CLOCK_TIME_NONE;
  return TRUE;
}

static gboolean stop(GstBaseTransform* trans) {
  GST_EDGE_BG_REMOVE(trans)->state->processor.stop();
  return TRUE;
}

static GstCaps* transform_caps(GstBaseTransform* trans, GstPadDirection direction, GstCaps* caps,
                               GstCaps* filter) {
  State* st = GST_EDGE_BG_REMOVE(trans)->state;
  const BgMode mode = snapshot(st).mode;
  GstCaps* result;
  if (mode != BgMode::kAlpha && mode != BgMode::kMask) {
    result = gst_caps_copy(caps);  // same format in and out
  } else {
    result = gst_caps_new_empty();
    GValue formats = G_VALUE_INIT;
    g_value_init(&formats, GST_TYPE_LIST);
    auto add = [&](const char* name) {
      GValue v = G_VALUE_INIT;
      g_value_init(&v, G_TYPE_STRING);
      g_value_set_string(&v, name);
      gst_value_list_append_and_take_value(&formats, &v);
    };
    if (direction == GST_PAD_SINK) {
      if (mode == BgMode::kAlpha) {
        add("RGBA");
        add("BGRA");
      } else {
        add("GRAY8");
      }
    } else {
      for (const char* f : {"RGBA", "BGRA", "RGBx", "BGRx", "RGB", "BGR", "I420", "NV12", "YUY2"}) {
        add(f);
      }
    }
    for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
      GstStructure* s = gst_structure_copy(gst_caps_get_structure(caps, i));
      gst_structure_set_value(s, "format", &formats);
      gst_structure_remove_fields(s, "colorimetry", "chroma-site", nullptr);
      gst_caps_append_structure_full(result, s,
                                     gst_caps_features_copy(gst_caps_get_features(caps, i)));
    }
    g_value_unset(&formats);
  }
  if (filter) {
    GstCaps* tmp = gst_caps_intersect_full(filter, result, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(result);
    result = tmp;
  }
  return result;
}

static gboolean set_info(GstVideoFilter* filter, GstCaps*, GstVideoInfo* in_info, GstCaps*,
                         GstVideoInfo* out_info) {
  State* st = GST_EDGE_BG_REMOVE(filter)->state;
  const BgRemoveSettings settings = snapshot(st);
  if (Status s = st->processor.set_formats(*in_info, *out_info, settings); !s) {
    post_status_error(GST_ELEMENT(filter), s);
    return FALSE;
  }
  // Same format in and out: composite in place, so person pixels are never rewritten.
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(filter), settings.mode != BgMode::kAlpha &&
                                                                  settings.mode != BgMode::kMask);
  return TRUE;
}

static bool upstream_is_live(GstBaseTransform* trans) {
  GstQuery* query = gst_query_new_latency();
  gboolean live = FALSE;
  if (gst_pad_peer_query(GST_BASE_TRANSFORM_SINK_PAD(trans), query)) {
    gst_query_parse_latency(query, &live, nullptr, nullptr);
  }
  gst_query_unref(query);
  return live;
}

static void post_stats(GstEdgeBgRemove* self, const BgRemoveStats& s) {
  GstStructure* st = gst_structure_new(
      "edgebgremove-stats", "frames", G_TYPE_UINT64, s.frames, "inferences", G_TYPE_UINT64,
      s.inferences, "reused-mask-frames", G_TYPE_UINT64, s.reused_mask_frames, "stale-frames",
      G_TYPE_UINT64, s.stale_frames, "mask-age", G_TYPE_INT, s.mask_age, "max-mask-age-seen",
      G_TYPE_INT, s.max_mask_age_seen, "max-mask-age-window", G_TYPE_INT, s.window_max_mask_age,
      "inference-time", G_TYPE_DOUBLE, s.inference_ms, "inference-cpu-time", G_TYPE_DOUBLE,
      s.inference_cpu_ms, "preprocess-time", G_TYPE_DOUBLE, s.preprocess_ms, "composite-time",
      G_TYPE_DOUBLE, s.composite_ms, "upsample-time", G_TYPE_DOUBLE, s.upsample_ms, "blur-time",
      G_TYPE_DOUBLE, s.blur_ms, "blend-time", G_TYPE_DOUBLE, s.blend_ms, "cpu-time-per-frame",
      G_TYPE_DOUBLE, s.cpu_per_frame_ms, nullptr);
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), st));
}

static GstFlowReturn process_frame(GstVideoFilter* filter, GstVideoFrame* in, GstVideoFrame* out) {
  auto* self = GST_EDGE_BG_REMOVE(filter);
  State* st = self->state;
  if (!st->live_known) {
    st->live = upstream_is_live(GST_BASE_TRANSFORM(filter));
    st->live_known = true;
    GST_INFO_OBJECT(self, "upstream is %s", st->live ? "live" : "not live");
  }
  if (Status s = st->processor.process(in, out, snapshot(st), st->live); !s) {
    post_status_error(GST_ELEMENT(self), s);
    return GST_FLOW_ERROR;
  }
  // Once a second of stream time (every 30 frames when buffers carry no timestamps).
  const GstClockTime pts = GST_BUFFER_PTS(in->buffer);
  bool due;
  if (GST_CLOCK_TIME_IS_VALID(pts)) {
    if (!GST_CLOCK_TIME_IS_VALID(st->last_stats_pts)) st->last_stats_pts = pts;
    due = pts >= st->last_stats_pts + GST_SECOND;
    if (due) st->last_stats_pts = pts;
  } else {
    due = st->processor.stats(false).frames % 30 == 0;
  }
  if (due) post_stats(self, st->processor.stats(true));
  return GST_FLOW_OK;
}

static GstFlowReturn transform_frame(GstVideoFilter* filter, GstVideoFrame* in,
                                     GstVideoFrame* out) {
  return process_frame(filter, in, out);
}

static GstFlowReturn transform_frame_ip(GstVideoFilter* filter, GstVideoFrame* frame) {
  return process_frame(filter, frame, frame);
}

static gboolean query(GstBaseTransform* trans, GstPadDirection direction, GstQuery* q) {
  const gboolean ok =
      GST_BASE_TRANSFORM_CLASS(gst_edge_bg_remove_parent_class)->query(trans, direction, q);
  if (ok && direction == GST_PAD_SRC && GST_QUERY_TYPE(q) == GST_QUERY_LATENCY) {
    // What this element adds for a live source: at most the latency budget of waiting.
    gboolean live;
    GstClockTime min, max;
    gst_query_parse_latency(q, &live, &min, &max);
    if (live) {
      const GstClockTime budget =
          static_cast<GstClockTime>(snapshot(GST_EDGE_BG_REMOVE(trans)->state).latency_budget_ms) *
          GST_MSECOND;
      min += budget;
      if (GST_CLOCK_TIME_IS_VALID(max)) max += budget;
      gst_query_set_latency(q, live, min, max);
    }
  }
  return ok;
}

static void finalize(GObject* object) {
  auto* self = GST_EDGE_BG_REMOVE(object);
  delete self->state;
  self->state = nullptr;
  G_OBJECT_CLASS(gst_edge_bg_remove_parent_class)->finalize(object);
}

static void gst_edge_bg_remove_class_init(GstEdgeBgRemoveClass* klass) {
  GST_DEBUG_CATEGORY_INIT(edge_bg_remove_debug, "edgebgremove", 0, "EdgeInfer background removal");
  auto* gobject_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  auto* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  auto* filter_class = GST_VIDEO_FILTER_CLASS(klass);
  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->finalize = finalize;
  build_property_table();
  g_object_class_install_properties(gobject_class, N_PROPS, properties);

  gst_element_class_set_static_metadata(
      element_class, "EdgeInfer background removal", "Filter/Effect/Video",
      "Person segmentation for video calls: blurs, replaces or cuts out the background",
      "EdgeInfer project");
  gst_element_class_add_pad_template(
      element_class,
      gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                           gst_caps_from_string(GST_VIDEO_CAPS_MAKE(BGREMOVE_IN_FORMATS))));
  gst_element_class_add_pad_template(
      element_class,
      gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                           gst_caps_from_string(GST_VIDEO_CAPS_MAKE(BGREMOVE_OUT_FORMATS))));
  for (GType t : {gst_edgeinfer_backend_get_type(), gst_edgeinfer_memory_mode_get_type(),
                  gst_edgeinfer_weights_mode_get_type(), gst_edge_bg_remove_mode_get_type(),
                  gst_edge_bg_remove_stale_action_get_type()}) {
    gst_type_mark_as_plugin_api(t, static_cast<GstPluginAPIFlags>(0));
  }

  trans_class->start = start;
  trans_class->stop = stop;
  trans_class->transform_caps = transform_caps;
  trans_class->query = query;
  filter_class->set_info = set_info;
  filter_class->transform_frame = transform_frame;
  filter_class->transform_frame_ip = transform_frame_ip;
}

static void gst_edge_bg_remove_init(GstEdgeBgRemove* self) {
  self->state = new State();
  gst_base_transform_set_qos_enabled(GST_BASE_TRANSFORM(self), TRUE);
}
