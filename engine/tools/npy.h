// NumPy .npy files (format versions 1.0, 2.0 and 3.0) <-> edgeinfer tensors.
//
// Supported element types (little-endian or byte-order free only):
//   <f4 float32  <f2 float16  <f8 float64  |i1 int8  |u1 uint8  <i2 int16  <u2 uint16
//   <i4 int32    <u4 uint32   <i8 int64    <u8 uint64  |b1 bool
// Fortran-ordered arrays, big-endian data and structured dtypes are rejected. Every size in
// the header is checked against the file, so a hostile file is an error, never a crash.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "edgeinfer/status.h"
#include "edgeinfer/tensor.h"

namespace edgeinfer::tools {

// A tensor that owns its bytes.
struct NpyArray {
  DType dtype = DType::kUndefined;
  Shape shape;
  std::vector<unsigned char> data;

  TensorView view() { return TensorView{dtype, shape, data.data()}; }
};

// The .npy descr ("<f4", "|u1", ...) of a dtype; nullptr for kUndefined.
const char* npy_descr(DType dtype);

// Parses an in-memory .npy file; `name` prefixes every error message.
Result<NpyArray> parse_npy(const void* bytes, size_t size, const std::string& name);
// Reads and parses a .npy file.
Result<NpyArray> read_npy(const std::string& path);

// Serialises a tensor as .npy (version 1.0, or 2.0 when the header needs it).
Result<std::vector<unsigned char>> encode_npy(const TensorView& tensor);
// Writes a tensor to `path` (replacing the file).
Status write_npy(const std::string& path, const TensorView& tensor);

}  // namespace edgeinfer::tools
