// Element types, shapes and non-owning tensor views shared by the API and the engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace edgeinfer {

enum class DType : uint8_t {
  kUndefined = 0,
  kFloat32,
  kFloat16,
  kFloat64,
  kInt8,
  kUInt8,
  kInt16,
  kUInt16,
  kInt32,
  kUInt32,
  kInt64,
  kUInt64,
  kBool,  // one byte per element, 0 or 1
};

// Bytes per element; 0 for kUndefined.
size_t dtype_size(DType dtype);
// "float32", "int64", ...
const char* dtype_name(DType dtype);

using Shape = std::vector<int64_t>;

// Number of elements of a fully known shape (1 for a scalar). -1 dims are not allowed here.
int64_t shape_elements(const Shape& shape);
// "[1,3,224,224]"
std::string shape_to_string(const Shape& shape);

// A tensor the caller can read or write; the memory belongs to the session or the caller.
struct TensorView {
  DType dtype = DType::kUndefined;
  Shape shape;
  void* data = nullptr;

  int64_t elements() const { return shape_elements(shape); }
  size_t bytes() const { return static_cast<size_t>(elements()) * dtype_size(dtype); }
  template <typename T>
  T* as() const {
    return static_cast<T*>(data);
  }
};

// Static description of a model input or output. Dims that are not fixed by the model are -1.
struct TensorInfo {
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape;
};

}  // namespace edgeinfer
