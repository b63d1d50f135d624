#include "model_properties.h"

#include "element_enums.h"

namespace edgeinfer::gst {

namespace {

// Offsets from an element's first model property id.
enum ModelProperty : guint { kModel, kBackend, kThreads, kMemoryMode, kWeights, kLayout };
static_assert(kLayout + 1 == kModelPropertyCount);

}  // namespace

void make_model_properties(GParamSpec** properties, guint first, const char* model_blurb) {
  const ModelSettings d;
  const auto rw_ready = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                 GST_PARAM_MUTABLE_READY);
  properties[first + kModel] =
      g_param_spec_string("model", "Model", model_blurb, nullptr, rw_ready);
  properties[first + kBackend] =
      g_param_spec_enum("backend", "Backend", "Inference backend", gst_edgeinfer_backend_get_type(),
                        static_cast<int>(d.backend), rw_ready);
  properties[first + kThreads] = g_param_spec_int(
      "threads", "Threads", "Inference threads (0 = one per core)", 0, 64, d.threads, rw_ready);
  properties[first + kMemoryMode] = g_param_spec_enum(
      "memory-mode", "Memory mode", "How the engine allocates intermediate tensors",
      gst_edgeinfer_memory_mode_get_type(), static_cast<int>(d.memory_mode), rw_ready);
  properties[first + kWeights] = g_param_spec_enum(
      "weights", "Weights",
      "Where the model's weights live: read into memory, or mapped from the model file and the "
      "cache of pre-packed weights (shared page cache, not private memory)",
      gst_edgeinfer_weights_mode_get_type(), static_cast<int>(d.weights), rw_ready);
  properties[first + kLayout] = g_param_spec_enum(
      "cpu-layout", "CPU layout",
      "How the CPU carries tensors between convolutions: the ONNX layout, blocked channels "
      "(NCHWc), or the faster of the two for the model",
      gst_edgeinfer_layout_get_type(), static_cast<int>(d.layout), rw_ready);
}

bool set_model_property(ModelSettings& settings, guint id, guint first, const GValue* value) {
  if (id < first || id >= first + kModelPropertyCount) return false;
  switch (id - first) {
    case kModel: {
      const gchar* v = g_value_get_string(value);
      settings.model = v ? v : "";
      break;
    }
    case kBackend:
      settings.backend = static_cast<Backend>(g_value_get_enum(value));
      break;
    case kThreads:
      settings.threads = g_value_get_int(value);
      break;
    case kMemoryMode:
      settings.memory_mode = static_cast<MemoryMode>(g_value_get_enum(value));
      break;
    case kWeights:
      settings.weights = static_cast<WeightsMode>(g_value_get_enum(value));
      break;
    case kLayout:
      settings.layout = static_cast<CpuLayout>(g_value_get_enum(value));
      break;
  }
  return true;
}

bool get_model_property(const ModelSettings& settings, guint id, guint first, GValue* value) {
  if (id < first || id >= first + kModelPropertyCount) return false;
  switch (id - first) {
    case kModel:
      g_value_set_string(value, settings.model.empty() ? nullptr : settings.model.c_str());
      break;
    case kBackend:
      g_value_set_enum(value, static_cast<int>(settings.backend));
      break;
    case kThreads:
      g_value_set_int(value, settings.threads);
      break;
    case kMemoryMode:
      g_value_set_enum(value, static_cast<int>(settings.memory_mode));
      break;
    case kWeights:
      g_value_set_enum(value, static_cast<int>(settings.weights));
      break;
    case kLayout:
      g_value_set_enum(value, static_cast<int>(settings.layout));
      break;
  }
  return true;
}

}  // namespace edgeinfer::gst
