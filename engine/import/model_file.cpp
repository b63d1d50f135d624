// Reading model files: map them read-only and detect their format.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "import/file_mapping.h"
#include "import/importer.h"

namespace edgeinfer::import {

namespace {

std::string dirname_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Result<ModelBytes> map_model_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const StatusCode code = errno == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError;
    return error(code, path + ": cannot open model file: " + std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return error(StatusCode::kIoError, path + ": cannot stat model file: " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return error(StatusCode::kInvalidModel, path + ": not a regular file");
  }
  if (st.st_size == 0) {
    ::close(fd);
    return error(StatusCode::kInvalidModel, path + ": model file is empty");
  }
  const size_t length = static_cast<size_t>(st.st_size);
  auto mapping = map_read_only(fd, length, 0, false);
  const int err = errno;
  ::close(fd);
  if (!mapping) {
    return error(StatusCode::kIoError, path + ": cannot map model file: " + std::strerror(err));
  }
  ModelBytes bytes;
  bytes.data = static_cast<const unsigned char*>(mapping.get());
  bytes.size = length;
  bytes.keepalive = mapping;
  bytes.is_file_mapping = true;
  bytes.name = path;
  bytes.base_dir = dirname_of(path);
  return bytes;
}

void release_file_pages(const ModelBytes& bytes) {
  if (!bytes.is_file_mapping || bytes.size == 0) return;
  // The mapping starts on a page boundary (mmap's result) and is read-only: nothing is lost.
  madvise(const_cast<unsigned char*>(bytes.data), bytes.size, MADV_DONTNEED);
}

ModelFormat detect_format(const ModelBytes& bytes) {
  if (bytes.size >= 8 && std::memcmp(bytes.data + 4, "TFL3", 4) == 0) return ModelFormat::kTflite;
  // An ONNX ModelProto starts with a protobuf field tag; field 1 (ir_version, varint) is
  // written first by every exporter, but any valid tag byte is accepted here and the
  // protobuf parser decides.
  if (bytes.size >= 2 && (bytes.data[0] & 0x7) <= 5 && bytes.data[0] >= 0x08) {
    return ModelFormat::kOnnx;
  }
  return ModelFormat::kUnknown;
}

Result<ir::Graph> import_model(const ModelBytes& bytes, const ImportOptions& options) {
  switch (detect_format(bytes)) {
    case ModelFormat::kTflite:
      return import_tflite(bytes, options);
    case ModelFormat::kOnnx:
      return import_onnx(bytes, options);
    case ModelFormat::kUnknown:
      break;
  }
  return error(StatusCode::kInvalidModel,
               bytes.name + ": not an ONNX or TFLite model (unrecognised file contents)");
}

}  // namespace edgeinfer::import
