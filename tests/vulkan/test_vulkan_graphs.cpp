// Small graphs through the Vulkan executor against the reference kernels run node by node:
// the rewrites the executor makes on its own copy of a graph (dense chains into one Gemm,
// PRelu into the producer's epilogue) and the values it places inside others' memory
// (reshape outputs, Concat inputs) must give the reference's results, and must take effect:
// the dispatch count shows that the fused and aliased nodes record nothing.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "cpu/evaluate_node.h"
#include "vulkan/executor.h"
#include "vulkan_node.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

using Attrs = std::map<std::string, ir::Attribute>;

// Builds a graph node by node; intermediate shapes are left to the executor to resolve.
class GraphBuilder {
 public:
  GraphBuilder() { graph_.opsets[""] = 13; }

  ir::ValueId input(const std::string& name, const HostTensor& t) {
    const ir::ValueId id = add(name, ir::ValueKind::kInput, t);
    graph_.inputs.push_back(id);
    feeds_[id] = t;
    return id;
  }
  ir::ValueId constant(const std::string& name, const HostTensor& t) {
    return add(name, ir::ValueKind::kConstant, t);
  }
  ir::ValueId node(const std::string& op, std::vector<ir::ValueId> inputs, Attrs attrs = {}) {
    ir::Value v;
    v.name = op + std::to_string(graph_.nodes.size());
    const ir::ValueId out = graph_.add_value(std::move(v));
    ir::Node n;
    n.name = graph_.values[out].name;
    n.op_type = op;
    n.opset = 13;
    n.attributes = std::move(attrs);
    n.inputs = std::move(inputs);
    n.outputs = {out};
    graph_.add_node(std::move(n));
    return out;
  }
  void output(ir::ValueId id) { graph_.outputs.push_back(id); }

  const ir::Graph& graph() const { return graph_; }
  const std::map<ir::ValueId, HostTensor>& feeds() const { return feeds_; }

 private:
  ir::ValueId add(const std::string& name, ir::ValueKind kind, const HostTensor& t) {
    ir::Value v;
    v.name = name;
    v.kind = kind;
    v.dtype = t.dtype;
    v.has_shape = true;
    for (int64_t d : t.shape)
      v.dims.push_back(ir::Dim::fixed(d));
    if (kind == ir::ValueKind::kConstant)
      v.constant = ir::Constant::copy_of(t.dtype, t.shape, t.bytes.data(), t.bytes.size());
    return graph_.add_value(std::move(v));
  }
  ir::Graph graph_;
  std::map<ir::ValueId, HostTensor> feeds_;
};

HostTensor to_host(const TensorView& v) {
  HostTensor t{v.dtype, v.shape, {}};
  t.bytes.resize(v.bytes());
  if (v.bytes()) std::memcpy(t.bytes.data(), v.data, v.bytes());
  return t;
}

// The graph outputs from the reference kernels, node by node in graph order.
std::vector<HostTensor> reference(const GraphBuilder& b) {
  const ir::Graph& g = b.graph();
  std::map<ir::ValueId, ir::ConstantPtr> computed;
  auto view = [&](ir::ValueId id) -> TensorView {
    if (g.value(id).kind == ir::ValueKind::kConstant) return g.value(id).constant->view();
    if (auto it = b.feeds().find(id); it != b.feeds().end()) {
      const HostTensor& t = it->second;
      return TensorView{t.dtype, t.shape, const_cast<unsigned char*>(t.bytes.data())};
    }
    return computed.at(id)->view();
  };
  for (const ir::Node& node : g.nodes) {
    std::vector<TensorView> inputs;
    for (ir::ValueId in : node.inputs)
      inputs.push_back(view(in));
    auto outputs = cpu::evaluate_node(node, inputs);
    REQUIRE(outputs.is_ok());
    computed[node.outputs[0]] = (*outputs)[0];
  }
  std::vector<HostTensor> result;
  for (ir::ValueId id : g.outputs)
    result.push_back(to_host(view(id)));
  return result;
}

struct GpuResult {
  std::vector<HostTensor> outputs;
  std::string plan;  // Executor::describe()
};

GpuResult run_vulkan(const GraphBuilder& b, bool fp16_storage = false) {
  const ir::Graph& g = b.graph();
  vulkan::ExecutorOptions options;
  options.device.validation = true;
  options.fp16_storage = fp16_storage;
  auto executor = vulkan::Executor::create(g, options, {});
  INFO(executor.status().to_string());
  REQUIRE(executor.is_ok());
  std::vector<TensorView> values(g.values.size());
  std::vector<bool> live(g.values.size(), false);
  for (size_t id = 0; id < g.values.size(); ++id) {
    if (g.values[id].kind == ir::ValueKind::kConstant) values[id] = g.values[id].constant->view();
  }
  for (const auto& [id, t] : b.feeds())
    values[id] = TensorView{t.dtype, t.shape, const_cast<unsigned char*>(t.bytes.data())};
  const Status run = (*executor)->run(values, live, nullptr);
  INFO(run.to_string());
  REQUIRE(run.is_ok());
  GpuResult r;
  for (ir::ValueId id : g.outputs)
    r.outputs.push_back(to_host(values[id]));
  r.plan = (*executor)->describe();
  return r;
}

// "N dispatches" from the plan line of Executor::describe().
int dispatch_count(const std::string& plan) {
  const size_t at = plan.find(" dispatches");
  REQUIRE(at != std::string::npos);
  size_t start = plan.rfind(' ', at - 1);
  return std::stoi(plan.substr(start + 1, at - start - 1));
}

void check_outputs(const GraphBuilder& b, const GpuResult& gpu) {
  const std::vector<HostTensor> want = reference(b);
  REQUIRE(gpu.outputs.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK(gpu.outputs[i].shape == want[i].shape);
    CHECK(max_abs_diff(gpu.outputs[i], want[i]) <= 1e-5f);
  }
}

}  // namespace

TEST_CASE("vulkan graph: PRelu, Concat inputs, reshapes and a dense chain record nothing",
          "[vulkan][graph]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", pattern({1, 4, 4, 4}));
  // Conv 1x1 then PRelu with per-channel slopes: one dispatch.
  const ir::ValueId a = b.node("Conv", {x, b.constant("wa", pattern({3, 4, 1, 1}, -1, 1, 2))});
  const ir::ValueId p =
      b.node("PRelu", {a, b.constant("slope", pattern({3, 1, 1}, 0.05f, 0.5f, 3))});
  // Conv 3x3, concatenated after p: both written in place into the Concat's output (slices of
  // 64-byte multiples, as the device's offset alignment wants).
  const ir::ValueId q = b.node("Conv",
                               {x, b.constant("wb", pattern({5, 4, 3, 3}, -1, 1, 4)),
                                b.constant("bb", pattern({5}, -1, 1, 5))},
                               Attrs{{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  const ir::ValueId c = b.node("Concat", {p, q}, Attrs{{"axis", int64_t{1}}});
  // Reshapes to a row, MatMul, reshape, bias Add, Sigmoid: one Gemm dispatch.
  const ir::ValueId r = b.node("Reshape", {c, b.constant("s1", HostTensor::i64({3}, {1, 8, 16}))});
  const ir::ValueId f = b.node("Reshape", {r, b.constant("s2", HostTensor::i64({2}, {1, 128}))});
  const ir::ValueId m = b.node("MatMul", {f, b.constant("w", pattern({128, 7}, -0.2f, 0.2f, 6))});
  const ir::ValueId m3 = b.node("Reshape", {m, b.constant("s3", HostTensor::i64({3}, {1, 1, 7}))});
  const ir::ValueId s = b.node("Add", {m3, b.constant("bias", pattern({7}, -1, 1, 7))});
  b.output(b.node("Sigmoid", {s}));
  const GpuResult gpu = run_vulkan(b);
  check_outputs(b, gpu);
  INFO(gpu.plan);
  CHECK(dispatch_count(gpu.plan) == 3);
}

TEST_CASE("vulkan graph: aliased values that are graph outputs, reshapes of a graph input",
          "[vulkan][graph]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", pattern({1, 4, 4, 4}));
  const ir::ValueId r1 = b.node("Reshape", {x, b.constant("s1", HostTensor::i64({3}, {1, 4, 16}))});
  const ir::ValueId r2 =
      b.node("Reshape", {r1, b.constant("s2", HostTensor::i64({4}, {1, 4, 4, 4}))});
  const ir::ValueId y = b.node("Conv", {r2, b.constant("w", pattern({3, 4, 1, 1}, -1, 1, 2))});
  // y is written into the Concat's output and is a graph output too; r2 lives in the input
  // buffer, so the Concat copies it.
  const ir::ValueId c = b.node("Concat", {y, r2}, Attrs{{"axis", int64_t{1}}});
  b.output(c);
  b.output(y);
  b.output(r1);
  const GpuResult gpu = run_vulkan(b);
  check_outputs(b, gpu);
  INFO(gpu.plan);
  CHECK(dispatch_count(gpu.plan) == 2);
}

TEST_CASE("vulkan Conv and Gemm with several invocations per output", "[vulkan][conv]") {
  // Few outputs, long reductions: the shaders share each sum over up to 64 lanes, including
  // counts that are not a multiple of the lane count.
  const std::vector<bool> weights = {false, true, true};
  const HostTensor x = pattern({1, 300, 3, 2});
  auto expected = run_node({"Conv", {}, 13, {x, pattern({7, 300, 1, 1}, -1, 1, 2)}});
  REQUIRE(expected.is_ok());
  auto actual = run_node_vulkan({"Conv", {}, 13, {x, pattern({7, 300, 1, 1}, -1, 1, 2)}}, weights);
  REQUIRE(actual.is_ok());
  CHECK(max_abs_diff(actual->outputs[0], (*expected)[0]) <= 1e-4f);
  const HostTensor a = pattern({2, 1000});
  const NodeSpec gemm{"Gemm",
                      Attrs{{"transB", int64_t{1}}},
                      13,
                      {a, pattern({5, 1000}, -1, 1, 3), pattern({5}, -1, 1, 4)}};
  auto want = run_node(gemm);
  REQUIRE(want.is_ok());
  auto got = run_node_vulkan(gemm, weights);
  REQUIRE(got.is_ok());
  CHECK(got->cpu_nodes == 0);
  CHECK(max_abs_diff(got->outputs[0], (*want)[0]) <= 1e-4f);
}

TEST_CASE("vulkan graph: a squeeze-and-excite Mul folded into the next Conv, global pools",
          "[vulkan][graph]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", pattern({1, 4, 4, 4}));
  const ir::ValueId v = b.input("v", pattern({1, 1, 1, 4}, -3, 3, 2));
  // A Transpose that moves only unit dims is a reshape: no dispatch.
  const ir::ValueId t = b.node("Transpose", {v}, Attrs{{"perm", std::vector<int64_t>{0, 3, 1, 2}}});
  const ir::ValueId s = b.node("Sigmoid", {t});
  const ir::ValueId m = b.node("Mul", {x, s});
  // One input channel per group: the Conv takes conv2d_k4.comp, which applies the scale too.
  b.output(b.node("Conv",
                  {m, b.constant("w", pattern({16, 1, 3, 3}, -1, 1, 3)),
                   b.constant("bias", pattern({16}, -1, 1, 4))},
                  Attrs{{"pads", std::vector<int64_t>{1, 1, 1, 1}}, {"group", int64_t{4}}}));
  // Whole-plane pools take the contiguous path of pool2d_reduce (1200 positions: not a
  // multiple of its 1024 loads per round).
  const ir::ValueId big = b.input("big", pattern({1, 3, 40, 30}, -2, 2, 5));
  b.output(b.node("GlobalAveragePool", {big}));
  b.output(b.node("GlobalMaxPool", {big}));
  const GpuResult gpu = run_vulkan(b);
  check_outputs(b, gpu);
  INFO(gpu.plan);
  CHECK(dispatch_count(gpu.plan) == 4);
}

TEST_CASE("vulkan graph: a per-channel gate and a skip Add as one dispatch", "[vulkan][graph]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", pattern({1, 4, 5, 3}));
  const ir::ValueId skip = b.input("skip", pattern({1, 4, 5, 3}, -1, 1, 2));
  const ir::ValueId s = b.node("Sigmoid", {b.input("v", pattern({1, 4, 1, 1}, -3, 3, 3))});
  // Operands in the other order than the rewrite's pattern lists them.
  const ir::ValueId m = b.node("Mul", {s, x});
  b.output(b.node("Add", {skip, m}));
  const GpuResult gpu = run_vulkan(b);
  check_outputs(b, gpu);
  INFO(gpu.plan);
  CHECK(dispatch_count(gpu.plan) == 2);
}

TEST_CASE("vulkan graph: a Conv reads an NHWC input in place", "[vulkan][graph]") {
  // K 8: conv2d.comp with lanes sharing the channels; K 12 in 3 groups (one input channel
  // each): conv2d_k4.comp.
  for (int64_t k : {8, 12}) {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", pattern({1, 7, 9, 3}));
    const ir::ValueId t =
        b.node("Transpose", {x}, Attrs{{"perm", std::vector<int64_t>{0, 3, 1, 2}}});
    const int64_t groups = k == 12 ? 3 : 1;
    b.output(b.node("Conv",
                    {t, b.constant("w", pattern({k, 3 / groups, 3, 3}, -1, 1, 2)),
                     b.constant("bias", pattern({k}, -1, 1, 3))},
                    Attrs{{"pads", std::vector<int64_t>{0, 1, 1, 1}},
                          {"strides", std::vector<int64_t>{2, 1}},
                          {"group", groups}}));
    const GpuResult gpu = run_vulkan(b);
    check_outputs(b, gpu);
    INFO(gpu.plan);
    CHECK(dispatch_count(gpu.plan) == 1);
  }
}

TEST_CASE("vulkan graph: two dense layers on a pooled vector as one dispatch", "[vulkan][graph]") {
  SECTION("1x1 Convs on a 1x1 image, as selfie_segmentation's squeeze-and-excite blocks") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", pattern({1, 8, 1, 1}));
    const ir::ValueId h = b.node("Conv",
                                 {x, b.constant("w1", pattern({5, 8, 1, 1}, -1, 1, 2)),
                                  b.constant("b1", pattern({5}, -1, 1, 3))},
                                 Attrs{{"ei_activation", std::string("Relu")}});
    b.output(b.node("Conv",
                    {h, b.constant("w2", pattern({8, 5, 1, 1}, -1, 1, 4)),
                     b.constant("b2", pattern({8}, -1, 1, 5))},
                    Attrs{{"ei_activation", std::string("HardSigmoid")},
                          {"ei_activation_params", std::vector<float>{0.3f, 0.4f}}}));
    const GpuResult gpu = run_vulkan(b);
    check_outputs(b, gpu);
    INFO(gpu.plan);
    CHECK(dispatch_count(gpu.plan) == 1);
  }
  SECTION("MatMul chains (fused to Gemms) with reshapes between, as mediapipe's") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", pattern({1, 300}));
    auto dense = [&](ir::ValueId in, int64_t k, int64_t n, const char* act, uint32_t seed,
                     const char* w, const char* shape, const char* bias) {
      const ir::ValueId m =
          b.node("MatMul", {in, b.constant(w, pattern({k, n}, -0.1f, 0.1f, seed))});
      const ir::ValueId r =
          b.node("Reshape", {m, b.constant(shape, HostTensor::i64({4}, {1, 1, 1, n}))});
      const ir::ValueId s = b.node("Add", {r, b.constant(bias, pattern({n}, -1, 1, seed + 1))});
      return b.node(act, {s});
    };
    const ir::ValueId h = dense(x, 300, 70, "Relu", 2, "w1", "s1", "b1");
    const ir::ValueId flat =
        b.node("Reshape", {h, b.constant("flat", HostTensor::i64({2}, {1, 70}))});
    b.output(dense(flat, 70, 300, "Sigmoid", 4, "w2", "s2", "b2"));
    const GpuResult gpu = run_vulkan(b);
    check_outputs(b, gpu);
    INFO(gpu.plan);
    CHECK(dispatch_count(gpu.plan) == 1);
  }
}

TEST_CASE("vulkan graph: fp16 weights in the dense pair", "[vulkan][graph][fp16]") {
  // dense_pair.comp reads four weight bindings; the models' weights are fp16 values already, so
  // only patterns show that the fp16 loads are used and right.
  GraphBuilder b;
  const ir::ValueId x = b.input("x", pattern({1, 8, 1, 1}));
  const ir::ValueId h = b.node("Conv",
                               {x, b.constant("w1", pattern({5, 8, 1, 1}, -1, 1, 2)),
                                b.constant("b1", pattern({5}, -1, 1, 3))},
                               Attrs{{"ei_activation", std::string("Relu")}});
  b.output(b.node("Conv", {h, b.constant("w2", pattern({8, 5, 1, 1}, -1, 1, 4)),
                           b.constant("b2", pattern({8}, -1, 1, 5))}));
  const GpuResult fp32 = run_vulkan(b);
  const GpuResult fp16 = run_vulkan(b, true);
  INFO(fp32.plan << fp16.plan);
  CHECK(dispatch_count(fp16.plan) == 1);
  CHECK(fp16.plan.find("(fp16 storage)") != std::string::npos);
  auto weight_bytes = [](const std::string& plan) {
    return std::stoul(plan.substr(plan.find("weights ") + 8));
  };
  CHECK(weight_bytes(fp16.plan) < weight_bytes(fp32.plan));
  const std::vector<HostTensor> want = reference(b);
  REQUIRE(fp16.outputs.size() == 1);
  const float error = max_abs_diff(fp16.outputs[0], want[0]);
  const float rounding = max_abs_diff(fp16.outputs[0], fp32.outputs[0]);
  INFO("|fp16 - reference| " << error << ", |fp16 - fp32| " << rounding);
  CHECK(error <= 1e-2f);
  CHECK(rounding > 0.0f);
}
