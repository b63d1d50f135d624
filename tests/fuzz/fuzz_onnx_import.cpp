// libFuzzer target: arbitrary bytes through the ONNX importer and the TensorProto reader.
// Any crash, sanitizer report, hang or escaping exception is a bug; errors are expected.
#include <cstddef>
#include <cstdint>

#include "import/importer.h"
#include "import/onnx/onnx_tensor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  edgeinfer::import::ModelBytes bytes;
  bytes.data = data;
  bytes.size = size;
  bytes.name = "fuzz.onnx";
  // No base_dir: external data must be refused, never read from the fuzzer's folder.
  auto graph = edgeinfer::import::import_onnx(bytes, {});
  if (graph.is_ok()) {
    // An accepted graph must also be structurally sound.
    if (!graph->validate().is_ok()) __builtin_trap();
  }
  auto tensor = edgeinfer::import::read_onnx_tensor(data, size, "fuzz.pb");
  (void)tensor;
  return 0;
}
