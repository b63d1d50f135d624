#include "tensor_meta_registry.h"

#include <algorithm>
#include <cstring>

namespace edgeinfer::gst {

namespace {

gboolean meta_init(GstMeta* meta, gpointer, GstBuffer*) {
  auto* m = reinterpret_cast<GstEdgeinferTensorMeta*>(meta);
  m->model = nullptr;
  m->frame = 0;
  m->n_tensors = 0;
  m->tensors = nullptr;
  return TRUE;
}

void meta_free(GstMeta* meta, GstBuffer*) {
  auto* m = reinterpret_cast<GstEdgeinferTensorMeta*>(meta);
  for (guint i = 0; i < m->n_tensors; ++i) {
    g_free(m->tensors[i].name);
    g_free(m->tensors[i].data);
  }
  g_free(m->tensors);
  g_free(m->model);
}

void copy_into(GstEdgeinferTensorMeta* dst, const GstEdgeinferTensorMeta* src) {
  dst->model = g_strdup(src->model);
  dst->frame = src->frame;
  dst->n_tensors = src->n_tensors;
  dst->tensors = g_new0(GstEdgeinferTensor, src->n_tensors);
  for (guint i = 0; i < src->n_tensors; ++i) {
    dst->tensors[i] = src->tensors[i];
    dst->tensors[i].name = g_strdup(src->tensors[i].name);
    dst->tensors[i].data = g_memdup2(src->tensors[i].data, src->tensors[i].size);
  }
}

// Tensors do not depend on the pixels' memory layout: kept on copies, dropped otherwise.
gboolean meta_transform(GstBuffer* dest, GstMeta* meta, GstBuffer*, GQuark type, gpointer) {
  if (!GST_META_TRANSFORM_IS_COPY(type)) return FALSE;
  auto* m = reinterpret_cast<GstEdgeinferTensorMeta*>(meta);
  auto* d = reinterpret_cast<GstEdgeinferTensorMeta*>(
      gst_buffer_add_meta(dest, tensor_meta_get_info(), nullptr));
  if (!d) return FALSE;
  copy_into(d, m);
  return TRUE;
}

}  // namespace

GType tensor_meta_api_get_type() {
  static GType type = 0;
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    static const gchar* tags[] = {nullptr};
    type = gst_meta_api_type_register(GST_EDGEINFER_TENSOR_META_API_NAME, tags);
    g_once_init_leave(&once, 1);
  }
  return type;
}

const GstMetaInfo* tensor_meta_get_info() {
  static const GstMetaInfo* info = nullptr;
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    info = gst_meta_register(tensor_meta_api_get_type(), "GstEdgeinferTensorMeta",
                             sizeof(GstEdgeinferTensorMeta), meta_init, meta_free, meta_transform);
    g_once_init_leave(&once, 1);
  }
  return info;
}

GstEdgeinferTensorMeta* add_tensor_meta(GstBuffer* buffer, const std::string& model, uint64_t frame,
                                        const std::vector<NamedTensor>& tensors) {
  auto* m = reinterpret_cast<GstEdgeinferTensorMeta*>(
      gst_buffer_add_meta(buffer, tensor_meta_get_info(), nullptr));
  if (!m) return nullptr;
  m->model = g_strdup(model.c_str());
  m->frame = frame;
  m->n_tensors = static_cast<guint>(tensors.size());
  m->tensors = g_new0(GstEdgeinferTensor, tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    GstEdgeinferTensor& t = m->tensors[i];
    const TensorView& v = tensors[i].view;
    t.name = g_strdup(tensors[i].name.c_str());
    t.dtype = static_cast<GstEdgeinferDType>(v.dtype);
    t.n_dims = static_cast<guint>(std::min<size_t>(v.shape.size(), GST_EDGEINFER_TENSOR_MAX_DIMS));
    for (guint d = 0; d < t.n_dims; ++d)
      t.dims[d] = v.shape[d];
    t.size = v.bytes();
    t.data = g_memdup2(v.data, t.size);
  }
  return m;
}

}  // namespace edgeinfer::gst
