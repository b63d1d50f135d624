#include "import/onnx/onnx_external_data.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

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

}  // namespace

Result<std::vector<unsigned char>> read_external_data(const onnx::TensorProto& tensor,
                                                      const std::string& base_dir,
                                                      size_t expected_bytes) {
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
  const std::string path = base_dir + "/" + location;
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const StatusCode code = errno == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError;
    return error(code, "cannot open external data file '" + path + "': " + std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return error(StatusCode::kInvalidModel,
                 "external data file '" + path + "' is not a readable regular file");
  }
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  const uint64_t start = offset.value_or(0);
  if (start > file_size || expected_bytes > file_size - start) {
    return error(StatusCode::kInvalidModel, "external data at offset " + std::to_string(start) +
                                                " with " + std::to_string(expected_bytes) +
                                                " bytes reads past the end of '" + path + "' (" +
                                                std::to_string(file_size) + " bytes)");
  }
  std::vector<unsigned char> data(expected_bytes);
  size_t done = 0;
  while (done < expected_bytes) {
    const ssize_t n = ::pread(fd.get(), data.data() + done, expected_bytes - done,
                              static_cast<off_t>(start + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return error(StatusCode::kIoError, "reading external data file '" + path + "' failed" +
                                             (n < 0 ? std::string(": ") + std::strerror(errno)
                                                    : std::string(": unexpected end of file")));
    }
    done += static_cast<size_t>(n);
  }
  return data;
}

}  // namespace edgeinfer::import::onnx_detail
