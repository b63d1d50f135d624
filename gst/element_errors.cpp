#include "element_errors.h"

void post_status_error(GstElement* element, const edgeinfer::Status& status) {
  using edgeinfer::StatusCode;
  const std::string text = status.to_string();
  GError* err = nullptr;
  switch (status.code()) {
    case StatusCode::kNotFound:
      err = g_error_new_literal(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND, text.c_str());
      break;
    case StatusCode::kIoError:
      err = g_error_new_literal(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ, text.c_str());
      break;
    case StatusCode::kInvalidModel:
    case StatusCode::kUnsupported:
    case StatusCode::kInvalidArgument:
      err = g_error_new_literal(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, text.c_str());
      break;
    case StatusCode::kBackendUnavailable:
      err = g_error_new_literal(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, text.c_str());
      break;
    default:
      err = g_error_new_literal(GST_CORE_ERROR, GST_CORE_ERROR_FAILED, text.c_str());
      break;
  }
  gst_element_post_message(element, gst_message_new_error(GST_OBJECT(element), err, text.c_str()));
  g_error_free(err);
}
