// edgeinfer: output tensors as GstEdgeinferTensorMeta, read by a pad probe and compared with
// the engine run directly; pre-processing options; video passes through unchanged.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "edgeinfer-tensor-meta.h"
#include "edgeinfer/edgeinfer.h"
#include "pipeline_helpers.h"

using namespace gsttest;

namespace {

struct SeenTensor {
  std::string name;
  GstEdgeinferDType dtype;
  std::vector<int64_t> dims;
  std::vector<float> values;
};

GstPadProbeReturn read_meta(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* seen = static_cast<std::vector<std::vector<SeenTensor>>*>(data);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  std::vector<SeenTensor> tensors;
  if (const GstEdgeinferTensorMeta* meta = gst_buffer_get_edgeinfer_tensor_meta(buffer)) {
    for (guint i = 0; i < meta->n_tensors; ++i) {
      const GstEdgeinferTensor& t = meta->tensors[i];
      SeenTensor s{t.name, t.dtype, std::vector<int64_t>(t.dims, t.dims + t.n_dims), {}};
      if (t.dtype == GST_EDGEINFER_DTYPE_FLOAT32) {
        const auto* f = static_cast<const float*>(t.data);
        s.values.assign(f, f + t.size / sizeof(float));
      }
      tensors.push_back(std::move(s));
    }
  }
  seen->push_back(std::move(tensors));
  return GST_PAD_PROBE_OK;
}

gsttest::PipelineHook probe_on(const char* element, std::vector<std::vector<SeenTensor>>& seen) {
  return [element, &seen](GstElement* pipeline) {
    GstElement* e = gst_bin_get_by_name(GST_BIN(pipeline), element);
    GstPad* pad = gst_element_get_static_pad(e, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, read_meta, &seen, nullptr);
    gst_object_unref(pad);
    gst_object_unref(e);
  };
}

float max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

}  // namespace

TEST_CASE("edgeinfer attaches the model's outputs as meta and passes video unchanged", "[meta]") {
  const Image original = astronaut_rgb(256, 256);
  std::vector<std::vector<SeenTensor>> seen;
  RunResult run;
  run_pipeline("filesrc location=" + astronaut_path() +
                   " ! pngdec ! videoconvert ! videoscale ! "
                   "video/x-raw,format=RGB,width=256,height=256 ! imagefreeze num-buffers=2 ! "
                   "edgeinfer ! appsink name=out",
               run, probe_on("out", seen));
  REQUIRE(run.error == "");
  REQUIRE(run.samples.size() == 2);
  REQUIRE(seen.size() == 2);
  // The default model (no model property) on a 256x256 frame: the element's resize is the
  // identity, so its tensor must match the engine's own run on the same pixels.
  const std::vector<float> reference = reference_probability(original);
  for (const auto& tensors : seen) {
    REQUIRE(tensors.size() == 1);
    const SeenTensor& t = tensors[0];
    CHECK(!t.name.empty());
    CHECK(t.dtype == GST_EDGEINFER_DTYPE_FLOAT32);
    CHECK(t.dims == std::vector<int64_t>{1, 256, 256, 1});
    // The element scales by 1/255 as a multiplication, the reference divides: last-bit
    // differences in the input, which the fast kernels' float32 accumulation (rounding at every
    // layer, unlike the reference kernels' double) carries to about 2e-5 in the output; 1e-4 is
    // the tolerance the engine is held to against ONNX Runtime.
    CHECK(max_difference(t.values, reference) <= 1e-4f);
  }
  for (GstSample* s : run.samples)
    CHECK(sample_to_image(s).pixels == original.pixels);
}

TEST_CASE("edgeinfer applies colour order, mean, scale and NCHW from its properties", "[meta]") {
  // SINet: NCHW, BGR, (pixel - mean) * scale. The reference input is built here by hand.
  const std::string model = models_dir() + "/SINet_Softmax_simple.onnx";
  const float mean[3] = {102.890434f, 111.25247f, 126.91212f};
  const float scale[3] = {1 / 62.93292f, 1 / 62.82138f, 1 / 66.355705f};
  const Image rgb = astronaut_rgb(320, 320);
  std::vector<std::vector<SeenTensor>> seen;
  RunResult run;
  char props[256];
  g_snprintf(props, sizeof props, "mean=\"%.6f,%.6f,%.6f\" scale=\"%.9f,%.9f,%.9f\"", mean[0],
             mean[1], mean[2], scale[0], scale[1], scale[2]);
  run_pipeline("filesrc location=" + astronaut_path() +
                   " ! pngdec ! videoconvert ! videoscale ! "
                   "video/x-raw,format=RGB,width=320,height=320 ! imagefreeze num-buffers=1 ! "
                   "edgeinfer model=" +
                   model + " color-order=bgr layout=nchw " + props + " ! appsink name=out",
               run, probe_on("out", seen));
  REQUIRE(run.error == "");
  REQUIRE(seen.size() == 1);
  REQUIRE(seen[0].size() == 1);

  auto loaded = edgeinfer::Model::load(model);
  REQUIRE(loaded);
  auto session = loaded->create_session();
  REQUIRE(session);
  auto input = session->input(0);
  REQUIRE(input);
  REQUIRE(input->elements() == 3 * 320 * 320);
  float* in = input->as<float>();
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < 320 * 320; ++i) {
      in[c * 320 * 320 + i] = (rgb.pixels[i * 3 + (2 - c)] - mean[c]) * scale[c];
    }
  }
  REQUIRE(session->run());
  auto out = session->output(0);
  REQUIRE(out);
  const std::vector<float> reference(out->as<float>(), out->as<float>() + out->elements());
  CHECK(seen[0][0].dims == std::vector<int64_t>{1, 2, 320, 320});
  CHECK(max_difference(seen[0][0].values, reference) <= 1e-4f);
}

TEST_CASE("edgeinfer reports bad settings at the state change", "[errors]") {
  for (const std::string& element :
       {std::string("edgeinfer model=/nonexistent/m.onnx"), std::string("edgeinfer mean=1,2")}) {
    INFO(element);
    RunResult run;
    run_pipeline(
        "videotestsrc num-buffers=1 ! video/x-raw,width=64,height=48 ! " + element + " ! fakesink",
        run);
    CHECK_FALSE(run.started);
    CHECK(run.error != "");
  }
}
