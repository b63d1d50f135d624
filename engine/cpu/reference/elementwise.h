// Shared pieces of the elementwise reference family: the loops that map an operation over
// tensors (with broadcasting), and the registration functions of its files.
#pragma once

#include <string>
#include <vector>

#include "cpu/reference/broadcast.h"
#include "cpu/reference/dispatch.h"
#include "cpu/reference/element_access.h"

namespace edgeinfer::cpu::reference {

// compare_logic.cpp: Equal Less Greater LessOrEqual GreaterOrEqual And Or Xor Not BitShift Where.
void register_compare_logic(KernelRegistry& registry);
// activations.cpp: Relu LeakyRelu Clip Sigmoid HardSigmoid HardSwish Elu Selu Celu Softplus
// Softsign ThresholdedRelu Mish.
void register_activations(KernelRegistry& registry);
// cast.cpp: Cast CastLike Identity.
void register_cast(KernelRegistry& registry);

// Fails unless inputs [0, count) are all present and share one element type.
inline Status require_inputs(const KernelContext& ctx, size_t count) {
  if (ctx.input_count() < count) {
    return ctx.invalid("expects " + std::to_string(count) + " input(s), has " +
                       std::to_string(ctx.input_count()));
  }
  for (size_t i = 0; i < count; ++i) {
    if (!ctx.has_input(i)) return ctx.invalid("input " + std::to_string(i) + " is missing");
    if (ctx.input(i).dtype != ctx.input(0).dtype) {
      return ctx.invalid(std::string("inputs have different element types: ") +
                         dtype_name(ctx.input(0).dtype) + " and " + dtype_name(ctx.input(i).dtype));
    }
  }
  return Status::ok();
}

// y[i] = op(x[i]) for input 0 of storage type In; the output has storage type Out and x's shape.
template <typename In, typename Out, typename Op>
Status map_unary(KernelContext& ctx, Op op) {
  const TensorView& x = ctx.input(0);
  EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                      ctx.allocate_output_view(0, element_dtype<Out>(), x.shape));
  const TensorView& y = *y_view;
  const int64_t n = x.elements();
  for (int64_t i = 0; i < n; ++i) {
    store<Out>(y.data, i, static_cast<compute_t<Out>>(op(load<In>(x.data, i))));
  }
  return Status::ok();
}

// c[i] = op(a[ia], b[ib]) over the broadcast shape of inputs 0 (storage type A) and 1 (B).
template <typename A, typename B, typename Out, typename Op>
Status map_binary(KernelContext& ctx, Op op) {
  const TensorView& a = ctx.input(0);
  const TensorView& b = ctx.input(1);
  EI_ASSIGN_OR_RETURN(Shape shape, broadcast_shapes(ctx, {a.shape, b.shape}));
  EI_RETURN_IF_ERROR(check_shape(ctx, shape));
  EI_ASSIGN_OR_RETURN(const TensorView* c_view,
                      ctx.allocate_output_view(0, element_dtype<Out>(), shape));
  const TensorView& c = *c_view;
  const BroadcastIndex index_a(shape, a.shape);
  const BroadcastIndex index_b(shape, b.shape);
  const int64_t n = c.elements();
  for (int64_t i = 0; i < n; ++i) {
    const compute_t<A> va = load<A>(a.data, index_a(i));
    const compute_t<B> vb = load<B>(b.data, index_b(i));
    store<Out>(c.data, i, static_cast<compute_t<Out>>(op(va, vb)));
  }
  return Status::ok();
}

// y[i] = op(...op(op(x0[i0], x1[i1]), x2[i2])...) over the broadcast shape of all inputs
// (variadic Sum, Min, Max), then finish(value) (Mean divides by the count).
template <typename T, typename Op, typename Finish>
Status fold_inputs(KernelContext& ctx, Op op, Finish finish) {
  const size_t count = ctx.input_count();
  std::vector<Shape> shapes;
  for (size_t k = 0; k < count; ++k)
    shapes.push_back(ctx.input(k).shape);
  EI_ASSIGN_OR_RETURN(Shape shape, broadcast_shapes(ctx, shapes));
  EI_RETURN_IF_ERROR(check_shape(ctx, shape));
  EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                      ctx.allocate_output_view(0, element_dtype<T>(), shape));
  const TensorView& y = *y_view;
  std::vector<BroadcastIndex> index;
  for (size_t k = 0; k < count; ++k)
    index.emplace_back(shape, shapes[k]);
  const int64_t n = y.elements();
  for (int64_t i = 0; i < n; ++i) {
    compute_t<T> value = load<T>(ctx.input(0).data, index[0](i));
    for (size_t k = 1; k < count; ++k) {
      value = static_cast<compute_t<T>>(op(value, load<T>(ctx.input(k).data, index[k](i))));
    }
    store<T>(y.data, i, static_cast<compute_t<T>>(finish(value)));
  }
  return Status::ok();
}

}  // namespace edgeinfer::cpu::reference
