// The engine properties both elements have: model, backend, threads, memory-mode, weights,
// cpu-layout.
// One table, so the two elements cannot drift apart in names, ranges, defaults or blurbs.
//
// An element reserves kModelPropertyCount ids from `first` in its property enum, lets
// make_model_properties fill those slots of its GParamSpec table, and hands its set/get calls
// to set_model_property / get_model_property first.
#pragma once

#include <gst/gst.h>

#include "model_loading.h"

namespace edgeinfer::gst {

inline constexpr guint kModelPropertyCount = 6;

// Fills properties[first] .. properties[first + kModelPropertyCount - 1]; `model_blurb` says
// which models the element takes.
void make_model_properties(GParamSpec** properties, guint first, const char* model_blurb);

// False when `id` is not one of the model properties (the element handles it itself).
bool set_model_property(ModelSettings& settings, guint id, guint first, const GValue* value);
bool get_model_property(const ModelSettings& settings, guint id, guint first, GValue* value);

}  // namespace edgeinfer::gst
