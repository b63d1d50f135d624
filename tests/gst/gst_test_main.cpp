// Catch2 main for the element tests: GStreamer is initialised once for every test case.
#define CATCH_CONFIG_RUNNER
#include <gst/gst.h>

#include <catch2/catch.hpp>

int main(int argc, char** argv) {
  gst_init(nullptr, nullptr);
  const int result = Catch::Session().run(argc, argv);
  gst_deinit();
  return result;
}
