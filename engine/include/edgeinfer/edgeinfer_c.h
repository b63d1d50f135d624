/* EdgeInfer C API: load a model, run it, read its outputs, from plain C.
 *
 *   ei_options* opts = ei_options_create();
 *   ei_options_set_threads(opts, 2);
 *   ei_model* model = NULL;
 *   if (ei_model_load("selfie.tflite", opts, &model) != EI_OK)
 *     fprintf(stderr, "%s\n", ei_last_error());
 *   ei_session* session = NULL;
 *   ei_session_create(model, &session);
 *   ei_tensor in;
 *   ei_session_input(session, 0, &in);           // write in.data (in.size_bytes bytes)
 *   ei_session_run(session);
 *   ei_tensor out;
 *   ei_session_output(session, 0, &out);         // read out.data
 *   ei_session_free(session); ei_model_free(model); ei_options_free(opts);
 *
 * Errors: every fallible function returns an ei_status. Its message is kept in a
 * thread-local buffer (ei_last_error()) and, for functions taking a session, on the session
 * too (ei_session_last_error()). No C++ exception crosses this boundary.
 *
 * Lifetimes: a session keeps its model alive, so ei_model_free may come first. Pointers
 * returned in ei_tensor_info stay valid while the model lives; those in ei_tensor (data and
 * dims) until the next ei_session_set_input / ei_session_run / ei_session_free on that
 * session. Sessions are not thread-safe; models may be shared between threads.
 */
#ifndef EDGEINFER_EDGEINFER_C_H_
#define EDGEINFER_EDGEINFER_C_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Mirrors edgeinfer::StatusCode. */
typedef enum ei_status {
  EI_OK = 0,
  EI_INVALID_ARGUMENT = 1,
  EI_NOT_FOUND = 2,
  EI_INVALID_MODEL = 3,
  EI_UNSUPPORTED = 4,
  EI_DATA_REMOVED = 5,
  EI_IO_ERROR = 6,
  EI_OUT_OF_MEMORY = 7,
  EI_BACKEND_UNAVAILABLE = 8,
  EI_INTERNAL = 9
} ei_status;

/* Mirrors edgeinfer::DType. */
typedef enum ei_dtype {
  EI_DTYPE_UNDEFINED = 0,
  EI_DTYPE_FLOAT32 = 1,
  EI_DTYPE_FLOAT16 = 2,
  EI_DTYPE_FLOAT64 = 3,
  EI_DTYPE_INT8 = 4,
  EI_DTYPE_UINT8 = 5,
  EI_DTYPE_INT16 = 6,
  EI_DTYPE_UINT16 = 7,
  EI_DTYPE_INT32 = 8,
  EI_DTYPE_UINT32 = 9,
  EI_DTYPE_INT64 = 10,
  EI_DTYPE_UINT64 = 11,
  EI_DTYPE_BOOL = 12, /* one byte per element, 0 or 1 */
  EI_DTYPE_MAX_ENUM = 0x7fffffff /* not a type: see EI_BACKEND_MAX_ENUM */
} ei_dtype;

typedef enum ei_backend {
  EI_BACKEND_AUTO = 0,
  EI_BACKEND_CPU = 1,
  EI_BACKEND_VULKAN = 2,
  /* Not a backend: makes every int a valid ei_backend, so the library can reject a bad value
     instead of C++ reading an out-of-range enum (undefined behaviour). */
  EI_BACKEND_MAX_ENUM = 0x7fffffff
} ei_backend;

typedef enum ei_memory_mode {
  EI_MEMORY_SEPARATE = 0,
  EI_MEMORY_REDUCE = 1,
  EI_MEMORY_REUSE = 2,
  EI_MEMORY_PLANNED = 3,
  EI_MEMORY_MAX_ENUM = 0x7fffffff /* not a mode: see EI_BACKEND_MAX_ENUM */
} ei_memory_mode;

typedef enum ei_weights_mode {
  EI_WEIGHTS_LOAD = 0,
  EI_WEIGHTS_MAPPED = 1,
  EI_WEIGHTS_MAX_ENUM = 0x7fffffff /* not a mode: see EI_BACKEND_MAX_ENUM */
} ei_weights_mode;

typedef struct ei_options ei_options;
typedef struct ei_model ei_model;
typedef struct ei_session ei_session;

/* Static description of a model input or output. Dims the model leaves open are -1. */
typedef struct ei_tensor_info {
  const char* name;
  ei_dtype dtype;
  size_t rank;
  const int64_t* dims; /* `rank` entries (NULL for a scalar) */
} ei_tensor_info;

/* A tensor held by a session. */
typedef struct ei_tensor {
  ei_dtype dtype;
  size_t rank;
  const int64_t* dims;
  void* data; /* writable for inputs; treat outputs as read-only */
  size_t size_bytes;
} ei_tensor;

typedef struct ei_session_stats {
  size_t arena_bytes;
  size_t lower_bound_bytes;
  size_t weights_bytes;
  size_t peak_allocated_bytes;
  int64_t runs;
} ei_session_stats;

/* Library version, e.g. "0.1.0". */
const char* ei_version(void);
/* "ok", "invalid argument", ... */
const char* ei_status_name(ei_status status);
/* Bytes per element; 0 for EI_DTYPE_UNDEFINED or an unknown value. */
size_t ei_dtype_size(ei_dtype dtype);
/* Message of the last failed call on this thread ("" if none). Valid until the next call. */
const char* ei_last_error(void);

/* Options (defaults: backend auto, 1 thread, planned memory, weights loaded). */
ei_options* ei_options_create(void); /* NULL only when out of memory */
void ei_options_free(ei_options* options);
ei_status ei_options_set_backend(ei_options* options, ei_backend backend);
ei_status ei_options_set_threads(ei_options* options, int threads); /* 0 = one per core */
ei_status ei_options_set_memory_mode(ei_options* options, ei_memory_mode mode);
ei_status ei_options_set_weights_mode(ei_options* options, ei_weights_mode mode);
ei_status ei_options_set_cache_dir(ei_options* options, const char* path);
/* Keeps intermediate tensor `name` readable after a run (ei_session_tensor). */
ei_status ei_options_add_keep_tensor(ei_options* options, const char* name);
/* Value of a named dynamic dimension (others default to 1). */
ei_status ei_options_set_dim_value(ei_options* options, const char* name, int64_t value);
/* Algorithm override for a node name or op type ("conv1" -> "winograd"). */
ei_status ei_options_set_algorithm(ei_options* options, const char* node_or_op,
                                   const char* algorithm);
/* Sets an option from text: "backend", "threads", "memory_mode", "weights", "cache_dir",
 * "autotune" ("1"/"true": time each layer's algorithms at load, cached in the cache folder),
 * "layout" ("auto", "nchw" or "nchwc": the CPU's blocked channel layout), "keep" (adds one). For configuration files and command lines. */
ei_status ei_options_set(ei_options* options, const char* key, const char* value);

/* Models. `options` may be NULL (defaults). On failure *model is NULL. */
ei_status ei_model_load(const char* path, const ei_options* options, ei_model** model);
/* The bytes are copied; `name` is used in error messages. */
ei_status ei_model_load_from_memory(const void* data, size_t size, const char* name,
                                    const ei_options* options, ei_model** model);
void ei_model_free(ei_model* model);
size_t ei_model_input_count(const ei_model* model);
size_t ei_model_output_count(const ei_model* model);
ei_status ei_model_input_info(const ei_model* model, size_t index, ei_tensor_info* info);
ei_status ei_model_output_info(const ei_model* model, size_t index, ei_tensor_info* info);

/* Sessions. On failure *session is NULL. */
ei_status ei_session_create(const ei_model* model, ei_session** session);
void ei_session_free(ei_session* session);
/* Message of the last failed call on this session ("" if none). */
const char* ei_session_last_error(const ei_session* session);
size_t ei_session_input_count(const ei_session* session);
size_t ei_session_output_count(const ei_session* session);
/* The session's input buffer (model shape, dynamic dims resolved): write into tensor->data. */
ei_status ei_session_input(ei_session* session, size_t index, ei_tensor* tensor);
ei_status ei_session_input_by_name(ei_session* session, const char* name, ei_tensor* tensor);
/* Copies `size_bytes` bytes of a tensor of the given type and shape into input `name`
 * (also feeds initializers the model lists as inputs). size_bytes must match the shape. */
ei_status ei_session_set_input(ei_session* session, const char* name, ei_dtype dtype,
                               const int64_t* dims, size_t rank, const void* data,
                               size_t size_bytes);
ei_status ei_session_run(ei_session* session);
ei_status ei_session_output(ei_session* session, size_t index, ei_tensor* tensor);
ei_status ei_session_output_by_name(ei_session* session, const char* name, ei_tensor* tensor);
/* Any tensor by name: inputs, outputs, kept intermediates (others: EI_DATA_REMOVED). */
ei_status ei_session_tensor(ei_session* session, const char* name, ei_tensor* tensor);
ei_status ei_session_get_stats(const ei_session* session, ei_session_stats* stats);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* EDGEINFER_EDGEINFER_C_H_ */
