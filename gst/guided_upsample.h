// Edge-following upsampling of the low-resolution person mask to frame resolution: a guided
// filter (He et al.) computed on a reduced grid, with the frame's luma as the guide, whose
// linear coefficients are then interpolated to full resolution ("fast guided filter"). The
// mask edge snaps to the edges of the current frame, even when the mask is a few frames old.
#pragma once

#include <cstdint>
#include <vector>

#include "grid.h"
#include "mask_postprocess.h"
#include "video_planes.h"

namespace edgeinfer::gst {

class GuidedUpsampler {
 public:
  // Builds the guide from `frame`, resamples `prob` (any size) to the grid, solves the filter.
  void prepare(const FrameView& frame, const Grid& prob, int radius, float eps);
  // Mask on the grid (for the background blur weights), in [0,1] after the threshold curve.
  void alpha_grid(const SoftThreshold& curve, Grid& out) const;
  // Full-resolution alpha, one byte per frame pixel (row stride = frame width).
  void alpha_plane(const SoftThreshold& curve, std::vector<uint8_t>& out);

  int scale() const { return scale_; }  // frame pixels per grid cell, per axis
  // The filter's linear coefficients on the grid (q = a * guide + b, guide in [0,1]), for tests.
  const Grid& coefficient_a() const { return a_; }
  const Grid& coefficient_b() const { return b_; }

 private:
  int width_ = 0, height_ = 0, scale_ = 1;
  // Full-resolution luma: the frame's own Y plane when it is contiguous, else computed.
  std::vector<uint8_t> luma_storage_;
  const uint8_t* luma_ = nullptr;
  int luma_stride_ = 0;
  // Per grid cell (between two grid rows and columns): alpha 0, 255 or in between somewhere.
  enum : uint8_t { kAllZero = 0, kAllOne = 1, kMixed = 2 };
  void classify_cells(const Grid& a, const Grid& b);
  std::vector<float> point_lo_, point_hi_, point_margin_;
  std::vector<uint8_t> cell_class_;
  std::vector<int> cell_begin_, cell_end_;  // the pixel columns of each cell
  // Cells [c0, c1) of one class along a grid row, pixel columns [x0, x1).
  struct Run {
    uint8_t cls;
    int c0, c1, x0, x1;
  };
  std::vector<Run> runs_;
  std::vector<int> run_start_;        // runs of grid row y: [run_start_[y], run_start_[y + 1])
  std::vector<float> row_a_, row_b_;  // coefficients blended to one pixel row
  Grid guide_, p_, a_, b_, tmp1_, tmp2_, tmp3_;
  std::vector<float> scratch_;
  std::vector<uint16_t> column_sums_;
  ExpandTaps prob_taps_, expand_taps_;
};

// Frame pixels per grid cell: keeps the grid around 320 pixels wide.
int grid_scale_for(int frame_width);

}  // namespace edgeinfer::gst
