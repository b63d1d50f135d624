// Weights mode `mapped` for ONNX files: find where each initializer's raw_data lies in the
// mapped file (a walk over the protobuf wire format, ModelProto.graph.initializer[].raw_data)
// and let the constant point there, so its bytes are page cache shared by every process and
// session that maps the file, not a private copy.
//
// The walk only locates bytes; the protobuf parser stays the authority on what they mean: a
// constant is switched only if the located bytes equal what the importer read.
#include <cstring>
#include <map>
#include <optional>
#include <string>

#include "import/importer.h"

namespace edgeinfer::import {

namespace {

// Field numbers of onnx.proto.
constexpr uint64_t kModelGraph = 7;        // ModelProto.graph
constexpr uint64_t kGraphInitializer = 5;  // GraphProto.initializer
constexpr uint64_t kTensorName = 8;        // TensorProto.name
constexpr uint64_t kTensorRawData = 9;     // TensorProto.raw_data

struct Span {
  const unsigned char* data = nullptr;
  size_t size = 0;
};

// Reads protobuf fields of one message; stops (returns false) at anything malformed.
class WireReader {
 public:
  explicit WireReader(Span message) : p_(message.data), end_(message.data + message.size) {}

  bool done() const { return p_ == end_; }

  // Reads the next field: its number, and its bytes if it is length-delimited.
  bool next(uint64_t* field, std::optional<Span>* payload) {
    uint64_t tag = 0;
    if (!varint(&tag)) return false;
    *field = tag >> 3;
    payload->reset();
    switch (tag & 7) {
      case 0: {  // varint
        uint64_t ignored = 0;
        return varint(&ignored);
      }
      case 1:  // fixed64
        return skip(8);
      case 5:  // fixed32
        return skip(4);
      case 2: {  // length-delimited
        uint64_t length = 0;
        if (!varint(&length) || length > static_cast<uint64_t>(end_ - p_)) return false;
        *payload = Span{p_, static_cast<size_t>(length)};
        p_ += length;
        return true;
      }
      default:  // groups (deprecated) and invalid wire types
        return false;
    }
  }

 private:
  bool varint(uint64_t* value) {
    *value = 0;
    for (int shift = 0; shift < 64 && p_ < end_; shift += 7) {
      const unsigned char byte = *p_++;
      *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return true;
    }
    return false;
  }
  bool skip(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }

  const unsigned char* p_;
  const unsigned char* end_;
};

// The only length-delimited field `field` of `message` (nullopt if absent, repeated or
// malformed: protobuf would merge repeated copies, which a span cannot express).
std::optional<Span> single_field(Span message, uint64_t field) {
  WireReader reader(message);
  std::optional<Span> found;
  while (!reader.done()) {
    uint64_t number = 0;
    std::optional<Span> payload;
    if (!reader.next(&number, &payload)) return std::nullopt;
    if (number != field) continue;
    if (found || !payload) return std::nullopt;
    found = payload;
  }
  return found;
}

// Initializer name -> its raw_data bytes in the file.
std::map<std::string, Span> raw_data_spans(Span file) {
  std::map<std::string, Span> spans;
  const auto graph = single_field(file, kModelGraph);
  if (!graph) return spans;
  WireReader reader(*graph);
  while (!reader.done()) {
    uint64_t number = 0;
    std::optional<Span> initializer;
    if (!reader.next(&number, &initializer)) return {};
    if (number != kGraphInitializer || !initializer) continue;
    const auto name = single_field(*initializer, kTensorName);
    const auto raw = single_field(*initializer, kTensorRawData);
    if (!name || !raw) continue;
    spans[std::string(reinterpret_cast<const char*>(name->data), name->size)] = *raw;
  }
  return spans;
}

}  // namespace

size_t map_onnx_initializers(ir::Graph& graph, const ModelBytes& bytes) {
  if (!bytes.is_file_mapping) return 0;
  const std::map<std::string, Span> spans = raw_data_spans(Span{bytes.data, bytes.size});
  size_t mapped = 0;
  for (ir::Value& v : graph.values) {
    if (v.kind != ir::ValueKind::kConstant || !v.constant || v.constant->is_mapped()) continue;
    auto it = spans.find(v.name);
    if (it == spans.end()) continue;
    const Span& span = it->second;
    const ir::Constant& c = *v.constant;
    const size_t element = dtype_size(c.dtype());
    if (span.size != c.bytes() || span.size == 0 || element == 0 ||
        reinterpret_cast<uintptr_t>(span.data) % element != 0 ||
        std::memcmp(span.data, c.data(), span.size) != 0) {
      continue;  // misaligned, converted (bools) or not what the parser read: keep the copy
    }
    v.constant =
        ir::Constant::in_mapping(c.dtype(), c.shape(), span.data, span.size, bytes.keepalive);
    mapped += span.size;
  }
  return mapped;
}

}  // namespace edgeinfer::import
