#include "gstedgeinfer.h"

#include <chrono>
#include <mutex>
#include <optional>

#include "element_enums.h"
#include "element_errors.h"
#include "frame_to_tensor.h"
#include "model_loading.h"
#include "model_properties.h"
#include "tensor_meta_registry.h"

using namespace edgeinfer;
using namespace edgeinfer::gst;

GST_DEBUG_CATEGORY_STATIC(edge_infer_debug);
#define GST_CAT_DEFAULT edge_infer_debug

#define EDGEINFER_FORMATS "{ RGBA, BGRA, RGBx, BGRx, RGB, BGR, I420, NV12, YUY2, GRAY8 }"

namespace {

enum class ColorOrder { kRgb, kBgr };
enum class LayoutHint { kAuto, kNchw, kNhwc };

struct Settings {
  ModelSettings model;
  ColorOrder color_order = ColorOrder::kRgb;
  LayoutHint layout = LayoutHint::kAuto;
  std::string mean = "0";
  std::string scale = "0.00392156862745098";  // 1/255: pixels in [0,1]
  int interval = 1;
};

struct State {
  std::mutex lock;
  Settings settings;
  std::optional<LoadedModel> loaded;
  TensorLayout layout;
  FrameToTensor to_tensor;
  uint64_t frames = 0;
  double inference_ms = 0;
};

GType color_order_get_type() {
  static GType type = 0;
  static gsize once = 0;
  static const GEnumValue values[] = {{static_cast<int>(ColorOrder::kRgb), "RGB", "rgb"},
                                      {static_cast<int>(ColorOrder::kBgr), "BGR", "bgr"},
                                      {0, nullptr, nullptr}};
  if (g_once_init_enter(&once)) {
    type = g_enum_register_static("GstEdgeInferColorOrder", values);
    g_once_init_leave(&once, 1);
  }
  return type;
}

GType layout_get_type() {
  static GType type = 0;
  static gsize once = 0;
  static const GEnumValue values[] = {
      {static_cast<int>(LayoutHint::kAuto), "From the input shape", "auto"},
      {static_cast<int>(LayoutHint::kNchw), "[1,3,H,W]", "nchw"},
      {static_cast<int>(LayoutHint::kNhwc), "[1,H,W,3]", "nhwc"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&once)) {
    type = g_enum_register_static("GstEdgeInferLayout", values);
    g_once_init_leave(&once, 1);
  }
  return type;
}

}  // namespace

struct _GstEdgeInfer {
  GstVideoFilter parent;
  State* state;
};

G_DEFINE_TYPE(GstEdgeInfer, gst_edge_infer, GST_TYPE_VIDEO_FILTER)
GST_ELEMENT_REGISTER_DEFINE(edgeinfer, "edgeinfer", GST_RANK_NONE, GST_TYPE_EDGE_INFER)

enum {
  PROP_0,
  PROP_MODEL_FIRST,  // model, backend, threads, memory-mode, weights, cpu-layout
                     // (model_properties.h)
  PROP_COLOR_ORDER = PROP_MODEL_FIRST + edgeinfer::gst::kModelPropertyCount,
  PROP_LAYOUT,
  PROP_MEAN,
  PROP_SCALE,
  PROP_INFERENCE_INTERVAL,
  PROP_INFERENCE_TIME,
  N_PROPS
};

static GParamSpec* properties[N_PROPS];

static void build_property_table() {
  const Settings d;
  const auto rw_ready = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                 GST_PARAM_MUTABLE_READY);
  make_model_properties(properties, PROP_MODEL_FIRST,
                        "Model file (.onnx or .tflite); empty: the default selfie model");
  properties[PROP_COLOR_ORDER] =
      g_param_spec_enum("color-order", "Colour order", "Channel order of the model's input",
                        color_order_get_type(), static_cast<int>(d.color_order), rw_ready);
  properties[PROP_LAYOUT] =
      g_param_spec_enum("layout", "Layout", "Input tensor layout", layout_get_type(),
                        static_cast<int>(d.layout), rw_ready);
  properties[PROP_MEAN] = g_param_spec_string(
      "mean", "Mean",
      "Per-channel mean subtracted from pixels in [0,255], in the model's channel order: \"m\" "
      "or \"m0,m1,m2\"",
      d.mean.c_str(), rw_ready);
  properties[PROP_SCALE] = g_param_spec_string(
      "scale", "Scale",
      "Per-channel factor applied after the mean: \"s\" or \"s0,s1,s2\" (input = (pixel - mean) "
      "* scale)",
      d.scale.c_str(), rw_ready);
  properties[PROP_INFERENCE_INTERVAL] =
      g_param_spec_int("inference-interval", "Inference interval",
                       "Run the model on every N-th frame (other frames pass without meta)", 1,
                       1000, d.interval, rw_ready);
  properties[PROP_INFERENCE_TIME] = g_param_spec_double(
      "inference-time", "Inference time", "Wall time of the last inference (ms)", 0, G_MAXDOUBLE, 0,
      static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  State* st = GST_EDGE_INFER(object)->state;
  std::lock_guard<std::mutex> lock(st->lock);
  Settings& s = st->settings;
  auto str = [&] {
    const gchar* v = g_value_get_string(value);
    return std::string(v ? v : "");
  };
  if (set_model_property(s.model, id, PROP_MODEL_FIRST, value)) return;
  switch (id) {
    case PROP_COLOR_ORDER:
      s.color_order = static_cast<ColorOrder>(g_value_get_enum(value));
      break;
    case PROP_LAYOUT:
      s.layout = static_cast<LayoutHint>(g_value_get_enum(value));
      break;
    case PROP_MEAN:
      s.mean = str();
      break;
    case PROP_SCALE:
      s.scale = str();
      break;
    case PROP_INFERENCE_INTERVAL:
      s.interval = g_value_get_int(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  State* st = GST_EDGE_INFER(object)->state;
  std::lock_guard<std::mutex> lock(st->lock);
  const Settings& s = st->settings;
  if (get_model_property(s.model, id, PROP_MODEL_FIRST, value)) return;
  switch (id) {
    case PROP_COLOR_ORDER:
      g_value_set_enum(value, static_cast<int>(s.color_order));
      break;
    case PROP_LAYOUT:
      g_value_set_enum(value, static_cast<int>(s.layout));
      break;
    case PROP_MEAN:
      g_value_set_string(value, s.mean.c_str());
      break;
    case PROP_SCALE:
      g_value_set_string(value, s.scale.c_str());
      break;
    case PROP_INFERENCE_INTERVAL:
      g_value_set_int(value, s.interval);
      break;
    case PROP_INFERENCE_TIME:
      g_value_set_double(value, st->inference_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static Status prepare(State* st, const Settings& s) {
  TensorLayout manual;
  if (!parse_triplet(s.mean, manual.mean)) {
    return error(StatusCode::kInvalidArgument, "mean '" + s.mean + "' is not 1 or 3 numbers");
  }
  if (!parse_triplet(s.scale, manual.scale)) {
    return error(StatusCode::kInvalidArgument, "scale '" + s.scale + "' is not 1 or 3 numbers");
  }
  EI_ASSIGN_OR_RETURN(LoadedModel loaded, load_model(s.model));
  const char* hint = s.layout == LayoutHint::kNchw   ? "nchw"
                     : s.layout == LayoutHint::kNhwc ? "nhwc"
                                                     : "auto";
  auto layout = layout_for_input(loaded.model.inputs()[0], hint);
  if (!layout) return layout.status().with_context(loaded.model.path());
  if (loaded.model.inputs().size() > 1) {
    return error(StatusCode::kUnsupported, loaded.model.path() +
                                               ": edgeinfer feeds one image input; the model has " +
                                               std::to_string(loaded.model.inputs().size()));
  }
  st->layout = *layout;
  std::copy(manual.mean, manual.mean + 3, st->layout.mean);
  std::copy(manual.scale, manual.scale + 3, st->layout.scale);
  st->layout.bgr = s.color_order == ColorOrder::kBgr;
  st->loaded.emplace(std::move(loaded));
  st->frames = 0;
  return Status::ok();
}

static gboolean start(GstBaseTransform* trans) {
  State* st = GST_EDGE_INFER(trans)->state;
  Settings s;
  {
    std::lock_guard<std::mutex> lock(st->lock);
    s = st->settings;
  }
  if (Status status = prepare(st, s); !status) {
    post_status_error(GST_ELEMENT(trans), status);
    return FALSE;
  }
  return TRUE;
}

static gboolean stop(GstBaseTransform* trans) {
  GST_EDGE_INFER(trans)->state->loaded.reset();
  return TRUE;
}

static Status infer(State* st, GstVideoFrame* frame, GstBuffer* buffer, int interval) {
  const uint64_t number = st->frames++;
  if (number % static_cast<uint64_t>(interval) != 0) return Status::ok();
  Session& session = st->loaded->session;
  EI_ASSIGN_OR_RETURN(TensorView input, session.input(0));
  const auto t0 = std::chrono::steady_clock::now();
  st->to_tensor.convert(view_frame(frame), st->layout, input.as<float>());
  EI_RETURN_IF_ERROR(session.run());
  std::vector<NamedTensor> tensors;
  const auto& outputs = st->loaded->model.outputs();
  for (size_t i = 0; i < outputs.size(); ++i) {
    EI_ASSIGN_OR_RETURN(TensorView view, session.output(i));
    tensors.push_back({outputs[i].name, view});
  }
  add_tensor_meta(buffer, st->loaded->model.path(), number, tensors);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::lock_guard<std::mutex> lock(st->lock);
  st->inference_ms = ms;
  return Status::ok();
}

static GstFlowReturn transform_ip(GstBaseTransform* trans, GstBuffer* buffer) {
  auto* filter = GST_VIDEO_FILTER(trans);
  State* st = GST_EDGE_INFER(trans)->state;
  int interval;
  {
    std::lock_guard<std::mutex> lock(st->lock);
    interval = st->settings.interval;
  }
  GstVideoFrame frame;
  // Read-only map: the pixels are never written, so shared memory is not copied. No extra
  // reference either, so that the buffer stays writable for the meta.
  if (!gst_video_frame_map(
          &frame, &filter->in_info, buffer,
          static_cast<GstMapFlags>(static_cast<int>(GST_MAP_READ) |
                                   static_cast<int>(GST_VIDEO_FRAME_MAP_FLAG_NO_REF)))) {
    GST_ELEMENT_ERROR(trans, CORE, FAILED, ("cannot map the video frame"), (nullptr));
    return GST_FLOW_ERROR;
  }
  const Status status = infer(st, &frame, buffer, interval);
  gst_video_frame_unmap(&frame);
  if (!status) {
    post_status_error(GST_ELEMENT(trans), status);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static void finalize(GObject* object) {
  auto* self = GST_EDGE_INFER(object);
  delete self->state;
  self->state = nullptr;
  G_OBJECT_CLASS(gst_edge_infer_parent_class)->finalize(object);
}

static void gst_edge_infer_class_init(GstEdgeInferClass* klass) {
  GST_DEBUG_CATEGORY_INIT(edge_infer_debug, "edgeinfer", 0, "EdgeInfer model on video");
  auto* gobject_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  auto* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->finalize = finalize;
  build_property_table();
  g_object_class_install_properties(gobject_class, N_PROPS, properties);
  gst_element_class_set_static_metadata(
      element_class, "EdgeInfer model inference", "Filter/Analyzer/Video",
      "Runs an ONNX or TFLite model on each frame and attaches the output tensors as meta",
      "EdgeInfer project");
  GstCaps* caps = gst_caps_from_string(GST_VIDEO_CAPS_MAKE(EDGEINFER_FORMATS));
  gst_element_class_add_pad_template(
      element_class, gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template(
      element_class, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref(caps);
  gst_type_mark_as_plugin_api(color_order_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(layout_get_type(), static_cast<GstPluginAPIFlags>(0));
  trans_class->start = start;
  trans_class->stop = stop;
  trans_class->transform_ip = transform_ip;
  trans_class->passthrough_on_same_caps = FALSE;
}

static void gst_edge_infer_init(GstEdgeInfer* self) {
  self->state = new State();
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
}
