// The fast kernels on blocked channel layouts (NCHW<b>c, cpu/blocked_layout.h) against the
// reference kernels: the reorder both ways, AveragePool/MaxPool/GlobalAveragePool/GlobalMaxPool
// and Resize, for blocks 16, 8, 4 and 32, channel counts that do not fill the last block, odd
// spatial sizes, 1 and 2 threads (check_against_reference runs both), and each instruction set
// the CPU has (AVX-512, AVX2, portable: set_nchwc_isa_limit). Each case also checks that the
// fast kernel did the work itself, and the declined cases that they ran the reference.
//
// "[.][fast_nchwc_ops_bench]" (hidden) times the blocked kernels against the planar ones.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>

#include "cpu/blocked_layout.h"
#include "cpu/fast/common.h"
#include "cpu/fast/nchwc_simd.h"
#include "cpu/input_layout.h"
#include "cpu/thread_pool.h"
#include "fast_vs_reference.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;
using cpu::fast::NchwcIsa;

namespace {

using Attrs = std::map<std::string, ir::Attribute>;
using Ints = std::vector<int64_t>;

std::mt19937& rng() {
  static std::mt19937 engine(4242);
  return engine;
}

// The instruction sets this CPU runs, best first, each as a limit for set_nchwc_isa_limit.
std::vector<NchwcIsa> isas() {
  std::vector<NchwcIsa> out;
  for (NchwcIsa isa : {NchwcIsa::kAvx512, NchwcIsa::kAvx2, NchwcIsa::kPortable}) {
    cpu::fast::set_nchwc_isa_limit(isa);
    if (cpu::fast::nchwc_isa() == isa) out.push_back(isa);
  }
  cpu::fast::set_nchwc_isa_limit(NchwcIsa::kAvx512);
  return out;
}

const char* isa_name(NchwcIsa isa) {
  return isa == NchwcIsa::kAvx512 ? "avx512" : isa == NchwcIsa::kAvx2 ? "avx2" : "portable";
}

struct IsaLimit {
  explicit IsaLimit(NchwcIsa isa) { cpu::fast::set_nchwc_isa_limit(isa); }
  ~IsaLimit() { cpu::fast::set_nchwc_isa_limit(NchwcIsa::kAvx512); }
};

// A blocked tensor of a random N x C x H x W one (padding lanes zero, as a reorder leaves them).
HostTensor random_blocked(int64_t n, int64_t c, int64_t h, int64_t w, int block) {
  const HostTensor planar = random_tensor(rng(), {n, c, h, w});
  const Shape shape = cpu::blocked_shape(planar.shape, block);
  std::vector<float> out(static_cast<size_t>(shape_elements(shape)));
  cpu::block_channels(planar.values<float>().data(), out.data(), n, c, h * w, block);
  return HostTensor::f32(shape, out);
}

Attrs blocked_attrs(int block, Attrs more = {}) {
  more[cpu::kInputLayoutAttr] = cpu::blocked_layout_name(block);
  more[cpu::kOutputLayoutAttr] = cpu::blocked_layout_name(block);
  return more;
}

// check_against_reference on every instruction set; `fast` says whether the fast kernel must
// do the work (no reference fallback) or must decline.
void check_all_isas(const NodeSpec& spec, const std::string& what, bool fast = true) {
  for (NchwcIsa isa : isas()) {
    IsaLimit limit(isa);
    const int64_t before = cpu::fast::reference_fallback_count();
    check_against_reference(spec, what + " [" + isa_name(isa) + "]");
    INFO(what << " [" << isa_name(isa) << "]");
    if (fast) {
      CHECK(cpu::fast::reference_fallback_count() == before);
    } else {
      CHECK(cpu::fast::reference_fallback_count() > before);
    }
  }
}

std::vector<float> run_fast(const NodeSpec& spec, int threads) {
  cpu::ExecutorOptions options;
  options.threads = threads;
  auto run = run_node_in_executor(spec, {false}, options, cpu::fast_kernels());
  INFO(run.status().to_string());
  REQUIRE(run.is_ok());
  return run->outputs[0].values<float>();
}

struct Dims {
  int64_t n, c, h, w;
};

std::string describe(const Dims& d, int block) {
  std::ostringstream s;
  s << d.n << "x" << d.c << "x" << d.h << "x" << d.w << " NCHW" << block << "c";
  return s.str();
}

const std::vector<Dims> kShapes = {{1, 3, 7, 5},    {1, 5, 1, 1},    {2, 17, 9, 13},
                                   {1, 24, 16, 16}, {1, 24, 64, 64}, {1, 96, 16, 16},
                                   {1, 32, 15, 33}};

}  // namespace

TEST_CASE("fast reorder to and from blocked layouts", "[fast_nchwc_ops]") {
  for (int block : {16, 8, 4, 32}) {
    for (const Dims& d : kShapes) {
      const std::string what = describe(d, block);
      const HostTensor x = random_tensor(rng(), {d.n, d.c, d.h, d.w});
      NodeSpec to{cpu::kReorderOp,
                  {{cpu::kInputLayoutAttr, std::string("NCHW")},
                   {cpu::kOutputLayoutAttr, cpu::blocked_layout_name(block)}},
                  18,
                  {x}};
      check_all_isas(to, "to blocked " + what);
      const Shape blocked_shape = cpu::blocked_shape(x.shape, block);
      for (NchwcIsa isa : isas()) {
        IsaLimit limit(isa);
        for (int threads : {1, 2}) {
          INFO(what << " [" << isa_name(isa) << "] threads " << threads);
          // Round trip: padding lanes zero, and the planar tensor back bit for bit.
          const std::vector<float> blocked = run_fast(to, threads);
          REQUIRE(blocked.size() == static_cast<size_t>(shape_elements(blocked_shape)));
          const int64_t pixels = d.h * d.w;
          const int64_t blocks = blocked_shape[1];
          bool padding_zero = true;
          for (int64_t n = 0; n < d.n; ++n) {
            for (int64_t lane = d.c - (blocks - 1) * block; lane < block; ++lane) {
              for (int64_t p = 0; p < pixels; ++p)
                padding_zero &=
                    blocked[((n * blocks + blocks - 1) * pixels + p) * block + lane] == 0.f;
            }
          }
          CHECK(padding_zero);
          NodeSpec from{cpu::kReorderOp,
                        {{cpu::kInputLayoutAttr, cpu::blocked_layout_name(block)},
                         {cpu::kOutputLayoutAttr, std::string("NCHW")},
                         {"channels", d.c}},
                        18,
                        {HostTensor::f32(blocked_shape, blocked)}};
          CHECK(run_fast(from, threads) == x.values<float>());
        }
      }
      // From blocked, with garbage-free but nonzero padding lanes: they must not leak.
      HostTensor noisy =
          HostTensor::f32(blocked_shape, random_tensor(rng(), blocked_shape).values<float>());
      NodeSpec from{cpu::kReorderOp,
                    {{cpu::kInputLayoutAttr, cpu::blocked_layout_name(block)},
                     {cpu::kOutputLayoutAttr, std::string("NCHW")},
                     {"channels", d.c}},
                    18,
                    {noisy}};
      check_all_isas(from, "from blocked " + what);
    }
  }
}

TEST_CASE("fast reorder of other ranks and declined reorders", "[fast_nchwc_ops]") {
  // 1-D and 3-D spatial axes: the pixels are all spatial elements.
  for (const Shape& shape : {Shape{2, 19, 37}, Shape{1, 20, 3, 5, 7}}) {
    const HostTensor x = random_tensor(rng(), shape);
    NodeSpec to{cpu::kReorderOp,
                {{cpu::kInputLayoutAttr, std::string("NCHW")},
                 {cpu::kOutputLayoutAttr, std::string("NCHW16c")}},
                18,
                {x}};
    check_all_isas(to, "to blocked " + shape_to_string(shape));
  }
  // Int tensors are the reference's to refuse.
  NodeSpec ints{cpu::kReorderOp,
                {{cpu::kInputLayoutAttr, std::string("NCHW")},
                 {cpu::kOutputLayoutAttr, std::string("NCHW16c")}},
                18,
                {HostTensor::i64({1, 2, 1, 1}, {1, 2})}};
  const int64_t before = cpu::fast::reference_fallback_count();
  cpu::ExecutorOptions options;
  CHECK_FALSE(run_node_in_executor(ints, {false}, options, cpu::fast_kernels()).is_ok());
  CHECK(cpu::fast::reference_fallback_count() > before);
}

TEST_CASE("fast pooling on blocked layouts", "[fast_nchwc_ops]") {
  struct Case {
    std::string op;
    Attrs attrs;
  };
  const std::vector<Case> cases = {
      {"MaxPool",
       {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}},
      {"MaxPool",
       {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}}},
      {"MaxPool", {{"kernel_shape", Ints{3, 2}}, {"pads", Ints{0, 1, 2, 1}}}},
      {"MaxPool",
       {{"kernel_shape", Ints{3, 3}},
        {"strides", Ints{2, 2}},
        {"auto_pad", std::string("SAME_UPPER")}}},
      {"AveragePool",
       {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}},
      {"AveragePool",
       {{"kernel_shape", Ints{3, 3}},
        {"strides", Ints{2, 2}},
        {"pads", Ints{1, 1, 1, 1}},
        {"count_include_pad", int64_t{1}}}},
      {"AveragePool",
       {{"kernel_shape", Ints{3, 3}},
        {"strides", Ints{2, 2}},
        {"pads", Ints{1, 0, 1, 2}},
        {"ceil_mode", int64_t{1}},
        {"count_include_pad", int64_t{1}}}},
      {"AveragePool",
       {{"kernel_shape", Ints{2, 3}}, {"strides", Ints{1, 2}}, {"ceil_mode", int64_t{1}}}},
      {"GlobalAveragePool", {}},
      {"GlobalMaxPool", {}},
  };
  for (int block : {16, 8, 4, 32}) {
    for (const Dims& d : kShapes) {
      if (d.h < 3 || d.w < 3) continue;
      const HostTensor x = random_blocked(d.n, d.c, d.h, d.w, block);
      for (const Case& c : cases) {
        NodeSpec spec{c.op, blocked_attrs(block, c.attrs), 18, {x}};
        check_all_isas(spec, c.op + " " + describe(d, block));
      }
      // A window over the whole image (a global average in disguise, as squeeze-excite blocks
      // of the models have it).
      NodeSpec whole{
          "AveragePool", blocked_attrs(block, {{"kernel_shape", Ints{d.h, d.w}}}), 18, {x}};
      check_all_isas(whole, "AveragePool whole image " + describe(d, block));
    }
  }
}

TEST_CASE("fast pooling on blocked layouts declines what it does not cover", "[fast_nchwc_ops]") {
  const HostTensor x = random_blocked(1, 20, 9, 9, 16);
  // Dilations.
  NodeSpec dilated{"MaxPool",
                   blocked_attrs(16, {{"kernel_shape", Ints{2, 2}}, {"dilations", Ints{2, 2}}}),
                   18,
                   {x}};
  check_all_isas(dilated, "dilated MaxPool", false);
  // A blocked input with an ONNX-layout output.
  Attrs mixed{{"kernel_shape", Ints{3, 3}}, {cpu::kInputLayoutAttr, std::string("NCHW16c")}};
  check_all_isas(NodeSpec{"AveragePool", mixed, 18, {x}}, "mixed layouts", false);
  // The planar GlobalMaxPool keeps the reference kernel.
  check_all_isas(NodeSpec{"GlobalMaxPool", {}, 18, {random_tensor(rng(), {1, 3, 5, 5})}},
                 "planar GlobalMaxPool", false);
}

namespace {

HostTensor none() {
  return HostTensor{DType::kUndefined, {}, {}};
}

NodeSpec resize_scales(const HostTensor& x, int block, Attrs attrs, float sh, float sw) {
  return NodeSpec{"Resize",
                  blocked_attrs(block, std::move(attrs)),
                  18,
                  {x, none(), HostTensor::f32({4}, {1.f, 1.f, sh, sw})}};
}

// Sizes naming every lane as a channel, as the reference's detour sees a node without a
// "channels" attribute; with `channels` > 0, the attribute and sizes naming those channels (what
// the blocked layout pass writes).
NodeSpec resize_sizes(const HostTensor& x, int block, Attrs attrs, int64_t oh, int64_t ow,
                      int64_t channels = 0) {
  if (channels > 0) attrs["channels"] = channels;
  const int64_t planar_channels = channels > 0 ? channels : x.shape[1] * block;
  return NodeSpec{"Resize",
                  blocked_attrs(block, std::move(attrs)),
                  18,
                  {x, none(), none(), HostTensor::i64({4}, {x.shape[0], planar_channels, oh, ow})}};
}

}  // namespace

TEST_CASE("fast Resize on blocked layouts", "[fast_nchwc_ops]") {
  const std::vector<Attrs> modes = {
      {{"mode", std::string("nearest")}},
      {{"mode", std::string("nearest")},
       {"coordinate_transformation_mode", std::string("asymmetric")},
       {"nearest_mode", std::string("floor")}},
      {{"mode", std::string("nearest")},
       {"coordinate_transformation_mode", std::string("align_corners")},
       {"nearest_mode", std::string("round_prefer_ceil")}},
      {{"mode", std::string("linear")}},
      {{"mode", std::string("linear")},
       {"coordinate_transformation_mode", std::string("align_corners")}},
      {{"mode", std::string("linear")},
       {"coordinate_transformation_mode", std::string("asymmetric")}},
      {{"mode", std::string("linear")},
       {"coordinate_transformation_mode", std::string("pytorch_half_pixel")}},
  };
  for (int block : {16, 8, 4, 32}) {
    for (const Dims& d : kShapes) {
      if (d.h * d.w > 1024) continue;  // 64 x 64: the benchmark's
      const HostTensor x = random_blocked(d.n, d.c, d.h, d.w, block);
      for (const Attrs& m : modes) {
        const std::string mode = std::get<std::string>(m.at("mode"));
        const std::string what = "Resize " + mode + " " + describe(d, block);
        check_all_isas(resize_scales(x, block, m, 2.f, 2.f), what + " x2");
        check_all_isas(resize_sizes(x, block, m, d.h * 2 - 1, d.w + 3), what + " sizes");
        check_all_isas(resize_sizes(x, block, m, d.h + 1, d.w * 2, d.c), what + " C sizes");
        check_all_isas(resize_scales(x, block, m, 0.5f, 1.75f), what + " x0.5 x1.75");
      }
    }
  }
  // Resize-10: scales as input 1, asymmetric coordinates.
  const HostTensor small = random_blocked(1, 5, 6, 7, 8);
  for (const char* mode : {"nearest", "linear"}) {
    NodeSpec v10{"Resize",
                 blocked_attrs(8, {{"mode", std::string(mode)}}),
                 10,
                 {small, HostTensor::f32({4}, {1.f, 1.f, 2.f, 1.5f})}};
    check_all_isas(v10, std::string("Resize-10 ") + mode);
  }
  // A larger image, so that two threads split it.
  const HostTensor big = random_blocked(1, 24, 32, 32, 16);
  check_all_isas(resize_scales(big, 16, modes[0], 2.f, 2.f), "nearest 24x32x32 x2");
  check_all_isas(resize_scales(big, 16, modes[3], 2.f, 2.f), "linear 24x32x32 x2");
}

TEST_CASE("fast Resize on blocked layouts declines what it does not cover", "[fast_nchwc_ops]") {
  const HostTensor x = random_blocked(1, 20, 6, 7, 16);
  check_all_isas(resize_scales(x, 16, {{"mode", std::string("cubic")}}, 2.f, 2.f), "cubic", false);
  // Sizes naming C rather than the 32 channels of the detour resize the channel axis there.
  NodeSpec channels{"Resize",
                    blocked_attrs(16, {{"mode", std::string("nearest")}}),
                    18,
                    {x, none(), none(), HostTensor::i64({4}, {1, 20, 12, 14})}};
  check_all_isas(channels, "resized channels", false);
}

// ------------------------------------------------------------------------------------------
// Timing against the planar kernels (hidden: [.]).

namespace {

// Runs one kernel outside an executor, with a thread pool, reusing its output buffer.
class BenchContext final : public cpu::KernelContext {
 public:
  BenchContext(const NodeSpec& spec, cpu::ThreadPool* pool) : pool_(pool) {
    node_.name = "bench";
    node_.op_type = spec.op_type;
    node_.opset = spec.opset;
    node_.attributes = spec.attributes;
    for (size_t i = 0; i < spec.inputs.size(); ++i) {
      const HostTensor& t = spec.inputs[i];
      node_.inputs.push_back(t.dtype == DType::kUndefined ? ir::kNoValue
                                                          : static_cast<ir::ValueId>(i));
      inputs_.push_back(TensorView{t.dtype, t.shape, const_cast<unsigned char*>(t.bytes.data())});
    }
    node_.outputs.push_back(static_cast<ir::ValueId>(spec.inputs.size()));
  }
  const ir::Node& node() const override { return node_; }
  const TensorView& input(size_t i) const override { return inputs_.at(i); }
  Result<TensorView> allocate_output(size_t, DType dtype, const Shape& shape) override {
    const size_t bytes = static_cast<size_t>(shape_elements(shape)) * dtype_size(dtype);
    if (out_.size() < bytes) out_.resize(bytes);
    return TensorView{dtype, shape, out_.data()};
  }
  cpu::ThreadPool* thread_pool() const override { return pool_; }

 private:
  ir::Node node_;
  std::vector<TensorView> inputs_;
  std::vector<unsigned char> out_;
  cpu::ThreadPool* pool_;
};

// Microseconds per run (best of 5 rounds).
double time_kernel(const cpu::KernelRegistry& registry, const NodeSpec& spec, int threads) {
  cpu::ThreadPool pool(threads);
  BenchContext ctx(spec, threads > 1 ? &pool : nullptr);
  const cpu::KernelFn kernel = registry.find(spec.op_type);
  REQUIRE(kernel);
  REQUIRE(kernel(ctx).is_ok());
  double best = 1e30;
  for (int round = 0; round < 5; ++round) {
    int iterations = 0;
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0;
    do {
      REQUIRE(kernel(ctx).is_ok());
      ++iterations;
      elapsed = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                    .count();
    } while (elapsed < 20000);
    best = std::min(best, elapsed / iterations);
  }
  return best;
}

void report(const std::string& what, const NodeSpec& blocked, const NodeSpec& planar) {
  for (int threads : {1, 2}) {
    const double b = time_kernel(cpu::fast_kernels(), blocked, threads);
    const double p = time_kernel(cpu::fast_kernels(), planar, threads);
    std::printf("%-48s threads %d: blocked %8.1f us, planar %8.1f us, planar/blocked %.2fx\n",
                what.c_str(), threads, b, p, p / b);
  }
}

}  // namespace

TEST_CASE("blocked kernels against the planar ones", "[.][fast_nchwc_ops_bench]") {
  struct Bench {
    Dims d;
    int block;
  };
  for (const auto& [d, block] :
       {Bench{{1, 24, 64, 64}, 16}, Bench{{1, 96, 16, 16}, 16}, Bench{{1, 96, 32, 32}, 16},
        Bench{{1, 24, 64, 64}, 8}, Bench{{1, 96, 16, 16}, 8}}) {
    const std::string size = describe(d, block);
    const HostTensor planar = random_tensor(rng(), {d.n, d.c, d.h, d.w});
    const HostTensor blocked = random_blocked(d.n, d.c, d.h, d.w, block);
    // Reorders: against the reference copies and the planar NCHW -> NHWC Transpose.
    NodeSpec to{cpu::kReorderOp,
                {{cpu::kInputLayoutAttr, std::string("NCHW")},
                 {cpu::kOutputLayoutAttr, cpu::blocked_layout_name(block)}},
                18,
                {planar}};
    NodeSpec from{cpu::kReorderOp,
                  {{cpu::kInputLayoutAttr, cpu::blocked_layout_name(block)},
                   {cpu::kOutputLayoutAttr, std::string("NCHW")},
                   {"channels", d.c}},
                  18,
                  {blocked}};
    NodeSpec transpose{"Transpose", {{"perm", Ints{0, 2, 3, 1}}}, 18, {planar}};
    for (int threads : {1, 2}) {
      const double t = time_kernel(cpu::fast_kernels(), to, threads);
      const double f = time_kernel(cpu::fast_kernels(), from, threads);
      const double rt = time_kernel(cpu::reference_kernels(), to, threads);
      const double rf = time_kernel(cpu::reference_kernels(), from, threads);
      const double tr = time_kernel(cpu::fast_kernels(), transpose, threads);
      std::printf(
          "%-48s threads %d: to %6.1f us (reference %6.1f), from %6.1f us (reference "
          "%6.1f), NCHW->NHWC Transpose %6.1f us\n",
          ("reorder " + size).c_str(), threads, t, rt, f, rf, tr);
    }
    auto pair = [&](const std::string& op, Attrs attrs) {
      report(op + " " + size, NodeSpec{op, blocked_attrs(block, attrs), 18, {blocked}},
             NodeSpec{op, attrs, 18, {planar}});
    };
    pair("GlobalAveragePool", {});
    pair("AveragePool", {{"kernel_shape", Ints{d.h, d.w}}});
    pair("MaxPool",
         {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}});
    pair("AveragePool",
         {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}});
    for (const char* mode : {"nearest", "linear"}) {
      const Attrs attrs{{"mode", std::string(mode)}};
      const HostTensor scales = HostTensor::f32({4}, {1.f, 1.f, 2.f, 2.f});
      report(std::string("Resize x2 ") + mode + " " + size,
             NodeSpec{"Resize", blocked_attrs(block, attrs), 18, {blocked, none(), scales}},
             NodeSpec{"Resize", attrs, 18, {planar, none(), scales}});
    }
  }
}
