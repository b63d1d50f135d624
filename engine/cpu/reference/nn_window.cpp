#include "cpu/reference/nn_window.h"

#include <algorithm>

namespace edgeinfer::cpu::reference {

std::string dims_to_string(const std::vector<int64_t>& dims) {
  return shape_to_string(dims);
}

Result<std::vector<int64_t>> spatial_attr(const KernelContext& ctx, const std::string& name,
                                          size_t rank, int64_t fallback, bool positive) {
  std::vector<int64_t> values = ctx.node().attr_ints(name, std::vector<int64_t>(rank, fallback));
  if (values.size() != rank) {
    return ctx.invalid("attribute '" + name + "' " + dims_to_string(values) + " needs " +
                       std::to_string(rank) + " values for " + std::to_string(rank) +
                       " spatial dims");
  }
  for (int64_t v : values) {
    if (positive && v < 1) {
      return ctx.invalid("attribute '" + name + "' " + dims_to_string(values) +
                         " must be positive");
    }
  }
  return values;
}

Result<Window> forward_window(const KernelContext& ctx, const std::vector<int64_t>& input,
                              const std::vector<int64_t>& kernel, bool use_dilations,
                              bool ceil_mode) {
  const size_t rank = input.size();
  Window w;
  w.kernel = kernel;
  w.input = input;
  for (int64_t k : kernel) {
    if (k < 1) return ctx.invalid("kernel shape " + dims_to_string(kernel) + " must be positive");
  }
  EI_ASSIGN_OR_RETURN(w.strides, spatial_attr(ctx, "strides", rank, 1, true));
  if (use_dilations) {
    EI_ASSIGN_OR_RETURN(w.dilations, spatial_attr(ctx, "dilations", rank, 1, true));
  } else {
    w.dilations.assign(rank, 1);
  }
  EI_ASSIGN_OR_RETURN(std::vector<int64_t> pads, spatial_attr(ctx, "pads", 2 * rank, 0, false));
  for (int64_t p : pads) {
    if (p < 0) return ctx.invalid("attribute 'pads' " + dims_to_string(pads) + " is negative");
  }
  const std::string auto_pad = ctx.node().attr_string("auto_pad", "NOTSET");
  w.pads_begin.resize(rank);
  w.pads_end.resize(rank);
  w.output.resize(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t in = input[d];
    const int64_t s = w.strides[d];
    const int64_t ek = w.extent(d);
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      // Output covers ceil(in / stride) positions; the padding that needs is split evenly,
      // the odd one going to the end (SAME_UPPER) or the beginning (SAME_LOWER).
      const int64_t out = ceil_div(in, s);
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + ek - in);
      w.pads_begin[d] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.pads_end[d] = total - w.pads_begin[d];
      w.output[d] = out;
      continue;
    }
    if (auto_pad == "VALID") {
      w.pads_begin[d] = 0;
      w.pads_end[d] = 0;
    } else if (auto_pad == "NOTSET" || auto_pad.empty()) {
      w.pads_begin[d] = pads[d];
      w.pads_end[d] = pads[d + rank];
    } else {
      return ctx.invalid("unknown auto_pad '" + auto_pad + "'");
    }
    const int64_t span = in + w.pads_begin[d] + w.pads_end[d] - ek;
    if (span < 0) {
      return ctx.invalid("kernel " + dims_to_string(kernel) + " (dilations " +
                         dims_to_string(w.dilations) + ") is larger than the padded input " +
                         dims_to_string(input) + " (pads " + dims_to_string(pads) + ")");
    }
    int64_t out = (ceil_mode ? ceil_div(span, s) : span / s) + 1;
    // A last window that would start inside the end padding only is dropped.
    if (ceil_mode && (out - 1) * s >= in + w.pads_begin[d]) --out;
    w.output[d] = out;
  }
  return w;
}

}  // namespace edgeinfer::cpu::reference
