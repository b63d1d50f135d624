// TFLite importer: a .tflite flatbuffer -> ir::Graph with ONNX operators (opset 18).
//
// TFLite tensors are NHWC; the ONNX kernels are NCHW. The importer keeps the model's interface
// as it is declared (NHWC inputs and outputs) and runs the body in NCHW: every file tensor can
// have two IR representations, "as stored" and "NCHW" (rank 4 only), created on demand. A
// Transpose node is added where a non-constant tensor is needed in the other layout (usually
// once after each graph input and once before each graph output); constants are permuted once
// here, so convolution weights arrive in OIHW and no node is spent on them.
//
// The whole buffer goes through the flatbuffers Verifier before anything is read; every index,
// size and shape taken from the file is checked before use. Errors name the file, the operator
// (index, type, the tensor it writes) and the problem.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "import/importer.h"
#include "import/tflite/tflite_schema_generated.h"
#include "ir/float16.h"
#include "ir/static_shape.h"

namespace edgeinfer::import {

namespace {

namespace fb = edgeinfer::tflite_fb;

constexpr int kOpset = 18;
constexpr int64_t kMaxRank = 8;
constexpr int64_t kMaxElements = int64_t{1} << 32;  // per tensor

// Builtin operator numbers of the format.
enum BuiltinOp : int32_t {
  kAdd = 0,
  kAveragePool2d = 1,
  kConcatenation = 2,
  kConv2d = 3,
  kDepthwiseConv2d = 4,
  kDequantize = 6,
  kFullyConnected = 9,
  kLogistic = 14,
  kMaxPool2d = 17,
  kMul = 18,
  kRelu = 19,
  kReluN1To1 = 20,
  kRelu6 = 21,
  kReshape = 22,
  kResizeBilinear = 23,
  kSoftmax = 25,
  kTanh = 28,
  kCustom = 32,
  kPad = 34,
  kMean = 40,
  kSub = 41,
  kDiv = 42,
  kTransposeConv = 67,
  kResizeNearestNeighbor = 97,
  kHardSwish = 117,
};

// Names of the builtin operators, for messages.
// clang-format off
constexpr const char* kBuiltinNames[] = {
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE",
    "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP",
    "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC", "LSH_PROJECTION",
    "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR",
    "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH", "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL",
    "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD", "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER",
    "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE",
    "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP",
    "TOPK_V2", "SPLIT", "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU",
    "MAXIMUM", "ARG_MAX", "MINIMUM", "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL",
    "LESS_EQUAL", "SELECT", "SLICE", "SIN", "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE",
    "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM", "SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN",
    "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND",
    "LOGICAL_NOT", "UNPACK", "REDUCE_MIN", "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE",
    "FILL", "FLOOR_MOD", "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE",
    "MIRROR_PAD", "ABS", "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS",
    "WHERE", "RANK", "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG",
    "ROUND", "HARD_SWISH", "IF", "WHILE", "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5",
    "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM", "BATCH_MATMUL"};
// clang-format on

std::string builtin_name(int32_t code) {
  if (code >= 0 && static_cast<size_t>(code) < std::size(kBuiltinNames)) {
    return kBuiltinNames[code];
  }
  return "builtin operator " + std::to_string(code);
}

// Padding and activation numbers of the format.
constexpr int8_t kPaddingSame = 0;
constexpr int8_t kPaddingValid = 1;
constexpr int8_t kActNone = 0;
constexpr int8_t kActRelu = 1;
constexpr int8_t kActReluN1To1 = 2;
constexpr int8_t kActRelu6 = 3;
constexpr int8_t kActTanh = 4;

// TensorType of the format -> DType (kUndefined when EdgeInfer has no equivalent).
DType dtype_of(int8_t type) {
  switch (type) {
    case 0:
      return DType::kFloat32;
    case 1:
      return DType::kFloat16;
    case 2:
      return DType::kInt32;
    case 3:
      return DType::kUInt8;
    case 4:
      return DType::kInt64;
    case 6:
      return DType::kBool;
    case 7:
      return DType::kInt16;
    case 9:
      return DType::kInt8;
    case 10:
      return DType::kFloat64;
    case 12:
      return DType::kUInt64;
    case 15:
      return DType::kUInt32;
    case 16:
      return DType::kUInt16;
    default:
      return DType::kUndefined;
  }
}

const char* tflite_type_name(int8_t type) {
  static constexpr const char* kNames[] = {
      "FLOAT32", "FLOAT16",  "INT32",     "UINT8",  "INT64",   "STRING",
      "BOOL",    "INT16",    "COMPLEX64", "INT8",   "FLOAT64", "COMPLEX128",
      "UINT64",  "RESOURCE", "VARIANT",   "UINT32", "UINT16",  "INT4"};
  if (type >= 0 && static_cast<size_t>(type) < std::size(kNames)) return kNames[type];
  return "unknown type";
}

// Permutes a dense row-major tensor: out.dim(i) = in.dim(perm[i]).
std::vector<unsigned char> permute_bytes(const unsigned char* src, const Shape& shape,
                                         size_t element_size, const std::vector<int64_t>& perm) {
  const size_t rank = shape.size();
  const auto count = static_cast<size_t>(shape_elements(shape));
  std::vector<unsigned char> out(count * element_size);
  if (count == 0) return out;
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t i = rank; i-- > 1;)
    in_strides[i - 1] = in_strides[i] * shape[i];
  Shape out_shape(rank);
  std::vector<int64_t> strides(rank);  // input stride of each output axis
  for (size_t i = 0; i < rank; ++i) {
    out_shape[i] = shape[static_cast<size_t>(perm[i])];
    strides[i] = in_strides[static_cast<size_t>(perm[i])];
  }
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  for (size_t n = 0; n < count; ++n) {
    std::memcpy(out.data() + n * element_size, src + static_cast<size_t>(offset) * element_size,
                element_size);
    for (size_t axis = rank; axis-- > 0;) {
      offset += strides[axis];
      if (++index[axis] < out_shape[axis]) break;
      offset -= strides[axis] * out_shape[axis];
      index[axis] = 0;
    }
  }
  return out;
}

Shape permute_shape(const Shape& shape, const std::vector<int64_t>& perm) {
  Shape out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    out[i] = shape[static_cast<size_t>(perm[i])];
  return out;
}

const std::vector<int64_t> kToNchw = {0, 3, 1, 2};
const std::vector<int64_t> kToNhwc = {0, 2, 3, 1};
// NHWC axis -> NCHW axis.
constexpr int64_t kNhwcAxisInNchw[4] = {0, 2, 3, 1};

// What the importer knows about one tensor of the file.
struct TensorSlot {
  std::string name;  // unique within the graph
  int8_t type = 0;
  DType dtype = DType::kUndefined;
  Shape shape;
  ir::ConstantPtr constant;          // data, in the file's layout, for constant tensors
  ir::ValueId as_is = ir::kNoValue;  // IR value in the file's layout
  ir::ValueId nchw = ir::kNoValue;   // IR value transposed to NCHW (rank 4)
  bool written = false;              // an operator (or the caller, for inputs) provides it
};

class TfliteImporter {
 public:
  explicit TfliteImporter(const ModelBytes& bytes) : bytes_(bytes) {}

  Result<ir::Graph> run() {
    EI_RETURN_IF_ERROR(verify());
    model_ = fb::GetModel(bytes_.data);
    EI_RETURN_IF_ERROR(read_tensors());
    EI_RETURN_IF_ERROR(read_inputs());
    const auto* operators = subgraph_->operators();
    if (operators) {
      for (flatbuffers::uoffset_t i = 0; i < operators->size(); ++i) {
        EI_RETURN_IF_ERROR(import_operator(static_cast<int>(i), operators->Get(i)));
      }
    }
    EI_RETURN_IF_ERROR(read_outputs());
    graph_.opsets[""] = kOpset;
    return std::move(graph_);
  }

 private:
  // ---- errors -------------------------------------------------------------------------

  Status fail(StatusCode code, const std::string& what) const {
    return Status(code, bytes_.name + ": " + what);
  }
  Status invalid(const std::string& what) const { return fail(StatusCode::kInvalidModel, what); }
  Status op_fail(StatusCode code, const std::string& what) const {
    return fail(code, op_label_ + ": " + what);
  }
  Status op_invalid(const std::string& what) const {
    return op_fail(StatusCode::kInvalidModel, what);
  }
  Status op_unsupported(const std::string& what) const {
    return op_fail(StatusCode::kUnsupported, what);
  }
  std::string tensor_label(int t) const {
    return "tensor " + std::to_string(t) + " '" + slots_[static_cast<size_t>(t)].name + "'";
  }

  // ---- reading the file ---------------------------------------------------------------

  Status verify() {
    if (bytes_.size < 8) return invalid("file too short to be a TFLite model");
    if (!flatbuffers::BufferHasIdentifier(bytes_.data, fb::ModelIdentifier())) {
      return invalid("not a TFLite model (no \"TFL3\" file identifier)");
    }
    // The verifier handles buffers below 2 GiB; larger files keep their weights after the
    // flatbuffer (buffers with offset/size), so the flatbuffer part is what gets verified.
    const size_t verify_size =
        std::min<size_t>(bytes_.size, static_cast<size_t>(FLATBUFFERS_MAX_BUFFER_SIZE) - 1);
    flatbuffers::Verifier verifier(bytes_.data, verify_size, /*max_depth=*/64,
                                   /*max_tables=*/1000000);
    if (!fb::VerifyModelBuffer(verifier)) {
      return invalid(
          "the TFLite flatbuffer failed verification (truncated or corrupt file, or not a "
          "TFLite model)");
    }
    return Status::ok();
  }

  Result<ir::ConstantPtr> read_constant(int t, const TensorSlot& slot, uint32_t buffer_index) {
    const auto* buffers = model_->buffers();
    const size_t buffer_count = buffers ? buffers->size() : 0;
    if (buffer_index >= buffer_count) {
      return invalid(tensor_label(t) + " refers to buffer " + std::to_string(buffer_index) +
                     ", but the model has " + std::to_string(buffer_count) + " buffers");
    }
    const fb::Buffer* buffer = buffers->Get(buffer_index);
    const unsigned char* data = nullptr;
    size_t size = 0;
    if (buffer && buffer->data() && buffer->data()->size() > 0) {
      data = buffer->data()->data();
      size = buffer->data()->size();
    } else if (buffer && buffer->offset() > 1) {
      const uint64_t offset = buffer->offset();
      const uint64_t length = buffer->size();
      if (offset > bytes_.size || length > bytes_.size - offset) {
        return invalid("buffer " + std::to_string(buffer_index) + " of " + tensor_label(t) +
                       " lies outside the file (offset " + std::to_string(offset) + ", size " +
                       std::to_string(length) + ", file size " + std::to_string(bytes_.size) + ")");
      }
      data = bytes_.data + offset;
      size = static_cast<size_t>(length);
    }
    if (!data) return ir::ConstantPtr();  // no data: an activation tensor
    if (slot.dtype == DType::kUndefined) {
      return fail(StatusCode::kUnsupported, tensor_label(t) + " holds data of type " +
                                                tflite_type_name(slot.type) +
                                                ", which EdgeInfer does not support");
    }
    const size_t expected =
        static_cast<size_t>(shape_elements(slot.shape)) * dtype_size(slot.dtype);
    if (size != expected) {
      return invalid(tensor_label(t) + " has shape " + shape_to_string(slot.shape) + " of " +
                     dtype_name(slot.dtype) + " (" + std::to_string(expected) +
                     " bytes), but its buffer " + std::to_string(buffer_index) + " holds " +
                     std::to_string(size) + " bytes");
    }
    // Aligned data is used in place (kept alive with the file); otherwise it is copied.
    if (bytes_.keepalive && reinterpret_cast<uintptr_t>(data) % 16 == 0) {
      if (bytes_.is_file_mapping) {
        return ir::Constant::in_mapping(slot.dtype, slot.shape, data, size, bytes_.keepalive);
      }
      return ir::Constant::wrap(slot.dtype, slot.shape, data, size, bytes_.keepalive);
    }
    return ir::Constant::copy_of(slot.dtype, slot.shape, data, size);
  }

  Status read_tensors() {
    const auto* subgraphs = model_->subgraphs();
    if (!subgraphs || subgraphs->size() == 0) return invalid("the model has no subgraph");
    subgraph_ = subgraphs->Get(0);
    const auto* tensors = subgraph_->tensors();
    const size_t count = tensors ? tensors->size() : 0;
    slots_.resize(count);
    std::set<std::string> seen;
    for (size_t i = 0; i < count; ++i) {
      const fb::Tensor* tensor = tensors->Get(static_cast<flatbuffers::uoffset_t>(i));
      TensorSlot& slot = slots_[i];
      const int t = static_cast<int>(i);
      std::string base = tensor->name() ? tensor->name()->str() : std::string();
      if (base.empty()) base = "tensor_" + std::to_string(i);
      slot.name = base;
      for (int k = 1; !seen.insert(slot.name).second; ++k)
        slot.name = base + "_" + std::to_string(k);
      slot.type = tensor->type();
      slot.dtype = dtype_of(slot.type);
      if (const auto* shape = tensor->shape()) {
        if (shape->size() > kMaxRank) {
          return invalid(tensor_label(t) + " has rank " + std::to_string(shape->size()) +
                         " (at most " + std::to_string(kMaxRank) + " is supported)");
        }
        int64_t elements = 1;
        for (int32_t d : *shape) {
          if (d < 0) {
            return invalid(tensor_label(t) + " has a negative dimension (" + std::to_string(d) +
                           ")");
          }
          slot.shape.push_back(d);
          if (d != 0 && elements > kMaxElements / d) {
            return fail(StatusCode::kOutOfMemory,
                        tensor_label(t) + " has an absurd shape (more than 2^32 elements)");
          }
          elements *= d;
        }
      }
      EI_ASSIGN_OR_RETURN(slot.constant, read_constant(t, slot, tensor->buffer()));
      if (slot.constant) slot.written = true;
      names_.insert(slot.name);
    }
    return Status::ok();
  }

  Status check_tensor_index(int32_t index, const std::string& where) const {
    if (index < 0 || static_cast<size_t>(index) >= slots_.size()) {
      return invalid(where + " refers to tensor " + std::to_string(index) +
                     ", but the subgraph has " + std::to_string(slots_.size()) + " tensors");
    }
    return Status::ok();
  }

  Status read_inputs() {
    const auto* inputs = subgraph_->inputs();
    if (!inputs) return Status::ok();
    for (int32_t t : *inputs) {
      EI_RETURN_IF_ERROR(check_tensor_index(t, "a graph input"));
      TensorSlot& slot = slots_[static_cast<size_t>(t)];
      if (slot.constant || slot.as_is != ir::kNoValue) continue;  // constant or listed twice
      if (slot.dtype == DType::kUndefined) {
        return fail(StatusCode::kUnsupported, "graph input " + tensor_label(t) + " has type " +
                                                  tflite_type_name(slot.type) +
                                                  ", which EdgeInfer does not support");
      }
      ir::Value v;
      v.name = slot.name;
      v.kind = ir::ValueKind::kInput;
      v.dtype = slot.dtype;
      ir::set_static_shape(v, slot.shape);
      slot.as_is = graph_.add_value(std::move(v));
      slot.written = true;
      graph_.inputs.push_back(slot.as_is);
    }
    return Status::ok();
  }

  Status read_outputs() {
    op_label_ = "graph outputs";
    const auto* outputs = subgraph_->outputs();
    if (!outputs || outputs->size() == 0) return invalid("the model declares no outputs");
    for (int32_t t : *outputs) {
      EI_RETURN_IF_ERROR(check_tensor_index(t, "a graph output"));
      if (!slots_[static_cast<size_t>(t)].written) {
        return invalid("graph output " + tensor_label(t) + " is not written by any operator");
      }
      EI_ASSIGN_OR_RETURN(ir::ValueId id, as_is(t));
      graph_.outputs.push_back(id);
    }
    return Status::ok();
  }

  // ---- IR building helpers ------------------------------------------------------------

  std::string unique_name(const std::string& base) {
    std::string name = base;
    for (int k = 1; names_.count(name) != 0; ++k)
      name = base + "_" + std::to_string(k);
    names_.insert(name);
    return name;
  }

  // A new intermediate value. `name` must already be unique (see unique_name).
  ir::ValueId new_value(const std::string& name, DType dtype, const Shape& shape) {
    ir::Value v;
    v.name = name;
    v.kind = ir::ValueKind::kIntermediate;
    v.dtype = dtype;
    ir::set_static_shape(v, shape);
    return graph_.add_value(std::move(v));
  }

  // `exact`: `base` is a tensor's own (already reserved) name.
  ir::ValueId constant_value(const std::string& base, ir::ConstantPtr data, bool exact = false) {
    ir::Value v;
    v.name = exact ? base : unique_name(base);
    v.kind = ir::ValueKind::kConstant;
    v.dtype = data->dtype();
    ir::set_static_shape(v, data->shape());
    v.constant = std::move(data);
    return graph_.add_value(std::move(v));
  }

  ir::ValueId int64_constant(const std::string& base, const std::vector<int64_t>& values) {
    return constant_value(
        base, ir::Constant::copy_of(DType::kInt64, {static_cast<int64_t>(values.size())},
                                    values.data(), values.size() * 8));
  }

  ir::ValueId float_scalar(const std::string& base, float value) {
    return constant_value(base, ir::Constant::copy_of(DType::kFloat32, {}, &value, sizeof value));
  }

  void add_node(const std::string& op_type, const std::string& name,
                std::vector<ir::ValueId> inputs, std::vector<ir::ValueId> outputs,
                std::map<std::string, ir::Attribute> attributes = {}) {
    ir::Node node;
    node.name = name;
    node.op_type = op_type;
    node.opset = kOpset;
    node.inputs = std::move(inputs);
    node.outputs = std::move(outputs);
    node.attributes = std::move(attributes);
    graph_.add_node(std::move(node));
    if (pending_activation_) {
      graph_.add_node(std::move(*pending_activation_));
      pending_activation_.reset();
    }
  }

  // Inserts a Transpose of `input` (a value with `shape`) and returns its output.
  ir::ValueId transpose(ir::ValueId input, const Shape& shape, const std::vector<int64_t>& perm,
                        const std::string& base) {
    const std::string name = unique_name(base);
    const ir::ValueId out = new_value(name, graph_.value(input).dtype, permute_shape(shape, perm));
    add_node("Transpose", name, {input}, {out}, {{"perm", perm}});
    return out;
  }

  TensorSlot& slot(int t) { return slots_[static_cast<size_t>(t)]; }

  // The tensor in the file's layout.
  Result<ir::ValueId> as_is(int t) {
    TensorSlot& s = slot(t);
    if (s.as_is != ir::kNoValue) return s.as_is;
    if (s.constant) {
      s.as_is = constant_value(s.name, s.constant, /*exact=*/true);
    } else if (s.nchw != ir::kNoValue) {
      s.as_is = transpose(s.nchw, permute_shape(s.shape, kToNchw), kToNhwc, s.name);
    } else {
      return op_invalid("reads " + tensor_label(t) + " before any operator writes it");
    }
    return s.as_is;
  }

  // A rank-4 tensor with its axes permuted (constants are permuted here, once).
  Result<ir::ValueId> permuted(int t, const std::vector<int64_t>& perm, const std::string& suffix) {
    TensorSlot& s = slot(t);
    if (s.shape.size() != perm.size()) {
      return op_invalid(tensor_label(t) + " has rank " + std::to_string(s.shape.size()) +
                        ", expected " + std::to_string(perm.size()));
    }
    if (s.constant) {
      auto bytes = permute_bytes(static_cast<const unsigned char*>(s.constant->data()), s.shape,
                                 dtype_size(s.constant->dtype()), perm);
      return constant_value(s.name + suffix, ir::Constant::from_vector(s.constant->dtype(),
                                                                       permute_shape(s.shape, perm),
                                                                       std::move(bytes)));
    }
    EI_ASSIGN_OR_RETURN(ir::ValueId source, as_is(t));
    return transpose(source, s.shape, perm, s.name + suffix);
  }

  // A rank-4 NHWC tensor in NCHW.
  Result<ir::ValueId> nchw(int t) {
    TensorSlot& s = slot(t);
    if (s.nchw != ir::kNoValue) return s.nchw;
    if (s.shape.size() != 4) {
      return op_invalid(tensor_label(t) + " has shape " + shape_to_string(s.shape) +
                        ", expected rank 4 (NHWC)");
    }
    EI_ASSIGN_OR_RETURN(ir::ValueId id, permuted(t, kToNchw, "#nchw"));
    slot(t).nchw = id;
    return id;
  }

  // An operand of a broadcasting operation run in NCHW: rank-4 tensors are transposed,
  // lower ranks are first extended with leading 1s (numpy broadcasting) to rank 4.
  Result<ir::ValueId> nchw_operand(int t) {
    TensorSlot& s = slot(t);
    if (s.shape.size() == 4) return nchw(t);
    if (s.shape.size() > 4) {
      return op_unsupported(tensor_label(t) + " of rank " + std::to_string(s.shape.size()) +
                            " broadcast against a rank-4 tensor");
    }
    Shape extended(4 - s.shape.size(), 1);
    extended.insert(extended.end(), s.shape.begin(), s.shape.end());
    const Shape target = permute_shape(extended, kToNchw);
    if (s.constant) {
      // Moving size-1 axes keeps the element order: only the shape changes.
      return constant_value(s.name + "#nchw",
                            ir::Constant::wrap(s.constant->dtype(), target, s.constant->data(),
                                               s.constant->bytes(), s.constant));
    }
    EI_ASSIGN_OR_RETURN(ir::ValueId source, as_is(t));
    const std::string name = unique_name(s.name + "#nchw");
    const ir::ValueId out = new_value(name, s.dtype, target);
    add_node("Reshape", name, {source, int64_constant(name + "/shape", target)}, {out});
    return out;
  }

  bool prefers_nchw(int t) {
    const TensorSlot& s = slot(t);
    return s.shape.size() == 4 && s.nchw != ir::kNoValue;
  }

  // Creates the IR value for output tensor t (NCHW when `in_nchw`), and the activation node
  // when the operator fuses one: returns the value the main node must write.
  Result<ir::ValueId> define_output(int t, bool in_nchw, int8_t activation, DType dtype) {
    TensorSlot& s = slot(t);
    if (s.written) {
      return op_invalid("writes " + tensor_label(t) +
                        ", which is a constant, a graph input or written by another operator");
    }
    if (in_nchw && s.shape.size() != 4) {
      return op_invalid("output " + tensor_label(t) + " has shape " + shape_to_string(s.shape) +
                        ", expected rank 4 (NHWC)");
    }
    if (dtype == DType::kUndefined) dtype = s.dtype;
    const Shape shape = in_nchw ? permute_shape(s.shape, kToNchw) : s.shape;
    const std::string final_name = in_nchw ? unique_name(s.name + "#nchw") : s.name;
    const ir::ValueId final_value = new_value(final_name, dtype, shape);
    s.written = true;
    (in_nchw ? s.nchw : s.as_is) = final_value;
    node_name_ = final_name;
    if (activation == kActNone) return final_value;
    if (activation != kActRelu && activation != kActReluN1To1 && activation != kActRelu6 &&
        activation != kActTanh) {
      return op_unsupported("fused activation " + std::to_string(activation) + " is not supported");
    }
    const std::string pre_name = unique_name(final_name + "/before_activation");
    const ir::ValueId pre = new_value(pre_name, dtype, shape);
    ir::Node act;
    act.name = unique_name(final_name + "/activation");
    act.opset = kOpset;
    act.inputs = {pre};
    act.outputs = {final_value};
    if (activation == kActRelu) {
      act.op_type = "Relu";
    } else if (activation == kActTanh) {
      act.op_type = "Tanh";
    } else {
      const bool relu6 = activation == kActRelu6;
      act.op_type = "Clip";
      act.inputs.push_back(float_scalar(act.name + "/min", relu6 ? 0.f : -1.f));
      act.inputs.push_back(float_scalar(act.name + "/max", relu6 ? 6.f : 1.f));
    }
    // Added to the graph right after the operator's next node (see add_node).
    pending_activation_ = std::move(act);
    return pre;
  }

  // ---- operator import ----------------------------------------------------------------

  // Operator inputs (-1 = omitted) after range checks.
  Result<std::vector<int>> operator_tensors(const flatbuffers::Vector<int32_t>* list,
                                            const char* what) {
    std::vector<int> out;
    if (!list) return out;
    for (int32_t t : *list) {
      if (t == -1 && std::string(what) == "input") {
        out.push_back(-1);
        continue;
      }
      if (t < 0 || static_cast<size_t>(t) >= slots_.size()) {
        return op_invalid(std::string(what) + " refers to tensor " + std::to_string(t) +
                          ", but the subgraph has " + std::to_string(slots_.size()) + " tensors");
      }
      out.push_back(t);
    }
    return out;
  }

  Status need_inputs(size_t min, size_t max) const {
    if (in_.size() < min || in_.size() > max) {
      return op_invalid(
          "has " + std::to_string(in_.size()) + " inputs, expected " +
          (min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max)));
    }
    for (size_t i = 0; i < min; ++i) {
      if (in_[i] < 0) return op_invalid("required input " + std::to_string(i) + " is omitted");
    }
    return Status::ok();
  }

  Status need_float(int t) {
    const TensorSlot& s = slot(t);
    if (s.dtype != DType::kFloat32) {
      return op_unsupported(tensor_label(t) + " has type " + tflite_type_name(s.type) +
                            " (only float32 operators are supported; quantized models are not)");
    }
    return Status::ok();
  }

  Status need_rank(int t, size_t rank) {
    if (slot(t).shape.size() != rank) {
      return op_invalid(tensor_label(t) + " has shape " + shape_to_string(slot(t).shape) +
                        ", expected rank " + std::to_string(rank));
    }
    return Status::ok();
  }

  template <typename Options>
  Result<const Options*> options(fb::BuiltinOptions expected, bool required = true) {
    const auto type = op_->builtin_options_type();
    if (type == fb::BuiltinOptions_NONE || !op_->builtin_options()) {
      if (required) return op_invalid("has no options");
      return static_cast<const Options*>(nullptr);
    }
    if (type != expected) {
      return op_invalid("has options of the wrong kind (union type " +
                        std::to_string(static_cast<int>(type)) + ")");
    }
    return static_cast<const Options*>(op_->builtin_options());
  }

  Status import_operator(int index, const fb::Operator* op) {
    op_ = op;
    op_label_ = "operator " + std::to_string(index);
    const auto* codes = model_->operator_codes();
    const size_t code_count = codes ? codes->size() : 0;
    if (op->opcode_index() >= code_count) {
      return op_invalid("uses operator code " + std::to_string(op->opcode_index()) +
                        ", but the model has " + std::to_string(code_count));
    }
    const fb::OperatorCode* code = codes->Get(op->opcode_index());
    const int32_t builtin =
        std::max<int32_t>(code->deprecated_builtin_code(), code->builtin_code());
    std::string custom;
    if (builtin == kCustom) custom = code->custom_code() ? code->custom_code()->str() : "";
    const std::string op_name =
        builtin == kCustom ? "custom operator '" + custom + "'" : builtin_name(builtin);

    EI_ASSIGN_OR_RETURN(in_, operator_tensors(op->inputs(), "input"));
    EI_ASSIGN_OR_RETURN(out_, operator_tensors(op->outputs(), "output"));
    op_label_ += " (" + op_name;
    if (!out_.empty()) op_label_ += ", writes '" + slot(out_[0]).name + "'";
    op_label_ += ")";
    if (out_.size() != 1) {
      return op_invalid("has " + std::to_string(out_.size()) + " outputs, expected 1");
    }
    for (int t : in_) {
      if (t >= 0 && !slot(t).written) {
        return op_invalid("reads " + tensor_label(t) + " before any operator writes it");
      }
    }

    switch (builtin) {
      case kConv2d:
        return import_conv(false);
      case kDepthwiseConv2d:
        return import_conv(true);
      case kTransposeConv:
        return import_transpose_conv();
      case kAdd:
        return import_binary("Add");
      case kSub:
        return import_binary("Sub");
      case kMul:
        return import_binary("Mul");
      case kDiv:
        return import_binary("Div");
      case kHardSwish:
        return import_unary("HardSwish");
      case kLogistic:
        return import_unary("Sigmoid");
      case kRelu:
        return import_unary("Relu");
      case kTanh:
        return import_unary("Tanh");
      case kRelu6:
        return import_clip(0.f, 6.f);
      case kReluN1To1:
        return import_clip(-1.f, 1.f);
      case kAveragePool2d:
        return import_pool("AveragePool");
      case kMaxPool2d:
        return import_pool("MaxPool");
      case kMean:
        return import_mean();
      case kConcatenation:
        return import_concat();
      case kReshape:
        return import_reshape();
      case kResizeBilinear:
        return import_resize(false);
      case kResizeNearestNeighbor:
        return import_resize(true);
      case kPad:
        return import_pad();
      case kSoftmax:
        return import_softmax();
      case kFullyConnected:
        return import_fully_connected();
      case kDequantize:
        return import_dequantize();
      case kCustom:
        if (custom == "Convolution2DTransposeBias") return import_transpose_conv_bias();
        break;
      default:
        break;
    }
    return op_unsupported("operator is not supported by EdgeInfer's TFLite importer");
  }

  // SAME/VALID -> (begin, end) padding of one spatial axis of a convolution or pool.
  Result<std::pair<int64_t, int64_t>> window_pads(int8_t padding, int64_t in, int64_t kernel,
                                                  int64_t stride, int64_t dilation, int64_t* out) {
    const int64_t effective = (kernel - 1) * dilation + 1;
    if (padding == kPaddingSame) {
      *out = (in + stride - 1) / stride;
      const int64_t total = std::max<int64_t>((*out - 1) * stride + effective - in, 0);
      return std::pair<int64_t, int64_t>{total / 2, total - total / 2};
    }
    if (padding == kPaddingValid) {
      if (in < effective) {
        return op_invalid("window of " + std::to_string(effective) + " is larger than the input (" +
                          std::to_string(in) + ")");
      }
      *out = (in - effective) / stride + 1;
      return std::pair<int64_t, int64_t>{0, 0};
    }
    return op_invalid("unknown padding " + std::to_string(padding));
  }

  Status check_window_params(int64_t stride_h, int64_t stride_w, int64_t dil_h, int64_t dil_w) {
    constexpr int64_t kLimit = 1 << 16;
    if (stride_h < 1 || stride_w < 1 || stride_h > kLimit || stride_w > kLimit) {
      return op_invalid("invalid strides (" + std::to_string(stride_h) + ", " +
                        std::to_string(stride_w) + ")");
    }
    if (dil_h < 1 || dil_w < 1 || dil_h > kLimit || dil_w > kLimit) {
      return op_invalid("invalid dilations (" + std::to_string(dil_h) + ", " +
                        std::to_string(dil_w) + ")");
    }
    return Status::ok();
  }

  Status check_output_hw(int64_t out_h, int64_t out_w) {
    const Shape& o = slot(out_[0]).shape;
    if (o.size() != 4 || o[1] != out_h || o[2] != out_w) {
      return op_invalid("output shape " + shape_to_string(o) + " does not match the computed " +
                        std::to_string(out_h) + "x" + std::to_string(out_w));
    }
    return Status::ok();
  }

  Status import_conv(bool depthwise) {
    EI_RETURN_IF_ERROR(need_inputs(2, 3));
    const int x = in_[0], w = in_[1], b = in_.size() > 2 ? in_[2] : -1;
    EI_RETURN_IF_ERROR(need_float(x));
    EI_RETURN_IF_ERROR(need_float(w));
    EI_RETURN_IF_ERROR(need_rank(x, 4));
    EI_RETURN_IF_ERROR(need_rank(w, 4));
    int8_t padding, activation;
    int64_t stride_h, stride_w, dil_h, dil_w;
    int64_t multiplier = 0;
    if (depthwise) {
      EI_ASSIGN_OR_RETURN(const auto* o, options<fb::DepthwiseConv2DOptions>(
                                             fb::BuiltinOptions_DepthwiseConv2DOptions));
      padding = o->padding();
      activation = o->fused_activation_function();
      stride_h = o->stride_h(), stride_w = o->stride_w();
      dil_h = o->dilation_h_factor(), dil_w = o->dilation_w_factor();
      multiplier = o->depth_multiplier();
    } else {
      EI_ASSIGN_OR_RETURN(const auto* o,
                          options<fb::Conv2DOptions>(fb::BuiltinOptions_Conv2DOptions));
      padding = o->padding();
      activation = o->fused_activation_function();
      stride_h = o->stride_h(), stride_w = o->stride_w();
      dil_h = o->dilation_h_factor(), dil_w = o->dilation_w_factor();
    }
    EI_RETURN_IF_ERROR(check_window_params(stride_h, stride_w, dil_h, dil_w));
    const Shape& xs = slot(x).shape;
    const Shape& ws = slot(w).shape;
    const int64_t channels = xs[3];
    int64_t out_channels, group;
    if (depthwise) {
      // Weights [1, kh, kw, channels * multiplier] -> [channels * multiplier, 1, kh, kw].
      out_channels = ws[3];
      if (ws[0] != 1 || channels == 0 || out_channels % channels != 0) {
        return op_invalid("depthwise weights " + shape_to_string(ws) +
                          " do not fit an input with " + std::to_string(channels) + " channels");
      }
      if (multiplier != 0 && multiplier * channels != out_channels) {
        return op_invalid("depth multiplier " + std::to_string(multiplier) +
                          " does not match the weights " + shape_to_string(ws));
      }
      group = channels;
    } else {
      // Weights OHWI -> OIHW; fewer weight input channels than input channels: grouped.
      out_channels = ws[0];
      if (ws[3] == 0 || channels % ws[3] != 0 ||
          (channels / ws[3] != 0 && out_channels % (channels / ws[3]) != 0)) {
        return op_invalid("weights " + shape_to_string(ws) + " do not fit an input with " +
                          std::to_string(channels) + " channels");
      }
      group = channels / ws[3];
    }
    const int64_t kh = ws[1], kw = ws[2];
    if (kh < 1 || kw < 1) return op_invalid("empty kernel " + shape_to_string(ws));
    int64_t out_h, out_w;
    EI_ASSIGN_OR_RETURN(auto ph, window_pads(padding, xs[1], kh, stride_h, dil_h, &out_h));
    EI_ASSIGN_OR_RETURN(auto pw, window_pads(padding, xs[2], kw, stride_w, dil_w, &out_w));
    EI_RETURN_IF_ERROR(check_output_hw(out_h, out_w));
    if (slot(out_[0]).shape[3] != out_channels) {
      return op_invalid("output shape " + shape_to_string(slot(out_[0]).shape) + " does not have " +
                        std::to_string(out_channels) + " channels");
    }
    std::vector<ir::ValueId> inputs;
    EI_ASSIGN_OR_RETURN(ir::ValueId xv, nchw(x));
    inputs.push_back(xv);
    EI_ASSIGN_OR_RETURN(ir::ValueId wv, depthwise ? permuted(w, {3, 0, 1, 2}, "#oihw")
                                                  : permuted(w, {0, 3, 1, 2}, "#oihw"));
    inputs.push_back(wv);
    if (b >= 0) {
      EI_RETURN_IF_ERROR(need_float(b));
      if (slot(b).shape != Shape{out_channels}) {
        return op_invalid("bias " + shape_to_string(slot(b).shape) + " does not match " +
                          std::to_string(out_channels) + " output channels");
      }
      EI_ASSIGN_OR_RETURN(ir::ValueId bv, as_is(b));
      inputs.push_back(bv);
    }
    EI_ASSIGN_OR_RETURN(ir::ValueId out, define_output(out_[0], true, activation, DType::kFloat32));
    add_node("Conv", node_name_, inputs, {out},
             {{"kernel_shape", std::vector<int64_t>{kh, kw}},
              {"strides", std::vector<int64_t>{stride_h, stride_w}},
              {"dilations", std::vector<int64_t>{dil_h, dil_w}},
              {"pads", std::vector<int64_t>{ph.first, pw.first, ph.second, pw.second}},
              {"group", group}});
    return Status::ok();
  }

  // ConvTranspose from NHWC input x, OHWI weights w, optional bias; `pads` as (begin, end) of
  // the height and width; negative ends become output_padding.
  Status emit_conv_transpose(int x, int w, int b, int64_t stride_h, int64_t stride_w,
                             int64_t begin_h, int64_t begin_w, int8_t activation) {
    const Shape& xs = slot(x).shape;
    const Shape& ws = slot(w).shape;
    const Shape& os = slot(out_[0]).shape;
    if (ws[3] != xs[3]) {
      return op_invalid("weights " + shape_to_string(ws) + " do not fit an input with " +
                        std::to_string(xs[3]) + " channels");
    }
    if (os.size() != 4 || os[0] != xs[0] || os[3] != ws[0]) {
      return op_invalid("output shape " + shape_to_string(os) + " does not fit input " +
                        shape_to_string(xs) + " and weights " + shape_to_string(ws));
    }
    const int64_t kh = ws[1], kw = ws[2];
    if (kh < 1 || kw < 1) return op_invalid("empty kernel " + shape_to_string(ws));
    // Full output of a transposed convolution: (in - 1) * stride + kernel; the requested
    // output starts at `begin` and the rest of the full output is cut off at the end.
    const int64_t full_h = (xs[1] - 1) * stride_h + kh, full_w = (xs[2] - 1) * stride_w + kw;
    int64_t end_h = full_h - os[1] - begin_h, end_w = full_w - os[2] - begin_w;
    int64_t extra_h = 0, extra_w = 0;
    if (end_h < 0) extra_h = -end_h, end_h = 0;
    if (end_w < 0) extra_w = -end_w, end_w = 0;
    if (begin_h < 0 || begin_w < 0 || extra_h >= stride_h || extra_w >= stride_w || xs[1] < 1 ||
        xs[2] < 1) {
      return op_invalid("output shape " + shape_to_string(os) + " cannot be produced from input " +
                        shape_to_string(xs));
    }
    std::vector<ir::ValueId> inputs;
    EI_ASSIGN_OR_RETURN(ir::ValueId xv, nchw(x));
    inputs.push_back(xv);
    EI_ASSIGN_OR_RETURN(ir::ValueId wv, permuted(w, {3, 0, 1, 2}, "#iohw"));
    inputs.push_back(wv);
    if (b >= 0) {
      EI_RETURN_IF_ERROR(need_float(b));
      if (slot(b).shape != Shape{ws[0]}) {
        return op_invalid("bias " + shape_to_string(slot(b).shape) + " does not match " +
                          std::to_string(ws[0]) + " output channels");
      }
      EI_ASSIGN_OR_RETURN(ir::ValueId bv, as_is(b));
      inputs.push_back(bv);
    }
    EI_ASSIGN_OR_RETURN(ir::ValueId out, define_output(out_[0], true, activation, DType::kFloat32));
    std::map<std::string, ir::Attribute> attrs = {
        {"kernel_shape", std::vector<int64_t>{kh, kw}},
        {"strides", std::vector<int64_t>{stride_h, stride_w}},
        {"dilations", std::vector<int64_t>{1, 1}},
        {"pads", std::vector<int64_t>{begin_h, begin_w, end_h, end_w}},
        {"group", int64_t{1}}};
    if (extra_h || extra_w) attrs["output_padding"] = std::vector<int64_t>{extra_h, extra_w};
    add_node("ConvTranspose", node_name_, inputs, {out}, std::move(attrs));
    return Status::ok();
  }

  Status import_transpose_conv() {
    // Inputs: output shape (int32 [4]), weights OHWI, input, optional bias.
    EI_RETURN_IF_ERROR(need_inputs(3, 4));
    const int w = in_[1], x = in_[2], b = in_.size() > 3 ? in_[3] : -1;
    EI_RETURN_IF_ERROR(need_float(x));
    EI_RETURN_IF_ERROR(need_float(w));
    EI_RETURN_IF_ERROR(need_rank(x, 4));
    EI_RETURN_IF_ERROR(need_rank(w, 4));
    EI_RETURN_IF_ERROR(need_rank(out_[0], 4));
    EI_ASSIGN_OR_RETURN(const auto* o,
                        options<fb::TransposeConvOptions>(fb::BuiltinOptions_TransposeConvOptions));
    EI_RETURN_IF_ERROR(check_window_params(o->stride_h(), o->stride_w(), 1, 1));
    const Shape& os = slot(out_[0]).shape;
    if (const auto& c = slot(in_[0]).constant) {
      if (c->dtype() != DType::kInt32 || c->elements() != 4 ||
          !std::equal(os.begin(), os.end(), c->as<int32_t>())) {
        return op_invalid("output shape input does not match the output tensor " +
                          shape_to_string(os));
      }
    }
    const Shape& xs = slot(x).shape;
    const Shape& ws = slot(w).shape;
    int64_t begin_h = 0, begin_w = 0;
    if (o->padding() == kPaddingSame) {
      // Padding as for the forward convolution from the output back to the input.
      begin_h = std::max<int64_t>((xs[1] - 1) * o->stride_h() + ws[1] - os[1], 0) / 2;
      begin_w = std::max<int64_t>((xs[2] - 1) * o->stride_w() + ws[2] - os[2], 0) / 2;
    } else if (o->padding() != kPaddingValid) {
      return op_invalid("unknown padding " + std::to_string(o->padding()));
    }
    return emit_conv_transpose(x, w, b, o->stride_h(), o->stride_w(), begin_h, begin_w,
                               o->fused_activation_function());
  }

  // MediaPipe's transposed convolution with bias. custom_options: three little-endian int32
  // (padding: 1 same, 2 valid; stride width; stride height).
  Status import_transpose_conv_bias() {
    EI_RETURN_IF_ERROR(need_inputs(3, 3));
    const int x = in_[0], w = in_[1], b = in_[2];
    EI_RETURN_IF_ERROR(need_float(x));
    EI_RETURN_IF_ERROR(need_float(w));
    EI_RETURN_IF_ERROR(need_rank(x, 4));
    EI_RETURN_IF_ERROR(need_rank(w, 4));
    const auto* custom = op_->custom_options();
    if (!custom || custom->size() < 12) {
      return op_invalid("custom options hold " + std::to_string(custom ? custom->size() : 0) +
                        " bytes, expected 12 (padding, stride width, stride height)");
    }
    int32_t params[3];
    std::memcpy(params, custom->data(), sizeof params);
    const int32_t padding = params[0], stride_w = params[1], stride_h = params[2];
    EI_RETURN_IF_ERROR(check_window_params(stride_h, stride_w, 1, 1));
    const Shape& xs = slot(x).shape;
    const Shape& ws = slot(w).shape;
    int64_t total_h = 0, total_w = 0;
    if (padding == 1) {
      if (xs[1] < 1 || xs[2] < 1) return op_invalid("empty input " + shape_to_string(xs));
      total_h = std::max<int64_t>(0, ws[1] - (xs[1] - 1) % stride_h - 1);
      total_w = std::max<int64_t>(0, ws[2] - (xs[2] - 1) % stride_w - 1);
    } else if (padding != 2) {
      return op_invalid("unknown padding " + std::to_string(padding) + " in custom options");
    }
    const int64_t out_h = stride_h * (xs[1] - 1) + ws[1] - total_h;
    const int64_t out_w = stride_w * (xs[2] - 1) + ws[2] - total_w;
    EI_RETURN_IF_ERROR(check_output_hw(out_h, out_w));
    return emit_conv_transpose(x, w, b, stride_h, stride_w, total_h / 2, total_w / 2, kActNone);
  }

  int8_t binary_activation(int32_t builtin_options_type) {
    switch (builtin_options_type) {
      case fb::BuiltinOptions_AddOptions:
        return op_->builtin_options_as_AddOptions()->fused_activation_function();
      case fb::BuiltinOptions_SubOptions:
        return op_->builtin_options_as_SubOptions()->fused_activation_function();
      case fb::BuiltinOptions_MulOptions:
        return op_->builtin_options_as_MulOptions()->fused_activation_function();
      case fb::BuiltinOptions_DivOptions:
        return op_->builtin_options_as_DivOptions()->fused_activation_function();
      default:
        return kActNone;
    }
  }

  Status import_binary(const std::string& op_type) {
    EI_RETURN_IF_ERROR(need_inputs(2, 2));
    const int a = in_[0], b = in_[1], y = out_[0];
    const fb::BuiltinOptions expected = op_type == "Add"   ? fb::BuiltinOptions_AddOptions
                                        : op_type == "Sub" ? fb::BuiltinOptions_SubOptions
                                        : op_type == "Mul" ? fb::BuiltinOptions_MulOptions
                                                           : fb::BuiltinOptions_DivOptions;
    const auto type = op_->builtin_options_type();
    if (type != fb::BuiltinOptions_NONE && type != expected) {
      return op_invalid("has options of the wrong kind (union type " +
                        std::to_string(static_cast<int>(type)) + ")");
    }
    const int8_t activation = op_->builtin_options() ? binary_activation(type) : kActNone;
    if (slot(a).dtype != slot(b).dtype) {
      return op_invalid("operands have different types (" +
                        std::string(tflite_type_name(slot(a).type)) + ", " +
                        tflite_type_name(slot(b).type) + ")");
    }
    if (activation != kActNone) EI_RETURN_IF_ERROR(need_float(a));
    const bool use_nchw = slot(y).shape.size() == 4 && (prefers_nchw(a) || prefers_nchw(b));
    ir::ValueId av, bv;
    if (use_nchw) {
      EI_ASSIGN_OR_RETURN(av, nchw_operand(a));
      EI_ASSIGN_OR_RETURN(bv, nchw_operand(b));
    } else {
      EI_ASSIGN_OR_RETURN(av, as_is(a));
      EI_ASSIGN_OR_RETURN(bv, as_is(b));
    }
    EI_ASSIGN_OR_RETURN(ir::ValueId out, define_output(y, use_nchw, activation, slot(a).dtype));
    add_node(op_type, node_name_, {av, bv}, {out});
    return Status::ok();
  }

  // One input, same layout out as in.
  Result<std::pair<ir::ValueId, ir::ValueId>> unary_values() {
    EI_RETURN_IF_ERROR(need_inputs(1, 1));
    const int x = in_[0];
    EI_RETURN_IF_ERROR(need_float(x));
    if (slot(x).shape != slot(out_[0]).shape) {
      return op_invalid("output shape " + shape_to_string(slot(out_[0]).shape) +
                        " differs from the input shape " + shape_to_string(slot(x).shape));
    }
    const bool use_nchw = prefers_nchw(x);
    EI_ASSIGN_OR_RETURN(ir::ValueId xv, use_nchw ? nchw(x) : as_is(x));
    EI_ASSIGN_OR_RETURN(ir::ValueId out,
                        define_output(out_[0], use_nchw, kActNone, DType::kFloat32));
    return std::pair<ir::ValueId, ir::ValueId>{xv, out};
  }

  Status import_unary(const std::string& op_type) {
    EI_ASSIGN_OR_RETURN(auto io, unary_values());
    add_node(op_type, node_name_, {io.first}, {io.second});
    return Status::ok();
  }

  Status import_clip(float lo, float hi) {
    EI_ASSIGN_OR_RETURN(auto io, unary_values());
    const std::string name = node_name_;
    add_node("Clip", name,
             {io.first, float_scalar(name + "/min", lo), float_scalar(name + "/max", hi)},
             {io.second});
    return Status::ok();
  }

  Status import_pool(const std::string& op_type) {
    EI_RETURN_IF_ERROR(need_inputs(1, 1));
    const int x = in_[0];
    EI_RETURN_IF_ERROR(need_float(x));
    EI_RETURN_IF_ERROR(need_rank(x, 4));
    EI_ASSIGN_OR_RETURN(const auto* o,
                        options<fb::Pool2DOptions>(fb::BuiltinOptions_Pool2DOptions));
    EI_RETURN_IF_ERROR(check_window_params(o->stride_h(), o->stride_w(), 1, 1));
    const int64_t kh = o->filter_height(), kw = o->filter_width();
    if (kh < 1 || kw < 1 || kh > (1 << 16) || kw > (1 << 16)) {
      return op_invalid("invalid filter size " + std::to_string(kh) + "x" + std::to_string(kw));
    }
    const Shape& xs = slot(x).shape;
    int64_t out_h, out_w;
    EI_ASSIGN_OR_RETURN(auto ph, window_pads(o->padding(), xs[1], kh, o->stride_h(), 1, &out_h));
    EI_ASSIGN_OR_RETURN(auto pw, window_pads(o->padding(), xs[2], kw, o->stride_w(), 1, &out_w));
    EI_RETURN_IF_ERROR(check_output_hw(out_h, out_w));
    if (slot(out_[0]).shape[3] != xs[3] || slot(out_[0]).shape[0] != xs[0]) {
      return op_invalid("output shape " + shape_to_string(slot(out_[0]).shape) +
                        " does not match the input " + shape_to_string(xs));
    }
    EI_ASSIGN_OR_RETURN(ir::ValueId xv, nchw(x));
    EI_ASSIGN_OR_RETURN(
        ir::ValueId out,
        define_output(out_[0], true, o->fused_activation_function(), DType::kFloat32));
    std::map<std::string, ir::Attribute> attrs = {
        {"kernel_shape", std::vector<int64_t>{kh, kw}},
        {"strides", std::vector<int64_t>{o->stride_h(), o->stride_w()}},
        {"pads", std::vector<int64_t>{ph.first, pw.first, ph.second, pw.second}}};
    // TFLite averages over the valid (unpadded) part of each window.
    if (op_type == "AveragePool") attrs["count_include_pad"] = int64_t{0};
    add_node(op_type, node_name_, {xv}, {out}, std::move(attrs));
    return Status::ok();
  }

  // Integer values of a constant int32/int64 tensor.
  Result<std::vector<int64_t>> constant_ints(int t, const std::string& what) {
    const auto& c = slot(t).constant;
    if (!c) return op_unsupported(what + " (" + tensor_label(t) + ") must be a constant");
    std::vector<int64_t> values(static_cast<size_t>(c->elements()));
    if (c->dtype() == DType::kInt32) {
      for (size_t i = 0; i < values.size(); ++i) {
        int32_t v;
        std::memcpy(&v, static_cast<const unsigned char*>(c->data()) + 4 * i, 4);
        values[i] = v;
      }
    } else if (c->dtype() == DType::kInt64) {
      if (!values.empty()) std::memcpy(values.data(), c->data(), values.size() * 8);
    } else {
      return op_invalid(what + " (" + tensor_label(t) + ") must be int32 or int64");
    }
    return values;
  }

  Status import_mean() {
    EI_RETURN_IF_ERROR(need_inputs(2, 2));
    const int x = in_[0];
    EI_RETURN_IF_ERROR(need_float(x));
    EI_ASSIGN_OR_RETURN(const auto* o,
                        options<fb::ReducerOptions>(fb::BuiltinOptions_ReducerOptions, false));
    const bool keep_dims = o && o->keep_dims();
    EI_ASSIGN_OR_RETURN(std::vector<int64_t> axes, constant_ints(in_[1], "the axes"));
    const auto rank = static_cast<int64_t>(slot(x).shape.size());
    std::set<int64_t> unique_axes;
    for (int64_t a : axes) {
      if (a < -rank || a >= rank) {
        return op_invalid("axis " + std::to_string(a) + " is out of range for rank " +
                          std::to_string(rank));
      }
      unique_axes.insert(a < 0 ? a + rank : a);
    }
    // In NCHW when the result stays rank 4, or when only N and C remain (same order in both).
    bool use_nchw =
        prefers_nchw(x) && (keep_dims || (unique_axes.count(1) && unique_axes.count(2)));
    std::vector<int64_t> onnx_axes;
    for (int64_t a : unique_axes)
      onnx_axes.push_back(use_nchw ? kNhwcAxisInNchw[a] : a);
    std::sort(onnx_axes.begin(), onnx_axes.end());
    const bool out_nchw = use_nchw && keep_dims;
    EI_ASSIGN_OR_RETURN(ir::ValueId xv, use_nchw ? nchw(x) : as_is(x));
    EI_ASSIGN_OR_RETURN(ir::ValueId out,
                        define_output(out_[0], out_nchw, kActNone, DType::kFloat32));
    const std::string name = node_name_;
    std::vector<ir::ValueId> inputs = {xv};
    if (!onnx_axes.empty()) inputs.push_back(int64_constant(name + "/axes", onnx_axes));
    // An empty axes list reduces nothing in TFLite; ONNX needs noop_with_empty_axes for that.
    add_node("ReduceMean", name, inputs, {out},
             {{"keepdims", int64_t{keep_dims ? 1 : 0}},
              {"noop_with_empty_axes", int64_t{onnx_axes.empty() ? 1 : 0}}});
    return Status::ok();
  }

  Status import_concat() {
    if (in_.empty()) return op_invalid("has no inputs");
    EI_RETURN_IF_ERROR(need_inputs(1, in_.size()));
    EI_ASSIGN_OR_RETURN(const auto* o,
                        options<fb::ConcatenationOptions>(fb::BuiltinOptions_ConcatenationOptions));
    const int y = out_[0];
    const auto rank = static_cast<int64_t>(slot(y).shape.size());
    int64_t axis = o->axis();
    if (axis < -rank || axis >= rank) {
      return op_invalid("axis " + std::to_string(axis) + " is out of range for rank " +
                        std::to_string(rank));
    }
    if (axis < 0) axis += rank;
    bool use_nchw = rank == 4;
    bool any_nchw = false;
    for (int t : in_) {
      if (slot(t).shape.size() != static_cast<size_t>(rank)) {
        return op_invalid(tensor_label(t) + " has rank " + std::to_string(slot(t).shape.size()) +
                          ", expected " + std::to_string(rank));
      }
      if (slot(t).dtype != slot(y).dtype) {
        return op_invalid(tensor_label(t) + " has a different type from the output");
      }
      any_nchw = any_nchw || prefers_nchw(t);
    }
    use_nchw = use_nchw && any_nchw;
    std::vector<ir::ValueId> inputs;
    for (int t : in_) {
      EI_ASSIGN_OR_RETURN(ir::ValueId v, use_nchw ? nchw(t) : as_is(t));
      inputs.push_back(v);
    }
    EI_ASSIGN_OR_RETURN(ir::ValueId out,
                        define_output(y, use_nchw, o->fused_activation_function(), slot(y).dtype));
    add_node("Concat", node_name_, inputs, {out},
             {{"axis", use_nchw ? kNhwcAxisInNchw[axis] : axis}});
    return Status::ok();
  }

  Status import_reshape() {
    EI_RETURN_IF_ERROR(need_inputs(1, 2));
    const int x = in_[0], y = out_[0];
    if (slot(x).dtype != slot(y).dtype) {
      return op_invalid("input and output types differ");
    }
    // The file gives every tensor a static shape: the output's is the target.
    const Shape& target = slot(y).shape;
    if (shape_elements(target) != shape_elements(slot(x).shape)) {
      return op_invalid("cannot reshape " + shape_to_string(slot(x).shape) + " to " +
                        shape_to_string(target));
    }
    EI_ASSIGN_OR_RETURN(ir::ValueId xv, as_is(x));
    EI_ASSIGN_OR_RETURN(ir::ValueId out, define_output(y, false, kActNone, slot(y).dtype));
    const std::string name = node_name_;
    const bool has_zero = std::find(target.begin(), target.end(), 0) != target.end();
    add_node("Reshape", name, {xv, int64_constant(name + "/shape", target)}, {out},
             {{"allowzero", int64_t{has_zero ? 1 : 0}}});
    return Status::ok();
  }

  Status import_resize(bool nearest) {
    EI_RETURN_IF_ERROR(need_inputs(2, 2));
    const int x = in_[0], y = out_[0];
    EI_RETURN_IF_ERROR(need_float(x));
    EI_RETURN_IF_ERROR(need_rank(x, 4));
    EI_RETURN_IF_ERROR(need_rank(y, 4));
    bool align_corners = false, half_pixel = false;
    if (nearest) {
      EI_ASSIGN_OR_RETURN(const auto* o,
                          options<fb::ResizeNearestNeighborOptions>(
                              fb::BuiltinOptions_ResizeNearestNeighborOptions, false));
      if (o) align_corners = o->align_corners(), half_pixel = o->half_pixel_centers();
    } else {
      EI_ASSIGN_OR_RETURN(const auto* o, options<fb::ResizeBilinearOptions>(
                                             fb::BuiltinOptions_ResizeBilinearOptions, false));
      if (o) align_corners = o->align_corners(), half_pixel = o->half_pixel_centers();
    }
    const Shape& xs = slot(x).shape;
    const Shape& ys = slot(y).shape;
    if (ys[0] != xs[0] || ys[3] != xs[3]) {
      return op_invalid("output shape " + shape_to_string(ys) + " does not fit the input " +
                        shape_to_string(xs));
    }
    if (slot(in_[1]).constant) {
      EI_ASSIGN_OR_RETURN(std::vector<int64_t> size, constant_ints(in_[1], "the size"));
      if (size.size() != 2 || size[0] != ys[1] || size[1] != ys[2]) {
        return op_invalid("the size input does not match the output shape " + shape_to_string(ys));
      }
    }
    std::string transform = "asymmetric";
    std::string nearest_mode = "floor";
    if (align_corners) {
      transform = "align_corners";
      nearest_mode = "round_prefer_ceil";
    } else if (half_pixel) {
      transform = nearest ? "tf_half_pixel_for_nn" : "half_pixel";
    }
    EI_ASSIGN_OR_RETURN(ir::ValueId xv, nchw(x));
    EI_ASSIGN_OR_RETURN(ir::ValueId out, define_output(y, true, kActNone, DType::kFloat32));
    const std::string name = node_name_;
    std::map<std::string, ir::Attribute> attrs = {
        {"mode", std::string(nearest ? "nearest" : "linear")},
        {"coordinate_transformation_mode", transform}};
    if (nearest) attrs["nearest_mode"] = nearest_mode;
    add_node("Resize", name,
             {xv, ir::kNoValue, ir::kNoValue,
              int64_constant(name + "/sizes", permute_shape(ys, kToNchw))},
             {out}, std::move(attrs));
    return Status::ok();
  }

  Status import_pad() {
    EI_RETURN_IF_ERROR(need_inputs(2, 2));
    const int x = in_[0], y = out_[0];
    EI_ASSIGN_OR_RETURN(std::vector<int64_t> pads, constant_ints(in_[1], "the paddings"));
    const Shape& xs = slot(x).shape;
    const size_t rank = xs.size();
    if (pads.size() != 2 * rank) {
      return op_invalid("paddings hold " + std::to_string(pads.size()) + " values, expected " +
                        std::to_string(2 * rank));
    }
    for (size_t i = 0; i < rank; ++i) {
      const int64_t lo = pads[2 * i], hi = pads[2 * i + 1];
      if (lo < 0 || hi < 0 || slot(y).shape.size() != rank || xs[i] + lo + hi != slot(y).shape[i]) {
        return op_invalid("paddings do not turn " + shape_to_string(xs) + " into " +
                          shape_to_string(slot(y).shape));
      }
    }
    const bool use_nchw = prefers_nchw(x);
    // TFLite: [[begin, end] per axis]; ONNX: all begins, then all ends.
    std::vector<int64_t> onnx_pads(2 * rank);
    for (size_t i = 0; i < rank; ++i) {
      const size_t axis = use_nchw ? static_cast<size_t>(kNhwcAxisInNchw[i]) : i;
      onnx_pads[axis] = pads[2 * i];
      onnx_pads[rank + axis] = pads[2 * i + 1];
    }
    EI_ASSIGN_OR_RETURN(ir::ValueId xv, use_nchw ? nchw(x) : as_is(x));
    EI_ASSIGN_OR_RETURN(ir::ValueId out, define_output(y, use_nchw, kActNone, slot(x).dtype));
    const std::string name = node_name_;
    add_node("Pad", name, {xv, int64_constant(name + "/pads", onnx_pads)}, {out},
             {{"mode", std::string("constant")}});
    return Status::ok();
  }

  Status import_softmax() {
    EI_RETURN_IF_ERROR(need_inputs(1, 1));
    const int x = in_[0];
    EI_RETURN_IF_ERROR(need_float(x));
    EI_ASSIGN_OR_RETURN(const auto* o,
                        options<fb::SoftmaxOptions>(fb::BuiltinOptions_SoftmaxOptions, false));
    const float beta = o ? o->beta() : 1.f;
    if (slot(x).shape.empty()) return op_invalid("softmax of a scalar");
    const bool use_nchw = prefers_nchw(x);
    EI_ASSIGN_OR_RETURN(ir::ValueId xv, use_nchw ? nchw(x) : as_is(x));
    EI_ASSIGN_OR_RETURN(ir::ValueId out,
                        define_output(out_[0], use_nchw, kActNone, DType::kFloat32));
    const std::string name = node_name_;
    if (beta != 1.f) {
      const std::string scaled_name = unique_name(name + "/scaled");
      const ir::ValueId scaled =
          new_value(scaled_name, DType::kFloat32, graph_.value(xv).static_shape());
      add_node("Mul", scaled_name, {xv, float_scalar(name + "/beta", beta)}, {scaled});
      xv = scaled;
    }
    add_node("Softmax", name, {xv}, {out}, {{"axis", int64_t{use_nchw ? 1 : -1}}});
    return Status::ok();
  }

  Status import_fully_connected() {
    EI_RETURN_IF_ERROR(need_inputs(2, 3));
    const int x = in_[0], w = in_[1], b = in_.size() > 2 ? in_[2] : -1, y = out_[0];
    EI_RETURN_IF_ERROR(need_float(x));
    EI_RETURN_IF_ERROR(need_float(w));
    EI_RETURN_IF_ERROR(need_rank(w, 2));
    EI_ASSIGN_OR_RETURN(const auto* o, options<fb::FullyConnectedOptions>(
                                           fb::BuiltinOptions_FullyConnectedOptions, false));
    if (o && o->weights_format() != 0) return op_unsupported("shuffled weights format");
    const int64_t units = slot(w).shape[0], depth = slot(w).shape[1];
    const int64_t elements = shape_elements(slot(x).shape);
    if (depth == 0 || elements % depth != 0) {
      return op_invalid("input " + shape_to_string(slot(x).shape) + " does not fit weights " +
                        shape_to_string(slot(w).shape));
    }
    const int64_t batch = elements / depth;
    if (shape_elements(slot(y).shape) != batch * units) {
      return op_invalid("output shape " + shape_to_string(slot(y).shape) + " does not fit " +
                        std::to_string(batch) + "x" + std::to_string(units));
    }
    EI_ASSIGN_OR_RETURN(ir::ValueId xv, as_is(x));
    EI_ASSIGN_OR_RETURN(ir::ValueId wv, as_is(w));
    std::vector<ir::ValueId> inputs;
    const std::string base = slot(y).name;
    if (slot(x).shape != Shape{batch, depth}) {
      const std::string name = unique_name(base + "/flatten");
      const ir::ValueId flat = new_value(name, DType::kFloat32, {batch, depth});
      add_node("Reshape", name, {xv, int64_constant(name + "/shape", {batch, depth})}, {flat});
      xv = flat;
    }
    inputs = {xv, wv};
    if (b >= 0) {
      EI_RETURN_IF_ERROR(need_float(b));
      if (slot(b).shape != Shape{units}) {
        return op_invalid("bias " + shape_to_string(slot(b).shape) + " does not match " +
                          std::to_string(units) + " units");
      }
      EI_ASSIGN_OR_RETURN(ir::ValueId bv, as_is(b));
      inputs.push_back(bv);
    }
    const int8_t activation = o ? o->fused_activation_function() : kActNone;
    EI_ASSIGN_OR_RETURN(ir::ValueId out, define_output(y, false, activation, DType::kFloat32));
    const std::string name = node_name_;
    if (slot(y).shape == Shape{batch, units}) {
      add_node("Gemm", name, inputs, {out}, {{"transB", int64_t{1}}});
    } else {
      const std::string gemm_name = unique_name(name + "/gemm");
      const ir::ValueId gemm = new_value(gemm_name, DType::kFloat32, {batch, units});
      add_node("Gemm", gemm_name, inputs, {gemm}, {{"transB", int64_t{1}}});
      add_node("Reshape", name, {gemm, int64_constant(name + "/shape", slot(y).shape)}, {out});
    }
    return Status::ok();
  }

  Status import_dequantize() {
    EI_RETURN_IF_ERROR(need_inputs(1, 1));
    const int x = in_[0], y = out_[0];
    TensorSlot& xs = slot(x);
    TensorSlot& ys = slot(y);
    if (ys.dtype != DType::kFloat32) {
      return op_unsupported("dequantizes to " + std::string(tflite_type_name(ys.type)));
    }
    if (xs.shape != ys.shape) {
      return op_invalid("output shape " + shape_to_string(ys.shape) +
                        " differs from the input shape " + shape_to_string(xs.shape));
    }
    if (ys.written) return op_invalid("writes " + tensor_label(y) + ", which is already written");
    if (xs.constant && xs.dtype == DType::kFloat16) {
      // fp16 weights: converted once here; the graph only sees float32.
      const auto count = static_cast<size_t>(xs.constant->elements());
      std::vector<unsigned char> bytes(count * 4);
      const auto* src = static_cast<const unsigned char*>(xs.constant->data());
      for (size_t i = 0; i < count; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        const float f = ir::half_to_float(h);
        std::memcpy(bytes.data() + 4 * i, &f, 4);
      }
      ys.constant = ir::Constant::from_vector(DType::kFloat32, ys.shape, std::move(bytes));
      ys.written = true;
      return Status::ok();
    }
    if (xs.constant && (xs.dtype == DType::kInt8 || xs.dtype == DType::kUInt8 ||
                        xs.dtype == DType::kInt16 || xs.dtype == DType::kInt32)) {
      return dequantize_integers(x, y);
    }
    if (!xs.constant && xs.dtype == DType::kFloat16) {
      const bool use_nchw = prefers_nchw(x);
      EI_ASSIGN_OR_RETURN(ir::ValueId xv, use_nchw ? nchw(x) : as_is(x));
      EI_ASSIGN_OR_RETURN(ir::ValueId out, define_output(y, use_nchw, kActNone, DType::kFloat32));
      add_node("Cast", node_name_, {xv}, {out}, {{"to", int64_t{1}}});  // FLOAT
      return Status::ok();
    }
    return op_unsupported("dequantizing a " + std::string(tflite_type_name(xs.type)) +
                          (xs.constant ? " constant" : " activation") + " is not supported");
  }

  // Integer constant with scale/zero point (per tensor or per channel) -> float32 constant.
  Status dequantize_integers(int x, int y) {
    const fb::Tensor* tensor = subgraph_->tensors()->Get(static_cast<flatbuffers::uoffset_t>(x));
    const fb::QuantizationParameters* q = tensor->quantization();
    if (!q || !q->scale() || q->scale()->size() == 0) {
      return op_invalid(tensor_label(x) + " has no quantization scale");
    }
    TensorSlot& xs = slot(x);
    const size_t channels = q->scale()->size();
    const int64_t rank = static_cast<int64_t>(xs.shape.size());
    const int64_t qdim = q->quantized_dimension();
    size_t inner = 1;
    if (channels > 1) {
      if (qdim < 0 || qdim >= rank || static_cast<size_t>(xs.shape[qdim]) != channels) {
        return op_invalid(tensor_label(x) + " has " + std::to_string(channels) +
                          " scales that do not match dimension " + std::to_string(qdim));
      }
      for (int64_t i = qdim + 1; i < rank; ++i)
        inner *= static_cast<size_t>(xs.shape[i]);
    }
    const auto* zero_points = q->zero_point();
    if (zero_points && zero_points->size() != 0 && zero_points->size() != channels) {
      return op_invalid(tensor_label(x) + " has " + std::to_string(zero_points->size()) +
                        " zero points for " + std::to_string(channels) + " scales");
    }
    const auto count = static_cast<size_t>(xs.constant->elements());
    std::vector<unsigned char> bytes(count * 4);
    const auto* src = static_cast<const unsigned char*>(xs.constant->data());
    for (size_t i = 0; i < count; ++i) {
      const size_t c = channels > 1 ? (i / inner) % channels : 0;
      int64_t v = 0;
      switch (xs.dtype) {
        case DType::kInt8:
          v = static_cast<int8_t>(src[i]);
          break;
        case DType::kUInt8:
          v = src[i];
          break;
        case DType::kInt16: {
          int16_t s;
          std::memcpy(&s, src + 2 * i, 2);
          v = s;
          break;
        }
        default: {
          int32_t s;
          std::memcpy(&s, src + 4 * i, 4);
          v = s;
          break;
        }
      }
      const int64_t zero = zero_points && zero_points->size()
                               ? zero_points->Get(static_cast<flatbuffers::uoffset_t>(c))
                               : 0;
      const float f =
          static_cast<float>(v - zero) * q->scale()->Get(static_cast<flatbuffers::uoffset_t>(c));
      std::memcpy(bytes.data() + 4 * i, &f, 4);
    }
    slot(y).constant = ir::Constant::from_vector(DType::kFloat32, slot(y).shape, std::move(bytes));
    slot(y).written = true;
    return Status::ok();
  }

  const ModelBytes& bytes_;
  const fb::Model* model_ = nullptr;
  const fb::SubGraph* subgraph_ = nullptr;
  std::vector<TensorSlot> slots_;
  std::set<std::string> names_;
  ir::Graph graph_;
  // The operator being imported.
  const fb::Operator* op_ = nullptr;
  std::string op_label_;
  std::string node_name_;
  std::vector<int> in_, out_;
  std::optional<ir::Node> pending_activation_;
};

}  // namespace

Result<ir::Graph> import_tflite(const ModelBytes& bytes, const ImportOptions&) {
  if (!bytes.data || bytes.size == 0) {
    return error(StatusCode::kInvalidModel, bytes.name + ": model data is empty");
  }
  // Flatbuffers reads scalars in place: give it an aligned copy if the caller's bytes are not.
  if (reinterpret_cast<uintptr_t>(bytes.data) % 16 != 0) {
    auto copy = std::make_shared<std::vector<unsigned char>>(bytes.data, bytes.data + bytes.size);
    ModelBytes aligned = bytes;
    aligned.data = copy->data();
    aligned.keepalive = copy;
    TfliteImporter importer(aligned);
    return importer.run();
  }
  TfliteImporter importer(bytes);
  return importer.run();
}

}  // namespace edgeinfer::import
