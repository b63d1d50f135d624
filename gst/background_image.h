// The replacement background: an image file decoded once (through GStreamer's own decoders)
// and rendered into the negotiated format and size, scaled to cover the frame (centre crop).
#pragma once

#include <gst/video/video.h>

#include <string>

#include "edgeinfer/status.h"

namespace edgeinfer::gst {

class BackgroundImage {
 public:
  BackgroundImage() = default;
  ~BackgroundImage();
  BackgroundImage(const BackgroundImage&) = delete;
  BackgroundImage& operator=(const BackgroundImage&) = delete;

  // Decodes `path` (any image GStreamer can decode) to RGBA.
  Status load(const std::string& path);
  bool loaded() const { return image_ != nullptr; }
  // Renders the image for frames of `info`; the result stays valid until the next call.
  Status render(const GstVideoInfo& info);
  GstVideoFrame* frame() { return rendered_ ? &frame_ : nullptr; }

 private:
  void clear_rendered();

  GstSample* image_ = nullptr;
  GstBuffer* buffer_ = nullptr;
  GstVideoFrame frame_{};
  bool rendered_ = false;
};

}  // namespace edgeinfer::gst
