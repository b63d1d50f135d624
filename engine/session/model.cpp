// Model::load: file -> importer -> IR -> checks. The model is immutable afterwards.
#include "cpu/blocked_layout.h"
#include "cpu/kernel.h"
#include "edgeinfer/edgeinfer.h"
#include "import/importer.h"
#include "passes/pass.h"
#include "planner/constant_mapping.h"
#include "session/kernel_shape_rules.h"
#include "session/model_impl.h"

namespace edgeinfer {

namespace {

TensorInfo info_of(const ir::Value& v) {
  return TensorInfo{v.name, v.dtype, v.has_shape ? v.static_shape() : Shape{}};
}

// Weights mode `mapped`: what the importer could not point into the file goes to the weight
// cache and is mapped from there. Without a usable cache folder those constants simply stay
// private (SessionStats::weights_private_bytes shows it); loading does not fail for that.
void map_remaining_constants(ModelImpl& impl, const import::ModelBytes& bytes) {
  auto store = planner::WeightStore::open(impl.options.cache_dir,
                                          planner::model_cache_key(bytes.data, bytes.size));
  if (!store) return;
  impl.weight_store = *store;
  (void)planner::map_private_constants(impl.graph, **store,
                                       std::string("constants-") + EDGEINFER_VERSION);
}

Result<Model> finish_load(const import::ModelBytes& bytes, const Options& options,
                          Model (*make)(std::shared_ptr<const ModelImpl>)) {
  if (options.threads < 0) {
    return error(StatusCode::kInvalidArgument, "threads must be 0 (one per core) or more, got " +
                                                   std::to_string(options.threads));
  }
  import::ImportOptions import_options;
  import_options.dim_values = options.dim_values;
  import_options.map_weights = options.weights == WeightsMode::kMapped;
  // The kernels' own shape rules (what the passes apply after folding): where they type the
  // whole graph, loading needs no ONNX shape inference.
  import_options.own_shape_inference = [&options](ir::Graph& graph) {
    load_detail::infer_types_from_kernels(graph, options.fed_initializers);
  };
  auto graph = import::import_model(bytes, import_options);
  if (!graph) return graph.status();
  auto impl = std::make_shared<ModelImpl>();
  impl->path = bytes.name;
  impl->options = options;
  impl->graph = std::move(graph).value();
  EI_RETURN_IF_ERROR(impl->graph.validate().with_context(bytes.name));
  passes::PassOptions pass_options;
  pass_options.keep = options.keep_tensors;
  pass_options.overridable_inputs = options.fed_initializers;
  for (const std::string& name : options.fed_initializers) {
    const ir::ValueId id = impl->graph.find_value(name);
    if (id == ir::kNoValue || !impl->graph.value(id).overridable) {
      return error(StatusCode::kInvalidArgument,
                   bytes.name + ": '" + name +
                       "' in fed_initializers is not an initializer the model lists as an input");
    }
  }
  for (const std::string& name : options.keep_tensors) {
    if (impl->graph.find_value(name) == ir::kNoValue) {
      return error(StatusCode::kNotFound,
                   bytes.name + ": tensor '" + name + "' asked to keep is not in the model");
    }
  }
  EI_RETURN_IF_ERROR(
      passes::run_default_passes(impl->graph, pass_options).with_context(bytes.name));
  if (options.weights == WeightsMode::kMapped) map_remaining_constants(*impl, bytes);
  import::release_file_pages(bytes);
  for (const ir::Node& node : impl->graph.nodes) {
    // The executor's internal ops (the layout reorder) never come from a model file.
    const bool known = (node.domain.empty() || node.domain == "ai.onnx") &&
                       node.op_type != cpu::kReorderOp &&
                       cpu::reference_kernels().find(node.op_type) != nullptr;
    if (!known) {
      return error(StatusCode::kUnsupported,
                   bytes.name + ": " + node.describe() + ": operator is not supported");
    }
  }
  for (ir::ValueId id : impl->graph.inputs)
    impl->inputs.push_back(info_of(impl->graph.value(id)));
  for (ir::ValueId id : impl->graph.outputs) {
    impl->outputs.push_back(info_of(impl->graph.value(id)));
  }
  return make(std::move(impl));
}

}  // namespace

Result<Model> Model::load(const std::string& path, const Options& options) {
  auto bytes = import::map_model_file(path);
  if (!bytes) return bytes.status();
  return finish_load(*bytes, options,
                     [](std::shared_ptr<const ModelImpl> impl) { return Model(std::move(impl)); });
}

Result<Model> Model::load_from_memory(const void* data, size_t size, const std::string& name,
                                      const Options& options) {
  if (!data || size == 0) {
    return error(StatusCode::kInvalidModel, name + ": model data is empty");
  }
  auto copy = std::make_shared<std::vector<unsigned char>>(
      static_cast<const unsigned char*>(data), static_cast<const unsigned char*>(data) + size);
  import::ModelBytes bytes;
  bytes.data = copy->data();
  bytes.size = copy->size();
  bytes.keepalive = copy;
  bytes.name = name;
  return finish_load(bytes, options,
                     [](std::shared_ptr<const ModelImpl> impl) { return Model(std::move(impl)); });
}

const std::string& Model::path() const {
  return impl_->path;
}
const std::vector<TensorInfo>& Model::inputs() const {
  return impl_->inputs;
}
const std::vector<TensorInfo>& Model::outputs() const {
  return impl_->outputs;
}
const Options& Model::options() const {
  return impl_->options;
}
std::string Model::graph_text() const {
  return impl_->graph.to_string();
}

}  // namespace edgeinfer
