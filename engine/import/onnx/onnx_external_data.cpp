#include "import/onnx/onnx_external_data.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "import/file_mapping.h"
#include "onnx/onnx_pb.h"

namespace edgeinfer::import::onnx_detail {

namespace {

// A non-negative decimal without sign, spaces or overflow; nullopt otherwise.
std::optional<uint64_t> parse_size(const std::string& text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// The location must stay inside the model's folder: relative, no '..' component.
Status check_location(const std::string& location) {
  if (location.empty()) {
    return error(StatusCode::kInvalidModel, "external data has an empty location");
  }
  if (location.find('\0') != std::string::npos) {
    return error(StatusCode::kInvalidModel, "external data location contains a NUL byte");
  }
  if (location.front() == '/') {
    return error(StatusCode::kInvalidModel,
                 "external data location '" + location + "' is an absolute path (refused)");
  }
  size_t start = 0;
  while (start <= location.size()) {
    size_t end = location.find('/', start);
    if (end == std::string::npos) end = location.size();
    if (location.compare(start, end - start, "..") == 0 && end - start == 2) {
      return error(StatusCode::kInvalidModel,
                   "external data location '" + location + "' leaves the model's folder (refused)");
    }
    start = end + 1;
  }
  return Status::ok();
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// An external data file opened and checked to hold the tensor's bytes at `start`.
struct ExternalSpan {
  std::string path;
  std::unique_ptr<FileDescriptor> fd;
  uint64_t start = 0;
};

Result<ExternalSpan> locate_external_data(const onnx::TensorProto& tensor,
                                          const std::string& base_dir, size_t expected_bytes) {
  if (base_dir.empty()) {
    return error(StatusCode::kInvalidModel,
                 "uses external data, but the model was not loaded from a file, so there is no "
                 "folder to read it from");
  }
  std::string location;
  std::optional<uint64_t> offset, length;
  for (const auto& entry : tensor.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset" || entry.key() == "length") {
      auto v = parse_size(entry.value());
      if (!v) {
        return error(StatusCode::kInvalidModel, "external data " + entry.key() + " '" +
                                                    entry.value() + "' is not a valid size");
      }
      (entry.key() == "offset" ? offset : length) = v;
    }
  }
  EI_RETURN_IF_ERROR(check_location(location));
  if (length && *length != expected_bytes) {
    return error(StatusCode::kInvalidModel,
                 "external data length " + std::to_string(*length) + " does not match the " +
                     std::to_string(expected_bytes) + " bytes its dims and type need");
  }
  ExternalSpan span;
  span.path = base_dir + "/" + location;
  span.fd = std::make_unique<FileDescriptor>(::open(span.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (span.fd->get() < 0) {
    const StatusCode code = errno == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError;
    return error(code,
                 "cannot open external data file '" + span.path + "': " + std::strerror(errno));
  }
  struct stat st {};
  if (fstat(span.fd->get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return error(StatusCode::kInvalidModel,
                 "external data file '" + span.path + "' is not a readable regular file");
  }
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  span.start = offset.value_or(0);
  if (span.start > file_size || expected_bytes > file_size - span.start) {
    return error(StatusCode::kInvalidModel,
                 "external data at offset " + std::to_string(span.start) + " with " +
                     std::to_string(expected_bytes) + " bytes reads past the end of '" + span.path +
                     "' (" + std::to_string(file_size) + " bytes)");
  }
  return span;
}

}  // namespace

Result<std::vector<unsigned char>> read_external_data(const onnx::TensorProto& tensor,
                                                      const std::string& base_dir,
                                                      size_t expected_bytes) {
  EI_ASSIGN_OR_RETURN(ExternalSpan span, locate_external_data(tensor, base_dir, expected_bytes));
  std::vector<unsigned char> data(expected_bytes);
  size_t done = 0;
  while (done < expected_bytes) {
    const ssize_t n = ::pread(span.fd->get(), data.data() + done, expected_bytes - done,
                              static_cast<off_t>(span.start + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return error(StatusCode::kIoError, "reading external data file '" + span.path + "' failed" +
                                             (n < 0 ? std::string(": ") + std::strerror(errno)
                                                    : std::string(": unexpected end of file")));
    }
    done += static_cast<size_t>(n);
  }
  return data;
}

Result<MappedExternalData> map_external_data(const onnx::TensorProto& tensor,
                                             const std::string& base_dir, size_t expected_bytes,
                                             size_t alignment) {
  EI_ASSIGN_OR_RETURN(ExternalSpan span, locate_external_data(tensor, base_dir, expected_bytes));
  MappedExternalData mapped;
  if (expected_bytes == 0 || alignment == 0 || span.start % alignment != 0) return mapped;
  // mmap wants a page-aligned file offset: map from the page holding the first byte.
  const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const uint64_t first_page = span.start / page * page;
  const size_t length = static_cast<size_t>(span.start - first_page) + expected_bytes;
  auto mapping = map_read_only(span.fd->get(), length, first_page, true);
  if (!mapping) {
    return error(StatusCode::kIoError,
                 "cannot map external data file '" + span.path + "': " + std::strerror(errno));
  }
  mapped.data = static_cast<const unsigned char*>(mapping.get()) + (span.start - first_page);
  mapped.mapping = std::move(mapping);
  return mapped;
}

}  // namespace edgeinfer::import::onnx_detail
