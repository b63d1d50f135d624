// The executor's own DensePair op (vulkan/fuse_dense_pair.h): two dense layers on a vector in
// one dispatch of one workgroup.
#include "cpu/fused_epilogue.h"
#include "vulkan/fuse_dense_pair.h"
#include "vulkan/ops/families.h"

namespace edgeinfer::vulkan {

namespace {

// The activation code and alpha/beta that shaders/common.glsl's activate() takes.
Status set_activation(OpBuilder& b, Dispatch& d, size_t at, const char* name_attr,
                      const char* params_attr) {
  const ir::Node& n = b.node();
  EI_ASSIGN_OR_RETURN(const cpu::Activation a, cpu::parse_activation(n.attr_string(name_attr, "")));
  if (a == cpu::Activation::kPRelu) return b.unsupported("PRelu needs a slope input");
  const std::vector<float> params = n.attr_floats(params_attr);
  d.params[at] = static_cast<int32_t>(a);
  d.set_float(at + 1, params.size() > 0 ? params[0] : 0.f);
  d.set_float(at + 2, params.size() > 1 ? params[1] : 0.f);
  return Status::ok();
}

// Lanes per output of a layer with `outputs` sums of `terms` terms: the largest power of two
// that fits all outputs in the workgroup, and no more than the terms.
int32_t lanes_per_layer_output(int64_t outputs, int64_t terms) {
  int32_t lanes = 1;
  while (static_cast<int64_t>(lanes) * 2 * outputs <= kDensePairWorkgroup && lanes * 2 <= terms)
    lanes *= 2;
  return lanes;
}

Status record_pair(OpBuilder& b) {
  const ir::Node& n = b.node();
  if (n.inputs.size() != 5 || !b.has_input(0) || !b.has_input(1) || !b.has_input(3))
    return b.unsupported("DensePair needs x, W1 and W2");
  const Shape w1 = b.input_shape(1), w2 = b.input_shape(3);
  const bool t1 = n.attr_int(kW1Transposed, 0) != 0, t2 = n.attr_int(kW2Transposed, 0) != 0;
  // W as a matrix: [in, out], or [out, in, (1, 1)] when transposed.
  const int64_t k = t1 ? w1[1] : w1[0], h = t1 ? w1[0] : w1[1];
  const int64_t h2 = t2 ? w2[1] : w2[0], out = t2 ? w2[0] : w2[1];
  if (h2 != h || h > kDensePairWorkgroup || out > kDensePairWorkgroup ||
      shape_elements(b.input_shape(0)) != k || shape_elements(b.output_shape()) != out)
    return b.unsupported("DensePair shapes");
  Dispatch d;
  d.shader = ShaderId::kDensePair;
  EI_ASSIGN_OR_RETURN(d.bindings[0], b.output(0));
  EI_ASSIGN_OR_RETURN(d.bindings[1], b.input(0));
  EI_ASSIGN_OR_RETURN(d.bindings[2], b.input(1));
  EI_ASSIGN_OR_RETURN(d.bindings[4], b.input(3));
  if (b.has_input(2)) {
    EI_ASSIGN_OR_RETURN(d.bindings[3], b.input(2));
  }
  if (b.has_input(4)) {
    EI_ASSIGN_OR_RETURN(d.bindings[5], b.input(4));
  }
  d.params[0] = static_cast<int32_t>(k);
  d.params[1] = static_cast<int32_t>(h);
  d.params[2] = static_cast<int32_t>(out);
  // Element strides of (input index, output index) in W1 and W2.
  d.params[3] = t1 ? 1 : static_cast<int32_t>(h);
  d.params[4] = t1 ? static_cast<int32_t>(k) : 1;
  d.params[5] = t2 ? 1 : static_cast<int32_t>(out);
  d.params[6] = t2 ? static_cast<int32_t>(h) : 1;
  d.params[7] = b.has_input(2) ? 1 : 0;
  d.params[8] = b.has_input(4) ? 1 : 0;
  EI_RETURN_IF_ERROR(set_activation(b, d, 9, kFirstActivationAttr, kFirstActivationParamsAttr));
  EI_RETURN_IF_ERROR(set_activation(b, d, 12, cpu::kActivationAttr, cpu::kActivationParamsAttr));
  d.params[15] = lanes_per_layer_output(h, k);
  d.params[16] = lanes_per_layer_output(out, h);
  d.invocations = 64;  // one workgroup (of kDensePairWorkgroup)
  b.dispatch(d);
  return Status::ok();
}

// No other executor runs this op: a refusal is an error, not a CPU fallback.
Status dense_pair(OpBuilder& b) {
  Status s = record_pair(b);
  if (s.code() == StatusCode::kUnsupported)
    return error(StatusCode::kInternal, s.message() + " (DensePair runs only on Vulkan)");
  return s;
}

}  // namespace

void register_dense_pair(OpTable& table) {
  table[kDensePairOp] = dense_pair;
}

}  // namespace edgeinfer::vulkan
