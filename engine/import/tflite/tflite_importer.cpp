#include "import/importer.h"

namespace edgeinfer::import {

Result<ir::Graph> import_tflite(const ModelBytes& bytes, const ImportOptions&) {
  return error(StatusCode::kUnsupported, bytes.name + ": the TFLite importer is not built yet");
}

}  // namespace edgeinfer::import
