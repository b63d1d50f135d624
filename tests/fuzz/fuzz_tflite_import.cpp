// libFuzzer target: arbitrary bytes through the TFLite importer.
// Any crash, sanitizer report, hang or escaping exception is a bug; errors are expected.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "import/importer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An owned copy that the graph's constants may point into (as a mapped file would be).
  auto copy = std::make_shared<std::vector<unsigned char>>(data, data + size);
  edgeinfer::import::ModelBytes bytes;
  bytes.data = copy->data();
  bytes.size = copy->size();
  bytes.keepalive = copy;
  bytes.name = "fuzz.tflite";
  auto graph = edgeinfer::import::import_tflite(bytes, {});
  if (graph.is_ok()) {
    // An accepted graph must also be structurally sound.
    if (!graph->validate().is_ok()) __builtin_trap();
  }
  // The caller's bytes, unaligned and without keepalive, must work too.
  if (size > 1) {
    edgeinfer::import::ModelBytes raw;
    raw.data = data + 1;
    raw.size = size - 1;
    raw.name = "fuzz-unaligned.tflite";
    auto other = edgeinfer::import::import_tflite(raw, {});
    (void)other;
  }
  return 0;
}
