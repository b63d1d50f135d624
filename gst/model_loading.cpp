#include "model_loading.h"

// Internal header: the public API has no default-model lookup yet, and the element must use
// the engine's search path (docs/models.md) rather than a copy of it.
#include "import/default_model.h"

namespace edgeinfer::gst {

Result<LoadedModel> load_model(const ModelSettings& settings) {
  EI_ASSIGN_OR_RETURN(const std::string path,
                      import::find_default_model(import::kDefaultModelFile, settings.model));
  Options options;
  options.backend = settings.backend;
  options.threads = settings.threads;
  options.memory_mode = settings.memory_mode;
  options.weights = settings.weights;
  options.cpu_layout = settings.layout;
  EI_ASSIGN_OR_RETURN(Model model, Model::load(path, options));
  if (model.inputs().empty() || model.outputs().empty()) {
    return error(StatusCode::kUnsupported, path + ": the model has no inputs or no outputs");
  }
  EI_ASSIGN_OR_RETURN(Session session, model.create_session());
  return LoadedModel{std::move(model), std::move(session)};
}

}  // namespace edgeinfer::gst
