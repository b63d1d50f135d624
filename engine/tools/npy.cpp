// .npy reader and writer. Format reference: numpy/lib/format.py's documentation:
//   "\x93NUMPY" major minor, header length (u16 for 1.0, u32 for 2.0/3.0, little-endian),
//   an ASCII (1.0, 2.0) or UTF-8 (3.0) Python dict literal ending in '\n', then the data.
#include "tools/npy.h"

#include <bit>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>

#include "ir/tensor_size.h"

namespace edgeinfer::tools {

namespace {

constexpr unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
// numpy refuses headers past 10000 bytes by default; allow more, but not without bound.
constexpr size_t kMaxHeaderBytes = size_t{1} << 20;

struct DescrEntry {
  const char* code;  // kind and size, without the byte-order character
  DType dtype;
};

constexpr DescrEntry kDescrs[] = {
    {"f4", DType::kFloat32}, {"f2", DType::kFloat16}, {"f8", DType::kFloat64},
    {"i1", DType::kInt8},    {"u1", DType::kUInt8},   {"i2", DType::kInt16},
    {"u2", DType::kUInt16},  {"i4", DType::kInt32},   {"u4", DType::kUInt32},
    {"i8", DType::kInt64},   {"u8", DType::kUInt64},  {"b1", DType::kBool},
};

// Text from the file, made safe to quote in a one-line message.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 40)) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u >= 0x7f ? '?' : c;
  }
  if (text.size() > 40) out += "...";
  return out;
}

Status bad(const std::string& name, const std::string& what) {
  return error(StatusCode::kInvalidArgument, name + ": not a valid .npy file: " + what);
}

// The header's Python literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& name) : text_(text), name_(name) {}

  Status parse(std::string* descr, bool* fortran_order, Shape* shape) {
    bool have_descr = false, have_order = false, have_shape = false;
    skip_space();
    if (!consume('{')) return fail("the header is not a dict");
    for (;;) {
      skip_space();
      if (consume('}')) break;
      std::string key;
      EI_RETURN_IF_ERROR(parse_string(&key));
      skip_space();
      if (!consume(':')) return fail("expected ':' after '" + printable(key) + "'");
      skip_space();
      if (key == "descr") {
        if (have_descr) return fail("'descr' given twice");
        have_descr = true;
        if (peek() == '[') {
          return error(StatusCode::kUnsupported,
                       name_ + ": structured arrays (a list 'descr') are not supported");
        }
        EI_RETURN_IF_ERROR(parse_string(descr));
      } else if (key == "fortran_order") {
        if (have_order) return fail("'fortran_order' given twice");
        have_order = true;
        EI_RETURN_IF_ERROR(parse_bool(fortran_order));
      } else if (key == "shape") {
        if (have_shape) return fail("'shape' given twice");
        have_shape = true;
        EI_RETURN_IF_ERROR(parse_shape(shape));
      } else {
        return fail("unexpected key '" + printable(key) + "' in the header");
      }
      skip_space();
      if (consume(',')) continue;
      skip_space();
      if (consume('}')) break;
      return fail("expected ',' or '}' in the header");
    }
    skip_space();
    if (pos_ != text_.size()) return fail("unexpected text after the header dict");
    if (!have_descr) return fail("the header has no 'descr'");
    if (!have_order) return fail("the header has no 'fortran_order'");
    if (!have_shape) return fail("the header has no 'shape'");
    return Status::ok();
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool consume(char c) {
    if (peek() != c || pos_ >= text_.size()) return false;
    ++pos_;
    return true;
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  Status fail(const std::string& what) const { return bad(name_, what); }

  Status parse_string(std::string* out) {
    const char quote = peek();
    if (quote != '\'' && quote != '"') return fail("expected a quoted string in the header");
    ++pos_;
    const size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) return fail("unterminated string in the header");
    *out = std::string(text_.substr(pos_, end - pos_));
    if (out->find('\\') != std::string::npos) return fail("escaped strings are not supported");
    pos_ = end + 1;
    return Status::ok();
  }

  Status parse_bool(bool* out) {
    if (text_.substr(pos_, 4) == "True") {
      *out = true;
      pos_ += 4;
    } else if (text_.substr(pos_, 5) == "False") {
      *out = false;
      pos_ += 5;
    } else {
      return fail("'fortran_order' must be True or False");
    }
    return Status::ok();
  }

  Status parse_shape(Shape* out) {
    out->clear();
    if (!consume('(')) return fail("'shape' must be a tuple");
    for (;;) {
      skip_space();
      if (consume(')')) return Status::ok();
      int64_t dim = 0;
      const char* first = text_.data() + pos_;
      const char* last = text_.data() + text_.size();
      if (pos_ < text_.size() && text_[pos_] == '-') return fail("'shape' has a negative dim");
      auto [ptr, ec] = std::from_chars(first, last, dim);
      if (ec == std::errc::result_out_of_range) return fail("a 'shape' dim is too large");
      if (ec != std::errc() || ptr == first) return fail("'shape' must hold integers");
      pos_ += static_cast<size_t>(ptr - first);
      if (peek() == 'L') ++pos_;  // Python 2 long suffix
      out->push_back(dim);
      if (out->size() > 64) return fail("'shape' has more than 64 dims");
      skip_space();
      if (consume(',')) continue;
      skip_space();
      if (consume(')')) return Status::ok();
      return fail("expected ',' or ')' in 'shape'");
    }
  }

  std::string_view text_;
  const std::string& name_;
  size_t pos_ = 0;
};

Result<DType> dtype_from_descr(const std::string& descr, const std::string& name) {
  static_assert(std::endian::native == std::endian::little, "the .npy code assumes little-endian");
  if (descr.size() == 3) {
    const char order = descr[0];
    const std::string code = descr.substr(1);
    for (const DescrEntry& e : kDescrs) {
      if (code != e.code) continue;
      // Byte order does not matter for one-byte types ('|' is what numpy writes for them).
      if (order == '<' || order == '|' || order == '=' || dtype_size(e.dtype) == 1) {
        return e.dtype;
      }
      if (order == '>') {
        return error(StatusCode::kUnsupported,
                     name + ": big-endian data ('" + printable(descr) +
                         "') is not supported; save it little-endian (arr.astype('<" + code +
                         "'))");
      }
    }
  }
  return error(StatusCode::kUnsupported,
               name + ": element type '" + printable(descr) +
                   "' is not supported (expected one of <f4 <f2 <f8 |i1 |u1 <i2 <u2 <i4 <u4 <i8 "
                   "<u8 |b1)");
}

uint32_t read_le(const unsigned char* p, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

const char* npy_descr(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "<f4";
    case DType::kFloat16:
      return "<f2";
    case DType::kFloat64:
      return "<f8";
    case DType::kInt8:
      return "|i1";
    case DType::kUInt8:
      return "|u1";
    case DType::kInt16:
      return "<i2";
    case DType::kUInt16:
      return "<u2";
    case DType::kInt32:
      return "<i4";
    case DType::kUInt32:
      return "<u4";
    case DType::kInt64:
      return "<i8";
    case DType::kUInt64:
      return "<u8";
    case DType::kBool:
      return "|b1";
    case DType::kUndefined:
      return nullptr;
  }
  return nullptr;
}

Result<NpyArray> parse_npy(const void* bytes, size_t size, const std::string& name) {
  const auto* p = static_cast<const unsigned char*>(bytes);
  if (size < 10 || !p)
    return bad(name, "the file is too short (" + std::to_string(size) + " bytes)");
  if (std::memcmp(p, kMagic, sizeof kMagic) != 0) return bad(name, "no \\x93NUMPY magic");
  const int major = p[6];
  const int minor = p[7];
  size_t header_len = 0;
  size_t header_start = 0;
  if (major == 1) {
    header_len = read_le(p + 8, 2);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) return bad(name, "the file is too short for a version 2 header");
    header_len = read_le(p + 8, 4);
    header_start = 12;
  } else {
    return error(StatusCode::kUnsupported, name + ": .npy format version " + std::to_string(major) +
                                               "." + std::to_string(minor) + " is not supported");
  }
  if (header_len > kMaxHeaderBytes) {
    return bad(name, "the header length " + std::to_string(header_len) + " is absurd");
  }
  if (header_len > size - header_start) {
    return bad(name, "truncated: the header needs " + std::to_string(header_len) +
                         " bytes but the file has " + std::to_string(size - header_start) +
                         " after the preamble");
  }
  const std::string_view header(reinterpret_cast<const char*>(p + header_start), header_len);
  if (major < 3) {
    for (char c : header) {
      if (static_cast<unsigned char>(c) >= 0x80 || c == '\0') {
        return bad(name, "the header has non-ASCII bytes");
      }
    }
  }
  std::string descr;
  bool fortran_order = false;
  NpyArray array;
  HeaderParser parser(header, name);
  EI_RETURN_IF_ERROR(parser.parse(&descr, &fortran_order, &array.shape));
  auto dtype = dtype_from_descr(descr, name);
  if (!dtype) return dtype.status();
  array.dtype = *dtype;
  if (fortran_order) {
    // Arrays with at most one dim above 1 have the same bytes in either order.
    int big_dims = 0;
    for (int64_t d : array.shape)
      big_dims += d > 1;
    if (big_dims > 1) {
      return error(StatusCode::kUnsupported,
                   name +
                       ": Fortran-ordered arrays are not supported; save a C-ordered copy "
                       "(np.ascontiguousarray)");
    }
  }
  auto elements = ir::checked_elements(array.shape);
  if (!elements) {
    return bad(name, "shape " + shape_to_string(array.shape) + " is too large");
  }
  const size_t need = static_cast<size_t>(*elements) * dtype_size(array.dtype);
  const size_t have = size - header_start - header_len;
  if (need != have) {
    return bad(name, std::string(need > have ? "truncated: " : "") + dtype_name(array.dtype) + " " +
                         shape_to_string(array.shape) + " needs " + std::to_string(need) +
                         " bytes of data, the file has " + std::to_string(have));
  }
  array.data.assign(p + header_start + header_len, p + size);
  return array;
}

Result<NpyArray> read_npy(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return error(StatusCode::kInvalidArgument, path + ": is a directory, not a .npy file");
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return error(err == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError,
                 path + ": cannot open: " + (err ? std::strerror(err) : "unknown error"));
  }
  in.seekg(0, std::ios::end);
  const std::streamoff end = in.tellg();
  if (end < 0) return error(StatusCode::kIoError, path + ": cannot read (is it a directory?)");
  in.seekg(0, std::ios::beg);
  std::vector<unsigned char> bytes(static_cast<size_t>(end));
  if (!bytes.empty() && !in.read(reinterpret_cast<char*>(bytes.data()), end)) {
    return error(StatusCode::kIoError, path + ": cannot read (is it a directory?)");
  }
  return parse_npy(bytes.data(), bytes.size(), path);
}

Result<std::vector<unsigned char>> encode_npy(const TensorView& tensor) {
  const char* descr = npy_descr(tensor.dtype);
  if (!descr) return error(StatusCode::kInvalidArgument, "cannot save an undefined tensor as .npy");
  auto elements = ir::checked_elements(tensor.shape);
  if (!elements) return elements.status();
  const size_t data_bytes = static_cast<size_t>(*elements) * dtype_size(tensor.dtype);
  if (data_bytes && !tensor.data) {
    return error(StatusCode::kInvalidArgument, "tensor has no data");
  }
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < tensor.shape.size(); ++i) {
    if (i) dict += ", ";
    dict += std::to_string(tensor.shape[i]);
  }
  if (tensor.shape.size() == 1) dict += ",";
  dict += "), }";
  // Pad with spaces so that the data starts at a multiple of 64 bytes; end with '\n'.
  size_t preamble = 10;
  size_t total = preamble + dict.size() + 1;
  if ((total + 63) / 64 * 64 - preamble > 65535) preamble = 12;
  total = preamble + dict.size() + 1;
  const size_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict += '\n';
  const size_t header_len = dict.size();

  std::vector<unsigned char> out;
  out.reserve(preamble + header_len + data_bytes);
  out.insert(out.end(), kMagic, kMagic + sizeof kMagic);
  out.push_back(preamble == 10 ? 1 : 2);
  out.push_back(0);
  for (size_t i = 0; i < preamble - 8; ++i) {
    out.push_back(static_cast<unsigned char>((header_len >> (8 * i)) & 0xff));
  }
  out.insert(out.end(), dict.begin(), dict.end());
  const auto* data = static_cast<const unsigned char*>(tensor.data);
  if (data_bytes) out.insert(out.end(), data, data + data_bytes);
  return out;
}

Status write_npy(const std::string& path, const TensorView& tensor) {
  auto bytes = encode_npy(tensor);
  if (!bytes) return bytes.status().with_context(path);
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    const int err = errno;
    return error(StatusCode::kIoError,
                 path + ": cannot write: " + (err ? std::strerror(err) : "unknown error"));
  }
  out.write(reinterpret_cast<const char*>(bytes->data()),
            static_cast<std::streamsize>(bytes->size()));
  out.close();
  if (!out) return error(StatusCode::kIoError, path + ": write failed (disk full?)");
  return Status::ok();
}

}  // namespace edgeinfer::tools
