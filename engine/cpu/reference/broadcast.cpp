#include "cpu/reference/broadcast.h"

#include <algorithm>

#include "cpu/reference/dispatch.h"

namespace edgeinfer::cpu::reference {

Result<Shape> broadcast_shapes(const KernelContext& ctx, const std::vector<Shape>& shapes) {
  size_t rank = 0;
  for (const Shape& s : shapes)
    rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (size_t k = 0; k < shapes.size(); ++k) {
    const Shape& s = shapes[k];
    for (size_t j = 0; j < s.size(); ++j) {
      const size_t d = rank - s.size() + j;  // aligned at the last dim
      const int64_t size = s[j];
      if (size < 0) {
        return ctx.invalid("input shape " + shape_to_string(s) + " has a negative dim");
      }
      if (size == out[d]) continue;
      // out[d] == 1 means no input so far had a size other than 1 in this dim.
      if (out[d] == 1) {
        out[d] = size;
      } else if (size != 1) {
        std::string list;
        for (size_t i = 0; i < shapes.size(); ++i)
          list += (i ? " and " : "") + shape_to_string(shapes[i]);
        return ctx.invalid("cannot broadcast shapes " + list + " (dim " + std::to_string(d) +
                           " of the result: " + std::to_string(out[d]) + " vs " +
                           std::to_string(size) + ")");
      }
    }
  }
  return out;
}

bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  const size_t lead = to.size() - from.size();
  for (size_t j = 0; j < from.size(); ++j) {
    if (from[j] != 1 && from[j] != to[lead + j]) return false;
  }
  return true;
}

BroadcastIndex::BroadcastIndex(const Shape& output, const Shape& input) : output_(output) {
  if (shape_elements(input) == 1) {
    kind_ = Kind::kScalar;
    return;
  }
  if (shape_elements(input) == shape_elements(output)) {
    // Same element count and broadcastable: equal shapes up to leading 1s.
    kind_ = Kind::kSame;
    return;
  }
  const std::vector<int64_t> in_strides = strides_of(input);
  const size_t lead = output.size() - input.size();
  stride_.assign(output.size(), 0);
  for (size_t j = 0; j < input.size(); ++j) {
    stride_[lead + j] = input[j] == 1 ? 0 : in_strides[j];
  }
}

int64_t BroadcastIndex::operator()(int64_t output_index) const {
  switch (kind_) {
    case Kind::kSame:
      return output_index;
    case Kind::kScalar:
      return 0;
    case Kind::kGeneral:
      break;
  }
  int64_t offset = 0;
  int64_t rest = output_index;
  for (size_t d = output_.size(); d-- > 0;) {
    const int64_t coordinate = rest % output_[d];
    rest /= output_[d];
    offset += coordinate * stride_[d];
  }
  return offset;
}

}  // namespace edgeinfer::cpu::reference
