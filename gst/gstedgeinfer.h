// edgeinfer: runs any ONNX/TFLite image model on video frames and attaches its output tensors
// to each buffer as a GstEdgeinferTensorMeta (edgeinfer-tensor-meta.h). Video passes unchanged.
#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_INFER (gst_edge_infer_get_type())
G_DECLARE_FINAL_TYPE(GstEdgeInfer, gst_edge_infer, GST, EDGE_INFER, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE(edgeinfer);

G_END_DECLS
