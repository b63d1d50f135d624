// libFuzzer target: arbitrary bytes through the ONNX importer (both ways it types a graph: ONNX's
// shape inference, and the kernels' own shape rules that Model::load hands it) and the
// TensorProto reader. Any crash, sanitizer report, hang or escaping exception is a bug; errors
// are expected.
#include <cstddef>
#include <cstdint>

#include "import/importer.h"
#include "import/onnx/onnx_tensor.h"
#include "session/kernel_shape_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  edgeinfer::import::ModelBytes bytes;
  bytes.data = data;
  bytes.size = size;
  bytes.name = "fuzz.onnx";
  // No base_dir: external data must be refused, never read from the fuzzer's folder.
  edgeinfer::import::ImportOptions own_rules;
  own_rules.own_shape_inference = [](edgeinfer::ir::Graph& graph) {
    edgeinfer::load_detail::infer_types_from_kernels(graph, {});
  };
  for (const edgeinfer::import::ImportOptions& options :
       {edgeinfer::import::ImportOptions{}, own_rules}) {
    auto graph = edgeinfer::import::import_onnx(bytes, options);
    if (graph.is_ok()) {
      // An accepted graph must also be structurally sound.
      if (!graph->validate().is_ok()) __builtin_trap();
    }
  }
  auto tensor = edgeinfer::import::read_onnx_tensor(data, size, "fuzz.pb");
  (void)tensor;
  return 0;
}
