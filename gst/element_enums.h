// GEnum types shared by the elements' properties (backend, memory mode, weights, layout) and
// edgebgremove's own.
#pragma once

#include <glib-object.h>

GType gst_edgeinfer_backend_get_type(void);
GType gst_edgeinfer_memory_mode_get_type(void);
GType gst_edgeinfer_weights_mode_get_type(void);
GType gst_edgeinfer_layout_get_type(void);
GType gst_edge_bg_remove_mode_get_type(void);
GType gst_edge_bg_remove_stale_action_get_type(void);
