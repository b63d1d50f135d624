#include "cpu/fast/broadcast_plan.h"

namespace edgeinfer::cpu::fast {

namespace {

// Strides of `in` aligned to the last dims of `out`; 0 where `in` is stretched or missing.
std::vector<int64_t> aligned_strides(const Shape& out, const Shape& in) {
  const size_t rank = out.size();
  const size_t offset = rank - in.size();
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t d = rank; d-- > offset;) {
    const int64_t size = in[d - offset];
    strides[d] = size == 1 ? 0 : stride;
    stride *= size;
  }
  return strides;
}

}  // namespace

int64_t BinaryPlan::rows() const {
  int64_t n = 1;
  for (size_t d = 0; d + 1 < dims.size(); ++d)
    n *= dims[d];
  return n;
}

void BinaryPlan::row_offsets(int64_t row, int64_t* offset_a, int64_t* offset_b) const {
  int64_t oa = 0;
  int64_t ob = 0;
  for (size_t d = dims.size() - 1; d-- > 0;) {
    const int64_t i = row % dims[d];
    row /= dims[d];
    oa += i * stride_a[d];
    ob += i * stride_b[d];
  }
  *offset_a = oa;
  *offset_b = ob;
}

BinaryPlan plan_binary(const Shape& out, const Shape& a, const Shape& b) {
  const std::vector<int64_t> sa = aligned_strides(out, a);
  const std::vector<int64_t> sb = aligned_strides(out, b);
  BinaryPlan plan;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1) continue;
    const bool same_pattern = !plan.dims.empty() && (plan.stride_a.back() == 0) == (sa[d] == 0) &&
                              (plan.stride_b.back() == 0) == (sb[d] == 0);
    if (same_pattern) {
      // Row-major: the merged dim keeps the inner dim's stride.
      plan.dims.back() *= out[d];
      plan.stride_a.back() = sa[d];
      plan.stride_b.back() = sb[d];
    } else {
      plan.dims.push_back(out[d]);
      plan.stride_a.push_back(sa[d]);
      plan.stride_b.push_back(sb[d]);
    }
  }
  if (plan.dims.empty()) {  // a single element
    plan.dims = {1};
    plan.stride_a = {1};
    plan.stride_b = {1};
  }
  return plan;
}

}  // namespace edgeinfer::cpu::fast
