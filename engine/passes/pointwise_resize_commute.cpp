// Pointwise Conv moved before a Resize. A 1x1 Conv (stride 1, no padding, one group) applies
// the same affine map over channels at every pixel; a linear Resize of the spatial axes makes
// every output pixel a weighted sum of input pixels, with the same weights in every channel and
// weights that sum to 1 (so the Conv's bias passes through). The two commute:
//     Conv(Resize(x)) == Resize(Conv(x))
// and on the right the Conv runs at the input resolution (for a 2x upscale of an image, a
// quarter of the multiply-adds) while the Resize interpolates the Conv's output channels
// instead of its input channels. Decoders upsample then project this way (the MediaPipe
// selfie and Meet models three times each).
//
// A nearest Resize copies pixels, so it also commutes with an elementwise activation: one
// that follows the Conv moves before the Resize with it and still fuses into the Conv's
// epilogue. A linear Resize does not commute with an activation; a Conv followed by one is
// left alone, since the activation would fall out of the Conv's epilogue into a pass of its own
// over the upsampled tensor.
//
// Left alone: cubic Resizes (out of scope: no model here has one before a 1x1 Conv);
// tf_crop_and_resize (positions outside the region get the extrapolation value, not a weighted
// sum); tf_half_pixel_for_nearest (its half-pixel offset shifts even the unscaled channel axis);
// Resizes that change the batch or channel axis; and rewrites that would make either node
// dearer: the Resize must enlarge and the Conv must not add channels.
#include <algorithm>
#include <optional>

#include "cpu/fused_epilogue.h"
#include "passes/channel_affine.h"
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

constexpr size_t kSizesInput = 3;  // Resize-11 and later: X, roi, scales, sizes

// What the rewrite needs to know of a Resize it moves below a pointwise Conv.
struct CommutingResize {
  bool nearest = false;
  // The entry of `sizes` that holds the channel count, when the Resize gives sizes for the
  // channel axis: it must become the Conv's output channel count.
  std::optional<size_t> channel_size_entry;
};

bool all_equal(const std::vector<int64_t>& values, int64_t expected) {
  return std::all_of(values.begin(), values.end(), [&](int64_t v) { return v == expected; });
}

// A 1x1 Conv with stride 1, no padding and one group, no fused epilogue, static shapes.
// (auto_pad pads nothing around a 1x1 kernel at stride 1, whatever its value.)
bool is_pointwise_conv(const ir::Graph& graph, const ir::Node& conv) {
  if (!is_op(conv, "Conv") || !is_fusable_producer(graph, conv) || !conv.has_input(0)) {
    return false;
  }
  if (conv.attr_int("group", 1) != 1 || !all_equal(conv.attr_ints("strides"), 1) ||
      !all_equal(conv.attr_ints("pads"), 0) || !all_equal(conv.attr_ints("kernel_shape"), 1)) {
    return false;
  }
  const ir::Value& x = graph.value(conv.inputs[0]);
  const ir::Value& w = graph.value(conv.inputs[1]);
  const ir::Value& y = graph.value(conv.outputs[0]);
  if (!is_static_float(x) || !is_static_float(y) || !w.is_fully_static() ||
      w.dims.size() != x.dims.size() || x.dims.size() < 3) {
    return false;
  }
  const Shape kernel = w.static_shape();
  return std::all_of(kernel.begin() + 2, kernel.end(), [](int64_t k) { return k == 1; });
}

// An input given as a constant with elements (an empty one counts as absent, as in ONNX).
bool is_given(const ir::Graph& graph, const ir::Node& node, size_t slot) {
  if (!node.has_input(slot)) return false;
  const ir::Value& v = graph.value(node.inputs[slot]);
  return v.kind != ir::ValueKind::kConstant || !v.constant || v.constant->elements() > 0;
}

// The scales of a Resize or Upsample leave the batch and channel axes as they are: scale
// exactly 1, which every accepted coordinate transformation maps to the identity.
bool keeps_outer_axes(const std::vector<float>& scales, const std::vector<int64_t>& axes) {
  for (size_t i = 0; i < axes.size() && i < scales.size(); ++i) {
    if (axes[i] < 2 && scales[i] != 1.f) return false;
  }
  return scales.size() == axes.size();
}

std::vector<int64_t> every_axis(size_t rank) {
  std::vector<int64_t> axes(rank);
  for (size_t d = 0; d < rank; ++d)
    axes[d] = static_cast<int64_t>(d);
  return axes;
}

// A Resize (or Upsample) whose taps are the same in every channel and whose weights sum to 1,
// interpolating only the spatial axes; nullopt for any other.
std::optional<CommutingResize> commuting_resize(const ir::Graph& graph, const ir::Node& resize) {
  const bool upsample = is_op(resize, "Upsample");
  if ((!upsample && !is_op(resize, "Resize")) || resize.outputs.size() != 1 ||
      resize.outputs[0] == ir::kNoValue || !resize.has_input(0)) {
    return std::nullopt;
  }
  const ir::Value& src = graph.value(resize.inputs[0]);
  const ir::Value& dst = graph.value(resize.outputs[0]);
  if (!is_static_float(src) || !is_static_float(dst) || src.dims.size() != dst.dims.size() ||
      src.dims[0] != dst.dims[0] || src.dims[1] != dst.dims[1]) {
    return std::nullopt;
  }
  CommutingResize facts;
  const std::string mode = resize.attr_string("mode", "nearest");
  facts.nearest = mode == "nearest";
  if (!facts.nearest && mode != "linear" && mode != "bilinear") return std::nullopt;
  const size_t rank = src.dims.size();

  if (upsample || resize.opset < 11) {  // scales only, asymmetric coordinates
    if (upsample && resize.opset < 9) {
      if (!keeps_outer_axes(resize.attr_floats("scales"), every_axis(rank))) return std::nullopt;
      return facts;
    }
    const float* scales = float_constant(graph, resize.inputs.size() > 1 ? resize.inputs[1] : -1);
    if (!scales) return std::nullopt;
    const auto count = static_cast<size_t>(graph.value(resize.inputs[1]).constant->elements());
    if (!keeps_outer_axes({scales, scales + count}, every_axis(rank))) return std::nullopt;
    return facts;
  }

  static const char* const kIdentityAtScaleOne[] = {
      "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "half_pixel_symmetric"};
  const std::string transform = resize.attr_string("coordinate_transformation_mode", "half_pixel");
  if (std::find(std::begin(kIdentityAtScaleOne), std::end(kIdentityAtScaleOne), transform) ==
      std::end(kIdentityAtScaleOne)) {
    return std::nullopt;
  }
  // Antialiasing needs no check: it stretches the filter but renormalizes its weights to 1.
  std::vector<int64_t> axes = every_axis(rank);
  std::string policy = "stretch";
  if (resize.opset >= 18) {
    policy = resize.attr_string("keep_aspect_ratio_policy", "stretch");
    if (resize.has_attr("axes")) {
      axes = resize.attr_ints("axes");
      for (int64_t& a : axes) {
        if (a < -static_cast<int64_t>(rank) || a >= static_cast<int64_t>(rank)) return std::nullopt;
        if (a < 0) a += static_cast<int64_t>(rank);
      }
    }
  }
  const bool has_scales = is_given(graph, resize, 2);
  if (has_scales == is_given(graph, resize, kSizesInput)) return std::nullopt;
  if (has_scales) {
    const float* scales = float_constant(graph, resize.inputs[2]);
    if (!scales) return std::nullopt;
    const auto count = static_cast<size_t>(graph.value(resize.inputs[2]).constant->elements());
    if (!keeps_outer_axes({scales, scales + count}, axes)) return std::nullopt;
    return facts;
  }
  // Other policies scale every listed axis alike, from all the sizes together: those may be
  // spatial axes only.
  if (policy != "stretch" &&
      std::any_of(axes.begin(), axes.end(), [](int64_t a) { return a < 2; })) {
    return std::nullopt;
  }
  const ir::Value& sizes = graph.value(resize.inputs[kSizesInput]);
  if (sizes.kind != ir::ValueKind::kConstant || sizes.overridable || !sizes.constant ||
      sizes.constant->dtype() != DType::kInt64 ||
      sizes.constant->elements() != static_cast<int64_t>(axes.size())) {
    return std::nullopt;
  }
  const int64_t* size = sizes.constant->as<int64_t>();
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] >= 2) continue;
    if (size[i] != src.dims[axes[i]].value) return std::nullopt;
    if (axes[i] == 1) facts.channel_size_entry = i;
  }
  return facts;
}

// An ONNX activation op that the Conv epilogue fuses on its own (cpu/fused_epilogue.h).
bool is_activation(const ir::Node& node) {
  return !node.op_type.empty() && is_op(node, node.op_type.c_str()) &&
         cpu::parse_activation(node.op_type).is_ok();
}

// An activation reading `v` alone: every other input is a scalar constant (Clip bounds, a
// shared PRelu slope), so it applies the same way at any resolution.
bool is_movable_activation(const ir::Graph& graph, const ir::Node& node, ir::ValueId v) {
  if (!is_activation(node) || !node.has_input(0) || node.inputs[0] != v ||
      node.outputs.size() != 1 || node.outputs[0] == ir::kNoValue) {
    return false;
  }
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    if (node.has_input(i) && !scalar_constant(graph, node.inputs[i])) return false;
  }
  return true;
}

ir::ValueId add_int64_constant(ir::Graph& graph, const std::string& base,
                               const std::vector<int64_t>& data) {
  ir::Value v;
  v.name = unique_value_name(graph, base);
  v.kind = ir::ValueKind::kConstant;
  v.dtype = DType::kInt64;
  v.has_shape = true;
  v.dims = {ir::Dim::fixed(static_cast<int64_t>(data.size()))};
  v.constant = ir::Constant::copy_of(DType::kInt64, {static_cast<int64_t>(data.size())},
                                     data.data(), data.size() * sizeof(int64_t));
  return graph.add_value(std::move(v));
}

// Makes node `id` read `input` and write a new value: its old output's shape with the spatial
// dims of `input`. Returns the new value.
ir::ValueId retarget(ir::Graph& graph, ir::NodeId id, ir::ValueId input) {
  const ir::Value& old_out = graph.value(graph.nodes[id].outputs[0]);
  ir::Value v;
  v.name = unique_value_name(graph, old_out.name + "_before_resize");
  v.dtype = old_out.dtype;
  v.has_shape = true;
  v.dims = graph.value(input).dims;
  v.dims[1] = old_out.dims[1];
  const ir::ValueId out = graph.add_value(std::move(v));
  graph.nodes[id].inputs[0] = input;
  graph.nodes[id].outputs[0] = out;
  return out;
}

bool rewrite(ir::Graph& graph, const Uses& uses, ir::NodeId conv_id) {
  const ir::Node& conv = graph.nodes[conv_id];
  if (!is_pointwise_conv(graph, conv)) return false;
  const ir::ValueId upsampled = conv.inputs[0];
  const ir::Node* resize = producer_of(graph, upsampled);
  if (!resize || !uses.has_single_reader(upsampled)) return false;
  const ir::NodeId resize_id = graph.value(upsampled).producer;
  const std::optional<CommutingResize> facts = commuting_resize(graph, *resize);
  if (!facts) return false;

  const ir::ValueId conv_out = conv.outputs[0];
  if (uses.is_protected(conv_out)) return false;
  const Shape source = graph.value(resize->inputs[0]).static_shape();
  const Shape target = graph.value(upsampled).static_shape();
  const int64_t out_channels = graph.value(conv_out).dims[1].value;
  if (shape_elements(source) >= shape_elements(target) || out_channels > source[1]) return false;

  // The nodes that move before the Resize, in order: the Conv, and the activation after it
  // when the Resize is nearest.
  std::vector<ir::NodeId> moved = {conv_id};
  const std::vector<Reader>& readers = uses.readers(conv_out);
  if (readers.size() == 1 && is_activation(graph.nodes[readers[0].node])) {
    const ir::NodeId act_id = readers[0].node;
    const ir::Node& act = graph.nodes[act_id];
    if (!facts->nearest || !is_movable_activation(graph, act, conv_out) ||
        uses.is_protected(act.outputs[0])) {
      return false;
    }
    moved.push_back(act_id);
  }

  // The Resize takes over the last moved node's output (name, shape and readers unchanged).
  const ir::ValueId result = graph.nodes[moved.back()].outputs[0];
  ir::ValueId low = graph.nodes[resize_id].inputs[0];
  for (ir::NodeId id : moved)
    low = retarget(graph, id, low);
  ir::Node& r = graph.nodes[resize_id];
  r.inputs[0] = low;
  r.outputs[0] = result;
  graph.value(upsampled).producer = -1;  // unread now; dead-code elimination drops it
  if (facts->channel_size_entry) {
    const ir::Value& old_sizes = graph.value(r.inputs[kSizesInput]);
    const int64_t* data = old_sizes.constant->as<int64_t>();
    std::vector<int64_t> sizes(data, data + old_sizes.constant->elements());
    sizes[*facts->channel_size_entry] = out_channels;
    // A new constant: the old one may size other Resizes too.
    const ir::ValueId new_sizes = add_int64_constant(graph, old_sizes.name, sizes);
    graph.nodes[resize_id].inputs[kSizesInput] = new_sizes;
  }

  // Keep the node list in dependency order: the moved nodes take the first positions of the
  // group, in order, and the Resize the last.
  std::vector<ir::NodeId> positions = moved;
  positions.push_back(resize_id);
  std::sort(positions.begin(), positions.end());
  std::vector<ir::Node> group;
  for (ir::NodeId id : moved)
    group.push_back(std::move(graph.nodes[id]));
  group.push_back(std::move(graph.nodes[resize_id]));
  for (size_t i = 0; i < positions.size(); ++i) {
    graph.nodes[positions[i]] = std::move(group[i]);
    for (ir::ValueId out : graph.nodes[positions[i]].outputs) {
      if (out != ir::kNoValue) graph.value(out).producer = positions[i];
    }
  }
  return true;
}

}  // namespace

int commute_pointwise_convs_with_resizes(ir::Graph& graph, const PassOptions& options) {
  if (!has_fixed_shapes(graph)) return 0;  // the shape checks hold only for these sizes
  return rewrite_to_fixed_point(graph, options, rewrite);
}

}  // namespace edgeinfer::passes
