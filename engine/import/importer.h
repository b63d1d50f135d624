// Model importers: bytes of a model file -> ir::Graph. Importers know nothing of executors.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::import {

struct ImportOptions {
  // Values for named dynamic dims of graph inputs; other dynamic dims become 1.
  std::map<std::string, int64_t> dim_values;
  // Weights mode `mapped`: constants point into the mapped model file where the file's
  // layout and alignment allow, instead of holding a private copy.
  bool map_weights = false;
  // The engine's own shape rules (Model::load passes the reference kernels' rules,
  // session/kernel_shape_rules.h), run on the imported ONNX graph first. When they type every
  // intermediate without contradicting a type the model declares, ONNX's shape inference is
  // skipped: its first use in a process builds libonnx's whole operator-schema registry (about 10
  // ms). Otherwise their types are dropped and ONNX's inference types the graph. Empty: ONNX's
  // inference always runs.
  std::function<void(ir::Graph&)> own_shape_inference;
};

// The bytes of a model and what keeps them alive (a mapped file or an owned copy).
// Constants may point into `data` and hold `keepalive`.
struct ModelBytes {
  const unsigned char* data = nullptr;
  size_t size = 0;
  std::shared_ptr<const void> keepalive;
  bool is_file_mapping = false;  // `data` is a read-only mapping of a file (page cache)
  std::string name;              // used in every error message (usually the path)
  std::string base_dir;          // where external data files are looked up ("" = none allowed)
};

// Maps a file read-only. Errors name the file (missing, unreadable, empty, a directory).
Result<ModelBytes> map_model_file(const std::string& path);

// Drops this process's page-table entries of a mapped model file (the pages stay in the page
// cache). Parsing touches every page; constants that point into the file fault back in just
// the pages they use, so the rest stops counting as this process's memory.
void release_file_pages(const ModelBytes& bytes);

enum class ModelFormat { kUnknown, kOnnx, kTflite };
// Sniffs the format from the contents ("TFL3" identifier for TFLite, protobuf otherwise).
ModelFormat detect_format(const ModelBytes& bytes);

Result<ir::Graph> import_onnx(const ModelBytes& bytes, const ImportOptions& options);
Result<ir::Graph> import_tflite(const ModelBytes& bytes, const ImportOptions& options);
// Weights mode `mapped` for ONNX: every float initializer whose raw_data lies in the mapped
// file, suitably aligned and equal to what the importer read, is switched to point into the
// file. Returns the number of bytes now mapped.
size_t map_onnx_initializers(ir::Graph& graph, const ModelBytes& bytes);

// Detects the format and calls the matching importer.
Result<ir::Graph> import_model(const ModelBytes& bytes, const ImportOptions& options);

}  // namespace edgeinfer::import
