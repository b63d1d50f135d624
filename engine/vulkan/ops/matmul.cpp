// MatMul (batched, with a shared or per-batch right or left operand) and Gemm (transposes,
// alpha, beta, a broadcast C, the fused epilogue) through one strided matrix-product shader.
#include "cpu/fused_epilogue.h"
#include "vulkan/ops/families.h"

namespace edgeinfer::vulkan {

namespace {

struct Product {
  int64_t m = 0, n = 0, k = 0, batch = 1;
  int64_t a_batch = 0, b_batch = 0, a_rs = 0, a_cs = 0, b_rs = 0, b_cs = 0;
};

Dispatch product_dispatch(const Product& p) {
  Dispatch d;
  d.shader = ShaderId::kGemm;
  const int64_t v[10] = {p.m,       p.n,    p.k,    p.batch, p.a_batch,
                         p.b_batch, p.a_rs, p.a_cs, p.b_rs,  p.b_cs};
  for (int i = 0; i < 10; ++i)
    d.params[i] = static_cast<int32_t>(v[i]);
  d.set_float(13, 1.f);
  d.set_float(14, 1.f);
  const uint64_t outputs = static_cast<uint64_t>(p.batch * p.m * p.n);
  const int32_t lanes = lanes_per_output(outputs, static_cast<uint64_t>(p.k), 1);
  d.params[20] = lanes;
  d.invocations = outputs * static_cast<uint64_t>(lanes);
  return d;
}

Status matmul(OpBuilder& b) {
  const Shape a = b.input_shape(0), bs = b.input_shape(1), y = b.output_shape();
  if (a.size() < 2 || bs.size() < 2 || y.size() < 2) return b.unsupported("vector operands");
  Product p;
  p.m = a[a.size() - 2];
  p.k = a.back();
  p.n = bs.back();
  if (bs[bs.size() - 2] != p.k) return b.unsupported("inner dims differ");
  p.batch = shape_elements(y) / (p.m * p.n);
  const int64_t a_batches = shape_elements(a) / (p.m * p.k);
  const int64_t b_batches = shape_elements(bs) / (p.k * p.n);
  // Each operand is either one matrix shared by all batches or one per batch.
  if ((a_batches != 1 && a_batches != p.batch) || (b_batches != 1 && b_batches != p.batch))
    return b.unsupported("partial batch broadcast");
  p.a_batch = a_batches == 1 ? 0 : p.m * p.k;
  p.b_batch = b_batches == 1 ? 0 : p.k * p.n;
  p.a_rs = p.k;
  p.a_cs = 1;
  p.b_rs = p.n;
  p.b_cs = 1;
  Dispatch d = product_dispatch(p);
  EI_ASSIGN_OR_RETURN(d.bindings[0], b.output(0));
  EI_ASSIGN_OR_RETURN(d.bindings[1], b.input(0));
  EI_ASSIGN_OR_RETURN(d.bindings[2], b.input(1));
  b.dispatch(d);
  return Status::ok();
}

Status gemm(OpBuilder& b) {
  const ir::Node& node = b.node();
  const Shape a = b.input_shape(0), bs = b.input_shape(1), y = b.output_shape();
  if (a.size() != 2 || bs.size() != 2) return b.unsupported("rank");
  const bool ta = node.attr_int("transA", 0) != 0, tb = node.attr_int("transB", 0) != 0;
  Product p;
  p.m = ta ? a[1] : a[0];
  p.n = tb ? bs[0] : bs[1];
  p.k = ta ? a[0] : a[1];
  // The output may carry the shape of the reshapes fuse_dense.h folded in: [.., M, N] or
  // [1, .., 1, N] with M = 1, the same elements in the same order.
  if (y.empty() || y.back() != p.n || shape_elements(y) != p.m * p.n)
    return b.unsupported("output shape");
  p.a_rs = ta ? 1 : a[1];
  p.a_cs = ta ? a[1] : 1;
  p.b_rs = tb ? 1 : bs[1];
  p.b_cs = tb ? bs[1] : 1;
  Dispatch d = product_dispatch(p);
  d.set_float(13, node.attr_float("alpha", 1.f));
  d.set_float(14, node.attr_float("beta", 1.f));
  EI_ASSIGN_OR_RETURN(d.bindings[0], b.output(0));
  EI_ASSIGN_OR_RETURN(d.bindings[1], b.input(0));
  EI_ASSIGN_OR_RETURN(d.bindings[2], b.input(1));
  if (b.has_input(2)) {
    Shape c = b.input_shape(2);
    if (c.size() > 2) return b.unsupported("C of rank > 2");
    while (c.size() < 2)
      c.insert(c.begin(), 1);
    EI_ASSIGN_OR_RETURN(d.bindings[3], b.input(2));
    d.params[10] = 1;
    d.params[11] = c[0] == 1 ? 0 : static_cast<int32_t>(c[1]);
    d.params[12] = c[1] == 1 ? 0 : 1;
  }
  EI_ASSIGN_OR_RETURN(const cpu::Epilogue e, cpu::epilogue_of(b.shape_context(), y, p.n));
  if (b.has_input(cpu::kResidualInput)) {
    EI_ASSIGN_OR_RETURN(d.bindings[4], b.input(cpu::kResidualInput));
    d.params[18] = 1;
  }
  if (e.activation == cpu::Activation::kPRelu) {
    EI_ASSIGN_OR_RETURN(d.bindings[5], b.input(cpu::kSlopeInput));
  }
  d.params[15] = static_cast<int32_t>(e.activation);
  d.set_float(16, e.alpha);
  d.set_float(17, e.beta);
  d.params[19] = static_cast<int32_t>(e.slope_count);
  b.dispatch(d);
  return Status::ok();
}

}  // namespace

void register_matmul(OpTable& table) {
  table["MatMul"] = matmul;
  table["Gemm"] = gemm;
}

}  // namespace edgeinfer::vulkan
