// Engine Status -> GStreamer element error on the bus (domain chosen from the status code).
#pragma once

#include <gst/gst.h>

#include "edgeinfer/status.h"

void post_status_error(GstElement* element, const edgeinfer::Status& status);
