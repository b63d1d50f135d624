// The Vulkan operator families, one file each (like ncnn's src/layer/vulkan/), registered into
// the op table by ops/registry.cpp.
#pragma once

#include <map>
#include <string>

#include "vulkan/ops/op_builder.h"

namespace edgeinfer::vulkan {

using OpTable = std::map<std::string, OpFn>;

void register_elementwise(OpTable& table);  // elementwise.cpp
void register_convolution(OpTable& table);  // convolution.cpp
void register_pooling(OpTable& table);      // pooling.cpp
void register_resize(OpTable& table);       // resize.cpp
void register_layout(OpTable& table);       // layout.cpp
void register_matmul(OpTable& table);       // matmul.cpp
void register_softmax(OpTable& table);      // softmax.cpp
void register_dense_pair(OpTable& table);   // dense_pair.cpp (the executor's own op)

// Records `shader` over `count` elements of tensors that may be larger than one binding:
// `whole[k]` binds tensor k (binding 0 is the output); entries with `full[k]` hold `count`
// elements and are bound piece by piece, the others are bound whole each time. `set_piece`
// fills the params of a piece of `n` elements whose operands are `full`.
void dispatch_in_pieces(OpBuilder& b, Dispatch base, uint64_t count,
                        const std::vector<Binding>& whole, const std::vector<bool>& full,
                        void (*set_piece)(Dispatch& d, uint64_t n, const std::vector<bool>& full));

}  // namespace edgeinfer::vulkan
