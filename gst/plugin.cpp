// libgstedgeinfer: the EdgeInfer GStreamer plugin (edgebgremove, edgeinfer).
#include <gst/gst.h>

#include "gstedgebgremove.h"
#include "gstedgeinfer.h"
#include "tensor_meta_registry.h"

static gboolean plugin_init(GstPlugin* plugin) {
  edgeinfer::gst::tensor_meta_get_info();  // registers the meta API type for readers
  gboolean ok = GST_ELEMENT_REGISTER(edgebgremove, plugin);
  ok &= GST_ELEMENT_REGISTER(edgeinfer, plugin);
  return ok;
}

#define PACKAGE "edgeinfer"
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, edgeinfer,
                  "EdgeInfer: neural network inference and background removal on video",
                  plugin_init, EDGEINFER_VERSION, "Apache-2.0", "EdgeInfer",
                  "https://example.invalid/edgeinfer")
