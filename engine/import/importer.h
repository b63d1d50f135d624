// Model importers: bytes of a model file -> ir::Graph. Importers know nothing of executors.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::import {

struct ImportOptions {
  // Values for named dynamic dims of graph inputs; other dynamic dims become 1.
  std::map<std::string, int64_t> dim_values;
};

// The bytes of a model and what keeps them alive (a mapped file or an owned copy).
// Constants may point into `data` and hold `keepalive`.
struct ModelBytes {
  const unsigned char* data = nullptr;
  size_t size = 0;
  std::shared_ptr<const void> keepalive;
  std::string name;      // used in every error message (usually the path)
  std::string base_dir;  // where external data files are looked up ("" = none allowed)
};

// Maps a file read-only. Errors name the file (missing, unreadable, empty, a directory).
Result<ModelBytes> map_model_file(const std::string& path);

enum class ModelFormat { kUnknown, kOnnx, kTflite };
// Sniffs the format from the contents ("TFL3" identifier for TFLite, protobuf otherwise).
ModelFormat detect_format(const ModelBytes& bytes);

Result<ir::Graph> import_onnx(const ModelBytes& bytes, const ImportOptions& options);
Result<ir::Graph> import_tflite(const ModelBytes& bytes, const ImportOptions& options);
// Detects the format and calls the matching importer.
Result<ir::Graph> import_model(const ModelBytes& bytes, const ImportOptions& options);

}  // namespace edgeinfer::import
