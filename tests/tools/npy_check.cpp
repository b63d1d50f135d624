// Test helper for the .npy module of the tools:
//   npy_check roundtrip IN.npy OUT.npy   read IN, write it back as OUT (exit 1 on error)
//   npy_check parse FILE...              one line per file: "ok DTYPE SHAPE" or "error: ..."
#include <cstdio>
#include <string>

#include "tools/npy.h"

int main(int argc, char** argv) {
  using namespace edgeinfer;
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "roundtrip" && argc == 4) {
    auto array = tools::read_npy(argv[2]);
    if (!array) {
      std::fprintf(stderr, "npy_check: error: %s\n", array.status().to_string().c_str());
      return 1;
    }
    Status written = tools::write_npy(argv[3], array->view());
    if (!written) {
      std::fprintf(stderr, "npy_check: error: %s\n", written.to_string().c_str());
      return 1;
    }
    return 0;
  }
  if (mode == "parse") {
    for (int i = 2; i < argc; ++i) {
      auto array = tools::read_npy(argv[i]);
      if (array) {
        std::printf("ok %s %s\n", dtype_name(array->dtype), shape_to_string(array->shape).c_str());
      } else {
        std::printf("error: %s\n", array.status().to_string().c_str());
      }
    }
    return 0;
  }
  std::fprintf(stderr, "usage: npy_check roundtrip IN OUT | npy_check parse FILE...\n");
  return 2;
}
