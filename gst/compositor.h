// Blends the frame (foreground) over a background with the full-resolution alpha, component by
// component in the frame's own format. Integer arithmetic on the full-resolution path.
#pragma once

#include <cstdint>
#include <vector>

#include "grid.h"
#include "video_planes.h"

namespace edgeinfer::gst {

struct Background {
  enum class Kind { kColour, kFrame, kGrid };
  Kind kind = Kind::kColour;
  uint8_t colour[3] = {0, 0, 0};     // component values (already in the frame's colour space)
  const FrameView* frame = nullptr;  // same format and size as the output
  // Low-resolution background per component, each already expanded to the component's width
  // (expand_columns), rows at grid spacing.
  const Grid* grids[3] = {nullptr, nullptr, nullptr};
  int grid_scale = 1;
};

// Row buffers the compositor reuses from frame to frame.
struct CompositeScratch {
  std::vector<uint8_t> background[3], alpha;
};

// out = bg + (in - bg) * alpha / 255 for each colour component. `in` and `out` share format and
// size (they may be the same memory: then person pixels are not touched). A real alpha
// channel is copied; x padding bytes are left as they are.
void composite(const FrameView& in, const std::vector<uint8_t>& alpha, const Background& bg,
               const FrameView& out, CompositeScratch& scratch);

// Copies the colour components of `in` to `out` (same format).
void copy_components(const FrameView& in, const FrameView& out);

}  // namespace edgeinfer::gst
