#include "import/onnx/onnx_tensor_convert.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "import/onnx/onnx_external_data.h"
#include "ir/tensor_size.h"
#include "onnx/onnx_pb.h"

namespace edgeinfer::import::onnx_detail {

namespace {

using onnx::TensorProto;

std::string type_name(int32_t elem_type) {
  if (!TensorProto::DataType_IsValid(elem_type)) return "type " + std::to_string(elem_type);
  return TensorProto::DataType_Name(static_cast<TensorProto::DataType>(elem_type));
}

// Bool data may hold any non-zero byte; the IR promises 0 or 1.
void normalize_bools(unsigned char* data, size_t n) {
  for (size_t i = 0; i < n; ++i)
    data[i] = data[i] != 0;
}

// Converts each value of a typed repeated field (already checked to hold exactly the
// tensor's element count) into the IR's element type.
template <typename Dst, typename Field>
ir::ConstantPtr from_field(DType dtype, Shape shape, const Field& field) {
  std::vector<unsigned char> bytes(static_cast<size_t>(field.size()) * sizeof(Dst));
  for (int i = 0; i < field.size(); ++i) {
    Dst v;
    if constexpr (std::is_same_v<Dst, bool>) {
      v = field.Get(i) != 0;
    } else {
      v = static_cast<Dst>(field.Get(i));  // narrowing is how ONNX packs small types
    }
    std::memcpy(bytes.data() + static_cast<size_t>(i) * sizeof(Dst), &v, sizeof(Dst));
  }
  return ir::Constant::from_vector(dtype, std::move(shape), std::move(bytes));
}

// Number of values a typed field holds for `dtype` (the field ONNX uses for that type).
int typed_count(const TensorProto& t, DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return t.float_data_size();
    case DType::kFloat64:
      return t.double_data_size();
    case DType::kInt64:
      return t.int64_data_size();
    case DType::kUInt32:
    case DType::kUInt64:
      return t.uint64_data_size();
    default:
      return t.int32_data_size();
  }
}

ir::ConstantPtr from_typed(const TensorProto& t, DType dtype, Shape shape) {
  switch (dtype) {
    case DType::kFloat32:
      return from_field<float>(dtype, std::move(shape), t.float_data());
    case DType::kFloat64:
      return from_field<double>(dtype, std::move(shape), t.double_data());
    case DType::kInt64:
      return from_field<int64_t>(dtype, std::move(shape), t.int64_data());
    case DType::kUInt32:
      return from_field<uint32_t>(dtype, std::move(shape), t.uint64_data());
    case DType::kUInt64:
      return from_field<uint64_t>(dtype, std::move(shape), t.uint64_data());
    case DType::kInt32:
      return from_field<int32_t>(dtype, std::move(shape), t.int32_data());
    case DType::kInt16:
      return from_field<int16_t>(dtype, std::move(shape), t.int32_data());
    case DType::kUInt16:
    case DType::kFloat16:  // fp16 bit patterns travel in the low 16 bits of int32_data
      return from_field<uint16_t>(dtype, std::move(shape), t.int32_data());
    case DType::kInt8:
      return from_field<int8_t>(dtype, std::move(shape), t.int32_data());
    case DType::kUInt8:
      return from_field<uint8_t>(dtype, std::move(shape), t.int32_data());
    case DType::kBool:
      return from_field<bool>(dtype, std::move(shape), t.int32_data());
    case DType::kUndefined:
      break;
  }
  return nullptr;
}

// Takes large raw_data out of the tensor and keeps it alive in the constant: no copy unless
// the string's storage is not aligned for the element type. Small raw_data is copied.
ir::ConstantPtr from_raw(TensorProto& t, DType dtype, Shape shape) {
  if (t.raw_data().size() <= kKeepRawDataBytes) {
    std::vector<unsigned char> bytes(t.raw_data().begin(), t.raw_data().end());
    if (dtype == DType::kBool) normalize_bools(bytes.data(), bytes.size());
    return ir::Constant::from_vector(dtype, std::move(shape), std::move(bytes));
  }
  auto owned = std::make_shared<std::string>(std::move(*t.mutable_raw_data()));
  t.clear_raw_data();
  if (dtype == DType::kBool) {
    normalize_bools(reinterpret_cast<unsigned char*>(owned->data()), owned->size());
  }
  const void* data = owned->data();
  const size_t bytes = owned->size();
  if (reinterpret_cast<uintptr_t>(data) % dtype_size(dtype) != 0) {
    return ir::Constant::copy_of(dtype, std::move(shape), data, bytes);
  }
  return ir::Constant::wrap(dtype, std::move(shape), data, bytes, std::move(owned));
}

}  // namespace

Result<DType> dtype_from_onnx(int32_t elem_type) {
  switch (elem_type) {
    case TensorProto::FLOAT:
      return DType::kFloat32;
    case TensorProto::FLOAT16:
      return DType::kFloat16;
    case TensorProto::DOUBLE:
      return DType::kFloat64;
    case TensorProto::INT8:
      return DType::kInt8;
    case TensorProto::UINT8:
      return DType::kUInt8;
    case TensorProto::INT16:
      return DType::kInt16;
    case TensorProto::UINT16:
      return DType::kUInt16;
    case TensorProto::INT32:
      return DType::kInt32;
    case TensorProto::UINT32:
      return DType::kUInt32;
    case TensorProto::INT64:
      return DType::kInt64;
    case TensorProto::UINT64:
      return DType::kUInt64;
    case TensorProto::BOOL:
      return DType::kBool;
    case TensorProto::UNDEFINED:
      return error(StatusCode::kInvalidModel, "element type is undefined");
    default:
      break;
  }
  if (!TensorProto::DataType_IsValid(elem_type)) {
    return error(StatusCode::kInvalidModel, "unknown element type " + std::to_string(elem_type));
  }
  return error(StatusCode::kUnsupported,
               "element type " + type_name(elem_type) + " is not supported");
}

Result<ir::ConstantPtr> convert_tensor(TensorProto& t, const std::string& base_dir,
                                       bool map_external) {
  EI_ASSIGN_OR_RETURN(DType dtype, dtype_from_onnx(t.data_type()));
  if (t.has_segment()) {
    return error(StatusCode::kUnsupported, "segmented tensors are not supported");
  }
  Shape shape(t.dims().begin(), t.dims().end());
  EI_ASSIGN_OR_RETURN(int64_t elements, ir::checked_elements(shape));
  // At most 2^40 elements of at most 8 bytes: no overflow.
  const size_t bytes = static_cast<size_t>(elements) * dtype_size(dtype);
  const std::string what = shape_to_string(shape) + " " + dtype_name(dtype);

  if (t.data_location() == TensorProto::EXTERNAL) {
    // Booleans are normalised in place, so they are always read.
    if (map_external && dtype != DType::kBool) {
      EI_ASSIGN_OR_RETURN(MappedExternalData mapped,
                          map_external_data(t, base_dir, bytes, dtype_size(dtype)));
      if (mapped.data) {
        return ir::Constant::in_mapping(dtype, std::move(shape), mapped.data, bytes,
                                        std::move(mapped.mapping));
      }
    }
    EI_ASSIGN_OR_RETURN(auto data, read_external_data(t, base_dir, bytes));
    if (dtype == DType::kBool) normalize_bools(data.data(), data.size());
    return ir::Constant::from_vector(dtype, std::move(shape), std::move(data));
  }
  if (t.has_raw_data()) {
    if (t.raw_data().size() != bytes) {
      return error(StatusCode::kInvalidModel,
                   "raw_data holds " + std::to_string(t.raw_data().size()) + " bytes but " + what +
                       " needs " + std::to_string(bytes));
    }
    return from_raw(t, dtype, std::move(shape));
  }
  const int count = typed_count(t, dtype);
  if (count != elements) {
    if (count == 0) {
      return error(StatusCode::kInvalidModel, "tensor " + what + " has no data");
    }
    return error(StatusCode::kInvalidModel, "tensor " + what + " holds " + std::to_string(count) +
                                                " values but its dims need " +
                                                std::to_string(elements));
  }
  return from_typed(t, dtype, std::move(shape));
}

}  // namespace edgeinfer::import::onnx_detail
