// Autotuning (Options::autotune): the applicable Conv algorithms are timed at session creation,
// the winners written to the cache folder, reused by later loads without timing, and a corrupt
// cache file is ignored and rebuilt.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "cpu/fast/kernel_timer.h"
#include "edgeinfer/edgeinfer.h"
#include "onnx_builder.h"
#include "temp_dir.h"

using namespace edgeinfer;

using edgeinfer::testing::TempDir;

namespace {

// X [1,8,24,24] -> depthwise 3x3 "dw" -> 1x1 "pw" (16 channels) -> Y: two convs with a choice.
std::string two_conv_model() {
  onnx::ModelProto m = testing::onnx_model("two_convs");
  auto* g = m.mutable_graph();
  testing::add_io(g->add_input(), "X", {1, 8, 24, 24});
  testing::add_io(g->add_output(), "Y", {1, 16, 24, 24});
  testing::add_weight(g, "Wdw", {8, 1, 3, 3});
  testing::add_weight(g, "Wpw", {16, 8, 1, 1});
  auto* dw = testing::add_conv(g, "dw", "X", "Wdw", "T");
  testing::set_int(dw, "group", 8);
  testing::set_ints(dw, "pads", {1, 1, 1, 1});
  testing::add_conv(g, "pw", "T", "Wpw", "Y");
  return testing::serialized(m);
}

// Loads the model with autotune into `cache`, runs it once and returns node -> algorithm.
std::map<std::string, std::string> load_and_profile(const std::string& cache, int threads = 1) {
  Options options;
  options.autotune = true;
  // The layer choices of the ONNX layout (layout auto would also time the blocked one).
  options.cpu_layout = CpuLayout::kNchw;
  options.cache_dir = cache;
  options.threads = threads;
  const std::string bytes = two_conv_model();
  auto model = Model::load_from_memory(bytes.data(), bytes.size(), "two_convs", options);
  REQUIRE(model.is_ok());
  auto session = model->create_session();
  REQUIRE(session.is_ok());
  std::vector<NodeProfile> profile;
  REQUIRE(session->run_profiled(&profile).is_ok());
  std::map<std::string, std::string> algorithms;
  for (const NodeProfile& p : profile)
    algorithms[p.node_name] = p.algorithm;
  return algorithms;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("autotune writes its choices to the cache and reuses them", "[autotune]") {
  TempDir dir;
  const std::string file = dir.str() + "/autotune/cpu.tsv";
  const int64_t before = cpu::fast::autotune_timings();
  const auto first = load_and_profile(dir.str());
  // Each conv has two candidates besides the reference: both are timed.
  CHECK(cpu::fast::autotune_timings() - before == 4);
  REQUIRE(std::filesystem::exists(file));
  const std::vector<std::string> lines = lines_of(read_file(file));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "edgeinfer-autotune 1");
  CHECK((first.at("dw") == "depthwise" || first.at("dw") == "im2col-gemm"));
  CHECK((first.at("pw") == "1x1-gemm" || first.at("pw") == "im2col-gemm"));
  for (size_t i = 1; i < lines.size(); ++i) {
    INFO(lines[i]);
    CHECK(lines[i].rfind("Conv x=", 0) == 0);
    CHECK(lines[i].find(" threads=1 cpu=") != std::string::npos);
  }

  SECTION("a second load times nothing and runs the cached choices") {
    const int64_t again = cpu::fast::autotune_timings();
    CHECK(load_and_profile(dir.str()) == first);
    CHECK(cpu::fast::autotune_timings() == again);
  }
  SECTION("the cached choice is what runs") {
    // Point the 1x1 layer at its other candidate: the next load must follow the file.
    std::string text = read_file(file);
    const std::string other = first.at("pw") == "1x1-gemm" ? "im2col-gemm" : "1x1-gemm";
    const size_t at = text.find("w=16,8,1,1");
    REQUIRE(at != std::string::npos);
    const size_t tab = text.find('\t', at);
    const size_t end = text.find('\n', tab);
    text = text.substr(0, tab + 1) + other + text.substr(end);
    write_file(file, text);
    const int64_t again = cpu::fast::autotune_timings();
    CHECK(load_and_profile(dir.str()).at("pw") == other);
    CHECK(cpu::fast::autotune_timings() == again);
  }
  SECTION("another thread count is another key") {
    const int64_t again = cpu::fast::autotune_timings();
    load_and_profile(dir.str(), 2);
    CHECK(cpu::fast::autotune_timings() - again == 4);
    CHECK(lines_of(read_file(file)).size() == 5);
  }
  SECTION("a corrupt cache file is ignored and rebuilt") {
    for (const std::string& garbage :
         {std::string("not an autotune file\n"), std::string("edgeinfer-autotune 1\nno tab here\n"),
          std::string("edgeinfer-autotune 1\n\tdepthwise\n"), std::string("\x01\x02\xff", 3)}) {
      INFO(garbage);
      write_file(file, garbage);
      const int64_t again = cpu::fast::autotune_timings();
      load_and_profile(dir.str());
      CHECK(cpu::fast::autotune_timings() - again == 4);
      const std::vector<std::string> rebuilt = lines_of(read_file(file));
      REQUIRE(rebuilt.size() == 3);
      CHECK(rebuilt[0] == "edgeinfer-autotune 1");
    }
  }
  SECTION("an unknown cached algorithm is timed again") {
    std::string text = read_file(file);
    const size_t at = text.find("w=16,8,1,1");
    const size_t tab = text.find('\t', at);
    const size_t end = text.find('\n', tab);
    text = text.substr(0, tab + 1) + "winograd-f99" + text.substr(end);
    write_file(file, text);
    const int64_t again = cpu::fast::autotune_timings();
    load_and_profile(dir.str());
    CHECK(cpu::fast::autotune_timings() - again == 2);
    CHECK(read_file(file).find("winograd-f99") == std::string::npos);
  }
}

TEST_CASE("an explicit algorithm wins over autotune", "[autotune]") {
  TempDir dir;
  Options options;
  options.autotune = true;
  // The layer choices of the ONNX layout (layout auto would also time the blocked one).
  options.cpu_layout = CpuLayout::kNchw;
  options.cache_dir = dir.str();
  options.algorithms["pw"] = "im2col-gemm";
  const std::string bytes = two_conv_model();
  auto model = Model::load_from_memory(bytes.data(), bytes.size(), "two_convs", options);
  REQUIRE(model.is_ok());
  const int64_t before = cpu::fast::autotune_timings();
  auto session = model->create_session();
  REQUIRE(session.is_ok());
  CHECK(cpu::fast::autotune_timings() - before == 2);  // only "dw" is timed
  std::vector<NodeProfile> profile;
  REQUIRE(session->run_profiled(&profile).is_ok());
  for (const NodeProfile& p : profile) {
    if (p.node_name == "pw") CHECK(p.algorithm == "im2col-gemm");
  }
}

TEST_CASE("autotune with an unwritable cache folder still loads", "[autotune]") {
  TempDir dir;
  const std::string blocker = dir.str() + "/file";
  write_file(blocker, "x");  // a file where the cache folder should be
  const auto algorithms = load_and_profile(blocker + "/sub");
  CHECK(algorithms.count("pw") == 1);
}
