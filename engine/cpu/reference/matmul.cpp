// Reference MatMul (numpy matmul: 1-D operands, broadcast batch dims) and Gemm (transA,
// transB, alpha, beta, C broadcast to M x N), ONNX opsets 7..18.
//
// Floating-point products accumulate in double; integer ones in 64-bit two's complement
// (wrapping like numpy on overflow), rounded to the tensor type once per output.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "cpu/fused_epilogue.h"
#include "cpu/reference/dispatch.h"
#include "cpu/reference/families.h"

namespace edgeinfer::cpu::reference {
namespace {

template <typename T>
using Accumulator = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;

template <typename T>
Accumulator<T> widen(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<double>(v);
  } else if constexpr (std::is_signed_v<T>) {
    return static_cast<uint64_t>(static_cast<int64_t>(v));
  } else {
    return static_cast<uint64_t>(v);
  }
}

// numpy broadcast of two batch shapes; false if they do not broadcast.
bool broadcast_shapes(const Shape& a, const Shape& b, Shape& out) {
  const size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    out[i] = da == 1 ? db : da;
  }
  return true;
}

// Element strides of `shape` viewed as broadcast to `target` (0 along broadcast dims).
std::vector<int64_t> broadcast_strides(const Shape& shape, const Shape& target) {
  std::vector<int64_t> strides(target.size(), 0);
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    const size_t t = i + (target.size() - shape.size());
    strides[t] = shape[i] == 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

Status matmul(KernelContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.invalid("needs inputs A and B");
  const TensorView& a = ctx.input(0);
  const TensorView& b = ctx.input(1);
  if (a.dtype != b.dtype) {
    return ctx.invalid(std::string("A is ") + dtype_name(a.dtype) + " but B is " +
                       dtype_name(b.dtype));
  }
  if (a.shape.empty() || b.shape.empty()) {
    return ctx.invalid("operands must have rank >= 1, got A " + shape_to_string(a.shape) +
                       " and B " + shape_to_string(b.shape));
  }
  // 1-D operands become a row (A) or column (B) matrix; that dim is dropped from the result.
  Shape as = a.shape.size() == 1 ? Shape{1, a.shape[0]} : a.shape;
  Shape bs = b.shape.size() == 1 ? Shape{b.shape[0], 1} : b.shape;
  const int64_t m = as[as.size() - 2];
  const int64_t k = as[as.size() - 1];
  const int64_t n = bs[bs.size() - 1];
  if (bs[bs.size() - 2] != k) {
    return ctx.invalid("inner dims differ: A " + shape_to_string(a.shape) + " x B " +
                       shape_to_string(b.shape));
  }
  const Shape a_batch(as.begin(), as.end() - 2);
  const Shape b_batch(bs.begin(), bs.end() - 2);
  Shape batch;
  if (!broadcast_shapes(a_batch, b_batch, batch)) {
    return ctx.invalid("batch dims of A " + shape_to_string(a.shape) + " and B " +
                       shape_to_string(b.shape) + " do not broadcast");
  }
  Shape out_shape = batch;
  if (a.shape.size() > 1) out_shape.push_back(m);
  if (b.shape.size() > 1) out_shape.push_back(n);
  EI_RETURN_IF_ERROR(check_shape(ctx, out_shape));
  const std::vector<int64_t> a_strides = broadcast_strides(a_batch, batch);
  const std::vector<int64_t> b_strides = broadcast_strides(b_batch, batch);
  const int64_t batches = shape_elements(batch);
  return dispatch<float, double, int32_t, int64_t, uint32_t, uint64_t>(
      ctx, a.dtype, [&]<typename T>() -> Status {
        EI_ASSIGN_OR_RETURN(const TensorView* y_view,
                            ctx.allocate_output_view(0, a.dtype, out_shape));
        const TensorView& y = *y_view;
        std::vector<Accumulator<T>> acc(static_cast<size_t>(n));
        for (int64_t bi = 0; bi < batches; ++bi) {
          // Offsets of this batch's matrices in A and B.
          int64_t a_off = 0, b_off = 0, rest = bi;
          for (size_t d = batch.size(); d-- > 0;) {
            const int64_t i = rest % batch[d];
            rest /= batch[d];
            a_off += i * a_strides[d];
            b_off += i * b_strides[d];
          }
          const T* ap = a.as<T>() + a_off * m * k;
          const T* bp = b.as<T>() + b_off * k * n;
          T* yp = y.as<T>() + bi * m * n;
          for (int64_t i = 0; i < m; ++i) {
            std::fill(acc.begin(), acc.end(), Accumulator<T>{0});
            for (int64_t p = 0; p < k; ++p) {
              const Accumulator<T> av = widen(ap[i * k + p]);
              const T* brow = bp + p * n;
              for (int64_t j = 0; j < n; ++j)
                acc[j] += av * widen(brow[j]);
            }
            for (int64_t j = 0; j < n; ++j)
              yp[i * n + j] = static_cast<T>(acc[j]);
          }
        }
        return Status::ok();
      });
}

// Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A (M x K), B' likewise (K x N).
Status gemm(KernelContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.invalid("needs inputs A and B");
  const ir::Node& node = ctx.node();
  const TensorView& a = ctx.input(0);
  const TensorView& b = ctx.input(1);
  if (a.shape.size() != 2 || b.shape.size() != 2) {
    return ctx.invalid("A " + shape_to_string(a.shape) + " and B " + shape_to_string(b.shape) +
                       " must be 2-D");
  }
  if (a.dtype != b.dtype || (ctx.has_input(2) && ctx.input(2).dtype != a.dtype)) {
    return ctx.invalid(std::string("operand types differ: A is ") + dtype_name(a.dtype) +
                       ", B is " + dtype_name(b.dtype));
  }
  const bool trans_a = node.attr_int("transA", 0) != 0;
  const bool trans_b = node.attr_int("transB", 0) != 0;
  const double alpha = node.attr_float("alpha", 1.0f);
  const double beta = node.attr_float("beta", 1.0f);
  const int64_t m = trans_a ? a.shape[1] : a.shape[0];
  const int64_t k = trans_a ? a.shape[0] : a.shape[1];
  const int64_t kb = trans_b ? b.shape[1] : b.shape[0];
  const int64_t n = trans_b ? b.shape[0] : b.shape[1];
  if (k != kb) {
    return ctx.invalid("inner dims differ: A " + shape_to_string(a.shape) +
                       (trans_a ? " (transposed)" : "") + " x B " + shape_to_string(b.shape) +
                       (trans_b ? " (transposed)" : ""));
  }
  const Shape out_shape{m, n};
  // C broadcasts to M x N (unidirectionally): strides 0 along its size-1 or missing dims.
  int64_t c_row_stride = 0, c_col_stride = 0;
  if (ctx.has_input(2)) {
    const Shape& cs = ctx.input(2).shape;
    Shape c2 = cs;
    while (c2.size() < 2)
      c2.insert(c2.begin(), 1);
    if (c2.size() > 2 || (c2[0] != 1 && c2[0] != m) || (c2[1] != 1 && c2[1] != n)) {
      return ctx.invalid("C " + shape_to_string(cs) + " does not broadcast to the result " +
                         shape_to_string(out_shape));
    }
    c_col_stride = c2[1] == 1 ? 0 : 1;
    c_row_stride = c2[0] == 1 ? 0 : c2[1];
  }
  EI_RETURN_IF_ERROR(check_shape(ctx, out_shape));
  return dispatch<float, double>(ctx, a.dtype, [&]<typename T>() -> Status {
    EI_ASSIGN_OR_RETURN(const TensorView* y_view, ctx.allocate_output_view(0, a.dtype, out_shape));
    const TensorView& y = *y_view;
    const T* ap = a.as<T>();
    const T* bp = b.as<T>();
    const T* cp = ctx.has_input(2) ? ctx.input(2).as<T>() : nullptr;
    T* yp = y.as<T>();
    std::vector<double> acc(static_cast<size_t>(n));
    for (int64_t i = 0; i < m; ++i) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t p = 0; p < k; ++p) {
        const double av = static_cast<double>(trans_a ? ap[p * m + i] : ap[i * k + p]);
        for (int64_t j = 0; j < n; ++j) {
          acc[j] += av * static_cast<double>(trans_b ? bp[j * k + p] : bp[p * n + j]);
        }
      }
      for (int64_t j = 0; j < n; ++j) {
        double v = alpha * acc[j];
        if (cp) v += beta * static_cast<double>(cp[i * c_row_stride + j * c_col_stride]);
        yp[i * n + j] = static_cast<T>(v);
      }
    }
    return apply_node_epilogue(ctx, y);
  });
}

}  // namespace

void register_matmul(KernelRegistry& registry) {
  registry.add("MatMul", matmul);
  registry.add("Gemm", gemm);
}

}  // namespace edgeinfer::cpu::reference
