// edgebgremove: background removal for video calls and virtual cameras (docs/elements.md).
#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_BG_REMOVE (gst_edge_bg_remove_get_type())
G_DECLARE_FINAL_TYPE(GstEdgeBgRemove, gst_edge_bg_remove, GST, EDGE_BG_REMOVE, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE(edgebgremove);

G_END_DECLS
