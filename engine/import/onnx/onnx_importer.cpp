#include "import/importer.h"

namespace edgeinfer::import {

Result<ir::Graph> import_onnx(const ModelBytes& bytes, const ImportOptions&) {
  return error(StatusCode::kUnsupported, bytes.name + ": the ONNX importer is not built yet");
}

}  // namespace edgeinfer::import
