#include "element_enums.h"

#include "bgremove_settings.h"
#include "edgeinfer/edgeinfer.h"

using edgeinfer::Backend;
using edgeinfer::CpuLayout;
using edgeinfer::MemoryMode;
using edgeinfer::WeightsMode;
using edgeinfer::gst::BgMode;
using edgeinfer::gst::StaleAction;

#define DEFINE_ENUM_TYPE(func, type_name, ...)                               \
  GType func(void) {                                                         \
    static GType type = 0;                                                   \
    static gsize once = 0;                                                   \
    static const GEnumValue values[] = {__VA_ARGS__, {0, nullptr, nullptr}}; \
    if (g_once_init_enter(&once)) {                                          \
      type = g_enum_register_static(type_name, values);                      \
      g_once_init_leave(&once, 1);                                           \
    }                                                                        \
    return type;                                                             \
  }

DEFINE_ENUM_TYPE(gst_edgeinfer_backend_get_type, "GstEdgeinferBackend",
                 {static_cast<int>(Backend::kAuto), "Vulkan when a device exists, else CPU",
                  "auto"},
                 {static_cast<int>(Backend::kCpu), "CPU", "cpu"},
                 {static_cast<int>(Backend::kVulkan), "Vulkan GPU (an error when none)", "vulkan"})

DEFINE_ENUM_TYPE(gst_edgeinfer_memory_mode_get_type, "GstEdgeinferMemoryMode",
                 {static_cast<int>(MemoryMode::kSeparate), "One buffer per tensor", "separate"},
                 {static_cast<int>(MemoryMode::kReduce), "Free after last use", "reduce"},
                 {static_cast<int>(MemoryMode::kReuse), "Equal sizes share buffers", "reuse"},
                 {static_cast<int>(MemoryMode::kPlanned), "One planned arena", "planned"})

DEFINE_ENUM_TYPE(gst_edgeinfer_weights_mode_get_type, "GstEdgeinferWeightsMode",
                 {static_cast<int>(WeightsMode::kLoad), "Read into memory", "load"},
                 {static_cast<int>(WeightsMode::kMapped),
                  "Mapped from the model file and the packed-weight cache", "mapped"})

DEFINE_ENUM_TYPE(gst_edgeinfer_layout_get_type, "GstEdgeinferLayout",
                 {static_cast<int>(CpuLayout::kAuto), "The faster of the two for the model",
                  "auto"},
                 {static_cast<int>(CpuLayout::kNchw), "ONNX layout (NCHW)", "nchw"},
                 {static_cast<int>(CpuLayout::kNchwc), "Blocked channels (NCHWc)", "nchwc"})

DEFINE_ENUM_TYPE(gst_edge_bg_remove_mode_get_type, "GstEdgeBgRemoveMode",
                 {static_cast<int>(BgMode::kBlur), "Blur the background", "blur"},
                 {static_cast<int>(BgMode::kReplace),
                  "Replace the background by an image or a colour", "replace"},
                 {static_cast<int>(BgMode::kAlpha), "RGBA/BGRA with the mask as alpha", "alpha"},
                 {static_cast<int>(BgMode::kMask), "The mask as GRAY8", "mask"},
                 {static_cast<int>(BgMode::kGreen), "Green screen background", "green"})

DEFINE_ENUM_TYPE(gst_edge_bg_remove_stale_action_get_type, "GstEdgeBgRemoveStaleAction",
                 {static_cast<int>(StaleAction::kKeep), "Keep using the old mask", "keep"},
                 {static_cast<int>(StaleAction::kBlurAll), "Blur the whole frame", "blur-all"},
                 {static_cast<int>(StaleAction::kPassthrough), "Pass the frame unchanged",
                  "passthrough"})
