// Immutable tensor data of a graph constant (weights, Constant nodes, initializers).
// The bytes either live in an owned buffer or in memory kept alive by `keepalive`
// (a mapped file), so weights can be used in place without a copy.
#pragma once

#include <cstring>
#include <memory>
#include <vector>

#include "edgeinfer/tensor.h"

namespace edgeinfer::ir {

class Constant {
 public:
  // Copies `bytes` bytes from `data`.
  static std::shared_ptr<const Constant> copy_of(DType dtype, Shape shape, const void* data,
                                                 size_t bytes) {
    auto c = std::shared_ptr<Constant>(new Constant(dtype, std::move(shape)));
    auto owned = std::make_shared<std::vector<unsigned char>>(bytes);
    if (bytes) std::memcpy(owned->data(), data, bytes);
    c->data_ = owned->data();
    c->bytes_ = bytes;
    c->keepalive_ = std::move(owned);
    return c;
  }
  // Takes ownership of `bytes`.
  static std::shared_ptr<const Constant> from_vector(DType dtype, Shape shape,
                                                     std::vector<unsigned char> bytes) {
    auto c = std::shared_ptr<Constant>(new Constant(dtype, std::move(shape)));
    auto owned = std::make_shared<std::vector<unsigned char>>(std::move(bytes));
    c->data_ = owned->data();
    c->bytes_ = owned->size();
    c->keepalive_ = std::move(owned);
    return c;
  }
  // Refers to memory owned elsewhere; `keepalive` keeps it valid.
  static std::shared_ptr<const Constant> wrap(DType dtype, Shape shape, const void* data,
                                              size_t bytes, std::shared_ptr<const void> keepalive) {
    auto c = std::shared_ptr<Constant>(new Constant(dtype, std::move(shape)));
    c->data_ = data;
    c->bytes_ = bytes;
    c->keepalive_ = std::move(keepalive);
    return c;
  }

  // Refers to bytes of a read-only file mapping (the model file, a weight cache file) that
  // `mapping` keeps alive: the pages are shared page cache, not private memory.
  static std::shared_ptr<const Constant> in_mapping(DType dtype, Shape shape, const void* data,
                                                    size_t bytes,
                                                    std::shared_ptr<const void> mapping) {
    auto c = wrap(dtype, std::move(shape), data, bytes, std::move(mapping));
    std::const_pointer_cast<Constant>(c)->mapped_ = true;
    return c;
  }

  DType dtype() const { return dtype_; }
  // True if the bytes lie in a file mapping rather than in memory of this process.
  bool is_mapped() const { return mapped_; }
  const Shape& shape() const { return shape_; }
  const void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  int64_t elements() const { return shape_elements(shape_); }
  template <typename T>
  const T* as() const {
    return static_cast<const T*>(data_);
  }
  // A read-only view (the view's pointer must not be written through).
  TensorView view() const { return TensorView{dtype_, shape_, const_cast<void*>(data_)}; }

 private:
  Constant(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {}
  DType dtype_;
  Shape shape_;
  const void* data_ = nullptr;
  size_t bytes_ = 0;
  bool mapped_ = false;
  std::shared_ptr<const void> keepalive_;
};

using ConstantPtr = std::shared_ptr<const Constant>;

}  // namespace edgeinfer::ir
