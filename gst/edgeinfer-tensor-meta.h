/* GstEdgeinferTensorMeta: the output tensors of the edgeinfer element, attached to each video
 * buffer it passes on. Public and header-only for readers: an application or a downstream
 * element includes this file and calls gst_buffer_get_edgeinfer_tensor_meta() (for example in
 * a pad probe); it links nothing but GStreamer, the plugin registers the meta when it loads.
 *
 *   const GstEdgeinferTensorMeta *meta = gst_buffer_get_edgeinfer_tensor_meta (buffer);
 *   if (meta) {
 *     const GstEdgeinferTensor *t = &meta->tensors[0];
 *     // t->name, t->dtype, t->n_dims, t->dims[], t->data (t->size bytes, row-major)
 *   }
 */
#ifndef GST_EDGEINFER_TENSOR_META_H
#define GST_EDGEINFER_TENSOR_META_H

#include <gst/gst.h>
#include <string.h>

G_BEGIN_DECLS

#define GST_EDGEINFER_TENSOR_META_API_NAME "GstEdgeinferTensorMetaAPI"
#define GST_EDGEINFER_TENSOR_MAX_DIMS 8

/* Element types (the values of edgeinfer::DType). */
typedef enum {
  GST_EDGEINFER_DTYPE_UNDEFINED = 0,
  GST_EDGEINFER_DTYPE_FLOAT32,
  GST_EDGEINFER_DTYPE_FLOAT16,
  GST_EDGEINFER_DTYPE_FLOAT64,
  GST_EDGEINFER_DTYPE_INT8,
  GST_EDGEINFER_DTYPE_UINT8,
  GST_EDGEINFER_DTYPE_INT16,
  GST_EDGEINFER_DTYPE_UINT16,
  GST_EDGEINFER_DTYPE_INT32,
  GST_EDGEINFER_DTYPE_UINT32,
  GST_EDGEINFER_DTYPE_INT64,
  GST_EDGEINFER_DTYPE_UINT64,
  GST_EDGEINFER_DTYPE_BOOL
} GstEdgeinferDType;

typedef struct {
  gchar* name; /* the model's output name */
  GstEdgeinferDType dtype;
  guint n_dims;
  gint64 dims[GST_EDGEINFER_TENSOR_MAX_DIMS];
  gpointer data; /* row-major, owned by the meta */
  gsize size;    /* bytes */
} GstEdgeinferTensor;

typedef struct {
  GstMeta meta;
  gchar* model;  /* path of the model that produced the tensors */
  guint64 frame; /* frame number of the inference (0-based, per stream) */
  guint n_tensors;
  GstEdgeinferTensor* tensors;
} GstEdgeinferTensorMeta;

/* The meta's API type; 0 until the edgeinfer plugin is loaded. */
static inline GType gst_edgeinfer_tensor_meta_api_type(void) {
  return g_type_from_name(GST_EDGEINFER_TENSOR_META_API_NAME);
}

static inline GstEdgeinferTensorMeta* gst_buffer_get_edgeinfer_tensor_meta(GstBuffer* buffer) {
  GType api = gst_edgeinfer_tensor_meta_api_type();
  return api ? (GstEdgeinferTensorMeta*)gst_buffer_get_meta(buffer, api) : NULL;
}

/* The tensor called `name`, or NULL. */
static inline const GstEdgeinferTensor* gst_edgeinfer_tensor_meta_find(
    const GstEdgeinferTensorMeta* meta, const gchar* name) {
  guint i;
  for (i = 0; i < meta->n_tensors; i++) {
    if (strcmp(meta->tensors[i].name, name) == 0) return &meta->tensors[i];
  }
  return NULL;
}

G_END_DECLS

#endif /* GST_EDGEINFER_TENSOR_META_H */
