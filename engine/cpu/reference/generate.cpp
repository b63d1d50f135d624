// Ops that create a tensor from scalars: ConstantOfShape and Range. Their output sizes come
// from input data, so they are checked before anything is allocated.
#include <cmath>

#include "cpu/reference/tensor_ops.h"

namespace edgeinfer::cpu::reference {

namespace {

Status constant_of_shape(KernelContext& ctx) {
  EI_ASSIGN_OR_RETURN(const std::vector<int64_t> shape, read_int_tensor(ctx, 0));
  const ir::ConstantPtr value = ctx.node().attr_tensor("value");
  DType dtype = DType::kFloat32;
  std::vector<unsigned char> element(sizeof(float), 0);
  if (value) {
    if (value->elements() != 1 || value->bytes() != dtype_size(value->dtype())) {
      return ctx.invalid("attribute 'value' must hold exactly one element, not " +
                         shape_to_string(value->shape()));
    }
    dtype = value->dtype();
    element.assign(bytes_of(value->view()), bytes_of(value->view()) + value->bytes());
  }
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, allocate_checked(ctx, 0, dtype, shape));
  const TensorView& y = *y_view;
  unsigned char* dst = mutable_bytes_of(y);
  for (int64_t i = 0; i < y.elements(); ++i) {
    std::memcpy(dst + static_cast<size_t>(i) * element.size(), element.data(), element.size());
  }
  return Status::ok();
}

// Number of elements of Range: max(ceil((limit - start) / delta), 0), or -1 when too large.
template <typename T>
int64_t range_count(T start, T limit, T delta) {
  constexpr int64_t kTooLarge = -1;
  constexpr double kLimit = static_cast<double>(int64_t{1} << 40);
  if constexpr (std::is_floating_point_v<T>) {
    const double n = std::ceil((static_cast<double>(limit) - static_cast<double>(start)) /
                               static_cast<double>(delta));
    if (std::isnan(n) || n > kLimit) return kTooLarge;
    return n > 0 ? static_cast<int64_t>(n) : 0;
  } else {
    const __int128 diff = static_cast<__int128>(limit) - static_cast<__int128>(start);
    __int128 q = diff / delta;
    if (diff % delta != 0 && ((diff > 0) == (delta > 0))) ++q;
    if (q > static_cast<__int128>(int64_t{1} << 40)) return kTooLarge;
    return q > 0 ? static_cast<int64_t>(q) : 0;
  }
}

Status range(KernelContext& ctx) {
  const DType dtype = ctx.input(0).dtype;
  for (size_t i = 0; i < 3; ++i) {
    if (!ctx.has_input(i) || ctx.input(i).dtype != dtype || ctx.input(i).elements() != 1) {
      return ctx.invalid("start, limit and delta must be scalars of one type");
    }
  }
  return dispatch<float, double, int16_t, int32_t, int64_t>(ctx, dtype, [&]<typename T>() {
    const T start = *ctx.input(0).as<T>();
    const T limit = *ctx.input(1).as<T>();
    const T delta = *ctx.input(2).as<T>();
    if (delta == T{0}) return ctx.invalid("delta is 0");
    const int64_t n = range_count<T>(start, limit, delta);
    if (n < 0) {
      return ctx.fail(StatusCode::kOutOfMemory, "range from " + std::to_string(start) + " to " +
                                                    std::to_string(limit) + " by " +
                                                    std::to_string(delta) + " is too large");
    }
    EI_ASSIGN_OR_RETURN(const TensorView* y_view, allocate_checked(ctx, 0, dtype, {n}));
    const TensorView& y = *y_view;
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_floating_point_v<T>) {
        y.as<T>()[i] = static_cast<T>(static_cast<double>(start) +
                                      static_cast<double>(i) * static_cast<double>(delta));
      } else {
        y.as<T>()[i] =
            static_cast<T>(static_cast<int64_t>(start) + i * static_cast<int64_t>(delta));
      }
    }
    return Status::ok();
  });
}

}  // namespace

void register_generate(KernelRegistry& registry) {
  registry.add("ConstantOfShape", constant_of_shape);
  registry.add("Range", range);
}

}  // namespace edgeinfer::cpu::reference
