// The C API (edgeinfer_c.h): thin handles around the C++ API. Every entry point catches
// everything, so no C++ exception reaches C code; errors become an ei_status and a message.
#include "edgeinfer/edgeinfer_c.h"

#include <charconv>
#include <exception>
#include <functional>
#include <map>
#include <new>
#include <string>
#include <system_error>
#include <utility>

#include "edgeinfer/edgeinfer.h"
#include "ir/tensor_size.h"

using edgeinfer::DType;
using edgeinfer::Model;
using edgeinfer::Options;
using edgeinfer::Result;
using edgeinfer::Session;
using edgeinfer::Shape;
using edgeinfer::Status;
using edgeinfer::StatusCode;
using edgeinfer::TensorView;

struct ei_options {
  Options options;
};

struct ei_model {
  Model model;
};

struct ei_session {
  Model model;  // keeps the model alive for the session's lifetime
  Session session;
  std::string last_error;
  // Shapes handed out as ei_tensor::dims, one slot per tensor asked for, so the pointers stay
  // valid while that tensor's shape does not change.
  std::map<std::string, Shape> dims;
};

namespace {

thread_local std::string g_last_error;

static_assert(static_cast<int>(StatusCode::kInternal) == EI_INTERNAL, "status codes drifted");
static_assert(static_cast<int>(DType::kBool) == EI_DTYPE_BOOL, "dtypes drifted");

ei_status record(ei_session* session, const Status& status) {
  if (status.is_ok()) return EI_OK;
  std::string message = status.to_string();
  if (session) {
    try {
      session->last_error = message;
    } catch (...) {
    }
  }
  g_last_error = std::move(message);
  return static_cast<ei_status>(status.code());
}

// Runs `body` (returning a Status) with every exception turned into an error.
template <typename F>
ei_status guarded(ei_session* session, F&& body) noexcept {
  try {
    return record(session, body());
  } catch (const std::bad_alloc&) {
    try {
      g_last_error = "out of memory";
    } catch (...) {
    }
    return EI_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    try {
      return record(session, Status(StatusCode::kInternal, e.what()));
    } catch (...) {
      return EI_INTERNAL;
    }
  } catch (...) {
    try {
      return record(session, Status(StatusCode::kInternal, "unknown exception"));
    } catch (...) {
      return EI_INTERNAL;
    }
  }
}

Status null_argument(const char* what) {
  return Status(StatusCode::kInvalidArgument, std::string(what) + " is NULL");
}

bool valid_dtype(int dtype) {
  return dtype > EI_DTYPE_UNDEFINED && dtype <= EI_DTYPE_BOOL;
}

void fill_info(const edgeinfer::TensorInfo& info, ei_tensor_info* out) {
  out->name = info.name.c_str();
  out->dtype = static_cast<ei_dtype>(info.dtype);
  out->rank = info.shape.size();
  out->dims = info.shape.empty() ? nullptr : info.shape.data();
}

Status fill_tensor(ei_session* s, const std::string& key, const Result<TensorView>& view,
                   ei_tensor* out) {
  if (!view) return view.status();
  Shape& slot = s->dims[key];
  if (slot != view->shape) slot = view->shape;
  out->dtype = static_cast<ei_dtype>(view->dtype);
  out->rank = slot.size();
  out->dims = slot.empty() ? nullptr : slot.data();
  out->data = view->data;
  out->size_bytes = view->bytes();
  return Status::ok();
}

Status model_info(const ei_model* model, size_t index, ei_tensor_info* info, bool inputs) {
  if (!model) return null_argument("model");
  if (!info) return null_argument("info");
  const auto& list = inputs ? model->model.inputs() : model->model.outputs();
  if (index >= list.size()) {
    return Status(StatusCode::kInvalidArgument,
                  std::string(inputs ? "input" : "output") + " index " + std::to_string(index) +
                      " is out of range (the model has " + std::to_string(list.size()) + ")");
  }
  fill_info(list[index], info);
  return Status::ok();
}

ei_status load(ei_model** model, const ei_options* options,
               const std::function<Result<Model>(const Options&)>& loader) {
  if (model) *model = nullptr;
  return guarded(nullptr, [&]() -> Status {
    if (!model) return null_argument("model (out)");
    const Options opts = options ? options->options : Options{};
    auto loaded = loader(opts);
    if (!loaded) return loaded.status();
    *model = new ei_model{std::move(loaded).value()};
    return Status::ok();
  });
}

template <typename F>
ei_status with_options(ei_options* options, F&& body) {
  return guarded(nullptr, [&]() -> Status {
    if (!options) return null_argument("options");
    return body(options->options);
  });
}

}  // namespace

extern "C" {

const char* ei_version(void) {
  return edgeinfer::version();
}

const char* ei_status_name(ei_status status) {
  if (static_cast<int>(status) < 0 || static_cast<int>(status) > EI_INTERNAL) return "unknown";
  return edgeinfer::status_code_name(static_cast<StatusCode>(status));
}

size_t ei_dtype_size(ei_dtype dtype) {
  return valid_dtype(dtype) ? edgeinfer::dtype_size(static_cast<DType>(dtype)) : 0;
}

const char* ei_last_error(void) {
  return g_last_error.c_str();
}

ei_options* ei_options_create(void) {
  try {
    return new ei_options{};
  } catch (...) {
    try {
      g_last_error = "out of memory";
    } catch (...) {
    }
    return nullptr;
  }
}

void ei_options_free(ei_options* options) {
  delete options;
}

ei_status ei_options_set_backend(ei_options* options, ei_backend backend) {
  return with_options(options, [&](Options& o) -> Status {
    if (static_cast<int>(backend) < 0 || static_cast<int>(backend) > EI_BACKEND_VULKAN) {
      return Status(StatusCode::kInvalidArgument, "unknown backend " + std::to_string(backend));
    }
    o.backend = static_cast<edgeinfer::Backend>(backend);
    return Status::ok();
  });
}

ei_status ei_options_set_threads(ei_options* options, int threads) {
  return with_options(options, [&](Options& o) -> Status {
    if (threads < 0) {
      return Status(StatusCode::kInvalidArgument,
                    "threads must be 0 (one per core) or more, got " + std::to_string(threads));
    }
    o.threads = threads;
    return Status::ok();
  });
}

ei_status ei_options_set_memory_mode(ei_options* options, ei_memory_mode mode) {
  return with_options(options, [&](Options& o) -> Status {
    if (static_cast<int>(mode) < 0 || static_cast<int>(mode) > EI_MEMORY_PLANNED) {
      return Status(StatusCode::kInvalidArgument, "unknown memory mode " + std::to_string(mode));
    }
    o.memory_mode = static_cast<edgeinfer::MemoryMode>(mode);
    return Status::ok();
  });
}

ei_status ei_options_set_weights_mode(ei_options* options, ei_weights_mode mode) {
  return with_options(options, [&](Options& o) -> Status {
    if (mode != EI_WEIGHTS_LOAD && mode != EI_WEIGHTS_MAPPED) {
      return Status(StatusCode::kInvalidArgument, "unknown weights mode " + std::to_string(mode));
    }
    o.weights = static_cast<edgeinfer::WeightsMode>(mode);
    return Status::ok();
  });
}

ei_status ei_options_set_cache_dir(ei_options* options, const char* path) {
  return with_options(options, [&](Options& o) -> Status {
    o.cache_dir = path ? path : "";
    return Status::ok();
  });
}

ei_status ei_options_add_keep_tensor(ei_options* options, const char* name) {
  return with_options(options, [&](Options& o) -> Status {
    if (!name || !*name) return Status(StatusCode::kInvalidArgument, "tensor name is empty");
    o.keep_tensors.emplace_back(name);
    return Status::ok();
  });
}

ei_status ei_options_set_dim_value(ei_options* options, const char* name, int64_t value) {
  return with_options(options, [&](Options& o) -> Status {
    if (!name || !*name) return Status(StatusCode::kInvalidArgument, "dim name is empty");
    if (value < 0) {
      return Status(StatusCode::kInvalidArgument,
                    "dim '" + std::string(name) + "' must be >= 0, got " + std::to_string(value));
    }
    o.dim_values[name] = value;
    return Status::ok();
  });
}

ei_status ei_options_set_algorithm(ei_options* options, const char* node_or_op,
                                   const char* algorithm) {
  return with_options(options, [&](Options& o) -> Status {
    if (!node_or_op || !*node_or_op || !algorithm) {
      return Status(StatusCode::kInvalidArgument, "algorithm override needs a name and a value");
    }
    o.algorithms[node_or_op] = algorithm;
    return Status::ok();
  });
}

ei_status ei_options_set(ei_options* options, const char* key, const char* value) {
  return with_options(options, [&](Options& o) -> Status {
    if (!key) return null_argument("key");
    if (!value) return null_argument("value");
    const std::string k = key;
    const std::string v = value;
    if (k == "backend") {
      auto b = edgeinfer::parse_backend(v);
      if (!b) return b.status();
      o.backend = *b;
    } else if (k == "threads") {
      int threads = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), threads);
      if (ec != std::errc() || ptr != v.data() + v.size() || threads < 0) {
        return Status(StatusCode::kInvalidArgument,
                      "threads must be an integer >= 0, got '" + v + "'");
      }
      o.threads = threads;
    } else if (k == "memory_mode" || k == "memory-mode") {
      auto m = edgeinfer::parse_memory_mode(v);
      if (!m) return m.status();
      o.memory_mode = *m;
    } else if (k == "weights") {
      auto w = edgeinfer::parse_weights_mode(v);
      if (!w) return w.status();
      o.weights = *w;
    } else if (k == "cache_dir" || k == "cache-dir") {
      o.cache_dir = v;
    } else if (k == "autotune") {
      if (v != "0" && v != "1" && v != "false" && v != "true") {
        return Status(StatusCode::kInvalidArgument,
                      "autotune must be 0, 1, false or true, got '" + v + "'");
      }
      o.autotune = v == "1" || v == "true";
    } else if (k == "layout") {
      auto layout = edgeinfer::parse_cpu_layout(v);
      if (!layout) return layout.status();
      o.cpu_layout = *layout;
    } else if (k == "keep") {
      if (v.empty()) return Status(StatusCode::kInvalidArgument, "tensor name is empty");
      o.keep_tensors.push_back(v);
    } else {
      return Status(
          StatusCode::kInvalidArgument,
          "unknown option '" + k +
              "' (expected backend, threads, memory_mode, weights, cache_dir, autotune, layout "
              "or keep)");
    }
    return Status::ok();
  });
}

ei_status ei_model_load(const char* path, const ei_options* options, ei_model** model) {
  return load(model, options, [&](const Options& opts) -> Result<Model> {
    if (!path) return null_argument("path");
    return Model::load(path, opts);
  });
}

ei_status ei_model_load_from_memory(const void* data, size_t size, const char* name,
                                    const ei_options* options, ei_model** model) {
  return load(model, options, [&](const Options& opts) -> Result<Model> {
    if (!data && size) return null_argument("data");
    return Model::load_from_memory(data, size, name ? name : "<memory>", opts);
  });
}

void ei_model_free(ei_model* model) {
  delete model;
}

size_t ei_model_input_count(const ei_model* model) {
  return model ? model->model.inputs().size() : 0;
}

size_t ei_model_output_count(const ei_model* model) {
  return model ? model->model.outputs().size() : 0;
}

ei_status ei_model_input_info(const ei_model* model, size_t index, ei_tensor_info* info) {
  return guarded(nullptr, [&] { return model_info(model, index, info, true); });
}

ei_status ei_model_output_info(const ei_model* model, size_t index, ei_tensor_info* info) {
  return guarded(nullptr, [&] { return model_info(model, index, info, false); });
}

ei_status ei_session_create(const ei_model* model, ei_session** session) {
  if (session) *session = nullptr;
  return guarded(nullptr, [&]() -> Status {
    if (!model) return null_argument("model");
    if (!session) return null_argument("session (out)");
    auto created = model->model.create_session();
    if (!created) return created.status();
    *session = new ei_session{model->model, std::move(created).value(), {}, {}};
    return Status::ok();
  });
}

void ei_session_free(ei_session* session) {
  delete session;
}

const char* ei_session_last_error(const ei_session* session) {
  return session ? session->last_error.c_str() : "";
}

size_t ei_session_input_count(const ei_session* session) {
  return session ? session->session.input_count() : 0;
}

size_t ei_session_output_count(const ei_session* session) {
  return session ? session->session.output_count() : 0;
}

ei_status ei_session_input(ei_session* session, size_t index, ei_tensor* tensor) {
  return guarded(session, [&]() -> Status {
    if (!session) return null_argument("session");
    if (!tensor) return null_argument("tensor");
    return fill_tensor(session, "in#" + std::to_string(index), session->session.input(index),
                       tensor);
  });
}

ei_status ei_session_input_by_name(ei_session* session, const char* name, ei_tensor* tensor) {
  return guarded(session, [&]() -> Status {
    if (!session) return null_argument("session");
    if (!name) return null_argument("name");
    if (!tensor) return null_argument("tensor");
    return fill_tensor(session, std::string("name#") + name, session->session.input(name), tensor);
  });
}

ei_status ei_session_set_input(ei_session* session, const char* name, ei_dtype dtype,
                               const int64_t* dims, size_t rank, const void* data,
                               size_t size_bytes) {
  return guarded(session, [&]() -> Status {
    if (!session) return null_argument("session");
    if (!name) return null_argument("name");
    if (!valid_dtype(dtype)) {
      return Status(StatusCode::kInvalidArgument,
                    "input '" + std::string(name) + "': invalid dtype " + std::to_string(dtype));
    }
    if (rank && !dims) return null_argument("dims");
    if (rank > 64) {
      return Status(StatusCode::kInvalidArgument, "input '" + std::string(name) + "': rank " +
                                                      std::to_string(rank) + " is too large");
    }
    TensorView view;
    view.dtype = static_cast<DType>(dtype);
    view.shape.assign(dims, dims + rank);
    auto elements = edgeinfer::ir::checked_elements(view.shape);
    if (!elements) {
      return Status(StatusCode::kInvalidArgument,
                    "input '" + std::string(name) + "': " + elements.status().message());
    }
    const size_t need = static_cast<size_t>(*elements) * edgeinfer::dtype_size(view.dtype);
    if (need != size_bytes) {
      return Status(StatusCode::kInvalidArgument,
                    "input '" + std::string(name) + "': " + edgeinfer::dtype_name(view.dtype) +
                        " " + edgeinfer::shape_to_string(view.shape) + " needs " +
                        std::to_string(need) + " bytes, got " + std::to_string(size_bytes));
    }
    if (need && !data) return null_argument("data");
    view.data = const_cast<void*>(data);
    return session->session.set_input(name, view);
  });
}

ei_status ei_session_run(ei_session* session) {
  return guarded(session, [&]() -> Status {
    if (!session) return null_argument("session");
    return session->session.run();
  });
}

ei_status ei_session_output(ei_session* session, size_t index, ei_tensor* tensor) {
  return guarded(session, [&]() -> Status {
    if (!session) return null_argument("session");
    if (!tensor) return null_argument("tensor");
    return fill_tensor(session, "out#" + std::to_string(index), session->session.output(index),
                       tensor);
  });
}

ei_status ei_session_output_by_name(ei_session* session, const char* name, ei_tensor* tensor) {
  return guarded(session, [&]() -> Status {
    if (!session) return null_argument("session");
    if (!name) return null_argument("name");
    if (!tensor) return null_argument("tensor");
    return fill_tensor(session, std::string("name#") + name, session->session.output(name), tensor);
  });
}

ei_status ei_session_tensor(ei_session* session, const char* name, ei_tensor* tensor) {
  return guarded(session, [&]() -> Status {
    if (!session) return null_argument("session");
    if (!name) return null_argument("name");
    if (!tensor) return null_argument("tensor");
    return fill_tensor(session, std::string("name#") + name, session->session.tensor(name), tensor);
  });
}

ei_status ei_session_get_stats(const ei_session* session, ei_session_stats* stats) {
  return guarded(nullptr, [&]() -> Status {
    if (!session) return null_argument("session");
    if (!stats) return null_argument("stats");
    const edgeinfer::SessionStats s = session->session.stats();
    stats->arena_bytes = s.arena_bytes;
    stats->lower_bound_bytes = s.lower_bound_bytes;
    stats->weights_bytes = s.weights_bytes;
    stats->peak_allocated_bytes = s.peak_allocated_bytes;
    stats->runs = s.runs;
    return Status::ok();
  });
}

}  // extern "C"
