/* The C API from real C99: load the tiny test model, inspect it, feed, run, read outputs,
 * and check that errors come back as status codes with messages.
 *   test_c_api TINY.onnx */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeinfer/edgeinfer_c.h"

static int failures = 0;

#define CHECK(cond)                                                                            \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, __LINE__, #cond, \
              ei_last_error());                                                                \
      ++failures;                                                                              \
    }                                                                                          \
  } while (0)

/* Stops the test: later checks depend on this one. */
#define REQUIRE(cond)                                                                            \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      fprintf(stderr, "%s:%d: REQUIRE failed: %s (last error: %s)\n", __FILE__, __LINE__, #cond, \
              ei_last_error());                                                                  \
      return 1;                                                                                  \
    }                                                                                            \
  } while (0)

static int contains(const char* text, const char* needle) {
  return text != NULL && strstr(text, needle) != NULL;
}

static void* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  char* data;
  long length;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  length = ftell(f);
  fseek(f, 0, SEEK_SET);
  data = (char*)malloc(length > 0 ? (size_t)length : 1);
  if (data && length > 0 && fread(data, 1, (size_t)length, f) != (size_t)length) {
    free(data);
    data = NULL;
  }
  fclose(f);
  *size = length > 0 ? (size_t)length : 0;
  return data;
}

static float relu(float v) {
  return v > 0.0f ? v : 0.0f;
}

static void test_basics(void) {
  CHECK(ei_version() != NULL && ei_version()[0] != '\0');
  CHECK(strcmp(ei_status_name(EI_OK), "ok") == 0);
  CHECK(strcmp(ei_status_name(EI_NOT_FOUND), "not found") == 0);
  CHECK(strcmp(ei_status_name((ei_status)99), "unknown") == 0);
  CHECK(ei_dtype_size(EI_DTYPE_FLOAT32) == 4);
  CHECK(ei_dtype_size(EI_DTYPE_FLOAT16) == 2);
  CHECK(ei_dtype_size(EI_DTYPE_INT64) == 8);
  CHECK(ei_dtype_size(EI_DTYPE_BOOL) == 1);
  CHECK(ei_dtype_size((ei_dtype)99) == 0);
}

static void test_options(void) {
  ei_options* options = ei_options_create();
  CHECK(options != NULL);
  CHECK(ei_options_set_threads(options, -1) == EI_INVALID_ARGUMENT);
  CHECK(contains(ei_last_error(), "threads"));
  CHECK(ei_options_set_threads(options, 2) == EI_OK);
  CHECK(ei_options_set_backend(options, EI_BACKEND_CPU) == EI_OK);
  CHECK(ei_options_set_backend(options, (ei_backend)7) == EI_INVALID_ARGUMENT);
  CHECK(ei_options_set_memory_mode(options, EI_MEMORY_REUSE) == EI_OK);
  CHECK(ei_options_set_memory_mode(options, (ei_memory_mode)9) == EI_INVALID_ARGUMENT);
  CHECK(ei_options_set_weights_mode(options, EI_WEIGHTS_MAPPED) == EI_OK);
  CHECK(ei_options_set_cache_dir(options, "/tmp/edgeinfer-c-api-test") == EI_OK);
  CHECK(ei_options_add_keep_tensor(options, "") == EI_INVALID_ARGUMENT);
  CHECK(ei_options_set_dim_value(options, "batch", 1) == EI_OK);
  CHECK(ei_options_set_dim_value(options, "batch", -2) == EI_INVALID_ARGUMENT);
  CHECK(ei_options_set_algorithm(options, "conv1", "direct") == EI_OK);
  CHECK(ei_options_set(options, "backend", "cpu") == EI_OK);
  CHECK(ei_options_set(options, "backend", "tpu") == EI_INVALID_ARGUMENT);
  CHECK(contains(ei_last_error(), "tpu"));
  CHECK(ei_options_set(options, "threads", "3") == EI_OK);
  CHECK(ei_options_set(options, "threads", "-3") == EI_INVALID_ARGUMENT);
  CHECK(ei_options_set(options, "threads", "x") == EI_INVALID_ARGUMENT);
  CHECK(ei_options_set(options, "memory_mode", "planned") == EI_OK);
  CHECK(ei_options_set(options, "weights", "load") == EI_OK);
  CHECK(ei_options_set(options, "autotune", "0") == EI_OK);
  CHECK(ei_options_set(options, "autotune", "maybe") == EI_INVALID_ARGUMENT);
  CHECK(contains(ei_last_error(), "maybe"));
  CHECK(ei_options_set(options, "layout", "nchwc") == EI_OK);
  CHECK(ei_options_set(options, "layout", "nchw") == EI_OK);
  CHECK(ei_options_set(options, "layout", "auto") == EI_OK);
  CHECK(ei_options_set(options, "layout", "nhwc") == EI_INVALID_ARGUMENT);
  CHECK(contains(ei_last_error(), "nhwc"));
  CHECK(ei_options_set(options, "colour", "blue") == EI_INVALID_ARGUMENT);
  CHECK(contains(ei_last_error(), "colour"));
  CHECK(ei_options_set(NULL, "threads", "1") == EI_INVALID_ARGUMENT);
  CHECK(ei_options_set_threads(NULL, 1) == EI_INVALID_ARGUMENT);
  ei_options_free(options);
  ei_options_free(NULL);
}

static void test_load_errors(void) {
  ei_model* model = (ei_model*)&failures; /* must be reset to NULL on failure */
  static const char garbage[] = "this is not a model, just some bytes that no importer takes";
  CHECK(ei_model_load("/nonexistent/edgeinfer/model.onnx", NULL, &model) != EI_OK);
  CHECK(model == NULL);
  CHECK(contains(ei_last_error(), "/nonexistent/edgeinfer/model.onnx"));
  model = (ei_model*)&failures;
  CHECK(ei_model_load_from_memory(garbage, sizeof garbage, "garbage", NULL, &model) != EI_OK);
  CHECK(model == NULL);
  CHECK(contains(ei_last_error(), "garbage"));
  CHECK(ei_model_load_from_memory(NULL, 0, "empty", NULL, &model) != EI_OK);
  CHECK(ei_model_load(NULL, NULL, &model) == EI_INVALID_ARGUMENT);
  CHECK(ei_model_load("x.onnx", NULL, NULL) == EI_INVALID_ARGUMENT);
  CHECK(ei_model_input_count(NULL) == 0);
  CHECK(ei_session_create(NULL, NULL) == EI_INVALID_ARGUMENT);
  CHECK(ei_session_run(NULL) == EI_INVALID_ARGUMENT);
  CHECK(ei_session_input_count(NULL) == 0);
  CHECK(strcmp(ei_session_last_error(NULL), "") == 0);
  ei_model_free(NULL);
  ei_session_free(NULL);
}

static int test_model(const char* path) {
  static const float bias[3] = {0.5f, -1.0f, 0.0f};
  const float xs[6] = {0.25f, -2.0f, 1.5f, -0.5f, 3.0f, 0.0f};
  const int64_t ns[2] = {-5, 1099511627776LL};
  const int64_t x_dims[3] = {1, 2, 3};
  const int64_t bad_dims[2] = {2, 3};
  const int64_t n_dims[1] = {2};
  ei_options* options = ei_options_create();
  ei_model* model = NULL;
  ei_model* model2 = NULL;
  ei_session* session = NULL;
  ei_session* session2 = NULL;
  ei_tensor_info info;
  ei_tensor t;
  ei_session_stats stats;
  void* bytes;
  size_t size = 0;
  size_t i;

  CHECK(ei_options_set_threads(options, 1) == EI_OK);
  CHECK(ei_options_set(options, "keep", "mid/sum") == EI_OK);
  REQUIRE(ei_model_load(path, options, &model) == EI_OK);
  REQUIRE(model != NULL);
  ei_options_free(options); /* the model keeps its own copy */

  CHECK(ei_model_input_count(model) == 2);
  CHECK(ei_model_output_count(model) == 3);
  REQUIRE(ei_model_input_info(model, 0, &info) == EI_OK);
  CHECK(strcmp(info.name, "x") == 0);
  CHECK(info.dtype == EI_DTYPE_FLOAT32);
  CHECK(info.rank == 3 && info.dims[0] == 1 && info.dims[1] == 2 && info.dims[2] == 3);
  REQUIRE(ei_model_input_info(model, 1, &info) == EI_OK);
  CHECK(strcmp(info.name, "n") == 0 && info.dtype == EI_DTYPE_INT64);
  CHECK(info.rank == 1 && info.dims[0] == 2);
  REQUIRE(ei_model_output_info(model, 0, &info) == EI_OK);
  CHECK(strcmp(info.name, "out/relu:0") == 0 && info.dtype == EI_DTYPE_FLOAT32);
  CHECK(ei_model_input_info(model, 2, &info) == EI_INVALID_ARGUMENT);
  CHECK(contains(ei_last_error(), "out of range"));
  CHECK(ei_model_output_info(model, 3, &info) == EI_INVALID_ARGUMENT);
  CHECK(ei_model_input_info(model, 0, NULL) == EI_INVALID_ARGUMENT);

  REQUIRE(ei_session_create(model, &session) == EI_OK);
  CHECK(ei_session_input_count(session) == 2);
  CHECK(ei_session_output_count(session) == 3);

  /* Write into the session's own input buffers. */
  REQUIRE(ei_session_input(session, 0, &t) == EI_OK);
  CHECK(t.dtype == EI_DTYPE_FLOAT32 && t.rank == 3 && t.size_bytes == sizeof xs);
  CHECK(t.dims != NULL && t.dims[0] == 1 && t.dims[1] == 2 && t.dims[2] == 3);
  REQUIRE(t.data != NULL);
  memcpy(t.data, xs, sizeof xs);
  REQUIRE(ei_session_input_by_name(session, "n", &t) == EI_OK);
  CHECK(t.dtype == EI_DTYPE_INT64 && t.size_bytes == sizeof ns);
  memcpy(t.data, ns, sizeof ns);
  CHECK(ei_session_input(session, 5, &t) == EI_INVALID_ARGUMENT);
  CHECK(ei_session_input_by_name(session, "nope", &t) == EI_NOT_FOUND);
  CHECK(contains(ei_session_last_error(session), "nope"));

  REQUIRE(ei_session_run(session) == EI_OK);
  REQUIRE(ei_session_output_by_name(session, "out/relu:0", &t) == EI_OK);
  CHECK(t.dtype == EI_DTYPE_FLOAT32 && t.rank == 3 && t.size_bytes == 6 * sizeof(float));
  for (i = 0; i < 6; ++i)
    CHECK(((const float*)t.data)[i] == relu(xs[i] + bias[i % 3]));
  REQUIRE(ei_session_output(session, 1, &t) == EI_OK);
  CHECK(memcmp(t.data, xs, sizeof xs) == 0);
  REQUIRE(ei_session_output(session, 2, &t) == EI_OK);
  CHECK(t.dtype == EI_DTYPE_INT64 && t.rank == 1 && t.dims[0] == 2);
  CHECK(memcmp(t.data, ns, sizeof ns) == 0);
  CHECK(ei_session_output(session, 3, &t) == EI_INVALID_ARGUMENT);
  CHECK(ei_session_output_by_name(session, "x", &t) == EI_NOT_FOUND);
  REQUIRE(ei_session_tensor(session, "mid/sum", &t) == EI_OK); /* kept intermediate */
  for (i = 0; i < 6; ++i)
    CHECK(((const float*)t.data)[i] == xs[i] + bias[i % 3]);
  CHECK(ei_session_tensor(session, "no/such/tensor", &t) == EI_NOT_FOUND);

  /* Copy inputs in from caller memory. */
  {
    float x2[6];
    for (i = 0; i < 6; ++i)
      x2[i] = -xs[i];
    CHECK(ei_session_set_input(session, "x", EI_DTYPE_FLOAT32, x_dims, 3, x2, sizeof x2) == EI_OK);
    CHECK(ei_session_set_input(session, "n", EI_DTYPE_INT64, n_dims, 1, ns, sizeof ns) == EI_OK);
    REQUIRE(ei_session_run(session) == EI_OK);
    REQUIRE(ei_session_output(session, 0, &t) == EI_OK);
    for (i = 0; i < 6; ++i)
      CHECK(((const float*)t.data)[i] == relu(x2[i] + bias[i % 3]));
    CHECK(ei_session_set_input(session, "x", EI_DTYPE_FLOAT32, x_dims, 3, x2, 20) ==
          EI_INVALID_ARGUMENT);
    CHECK(contains(ei_session_last_error(session), "24"));
    CHECK(ei_session_set_input(session, "x", EI_DTYPE_FLOAT32, bad_dims, 2, x2, sizeof x2) ==
          EI_INVALID_ARGUMENT);
    CHECK(contains(ei_last_error(), "shape"));
    CHECK(ei_session_set_input(session, "x", EI_DTYPE_INT32, x_dims, 3, x2, sizeof x2) ==
          EI_INVALID_ARGUMENT);
    CHECK(ei_session_set_input(session, "x", (ei_dtype)42, x_dims, 3, x2, sizeof x2) ==
          EI_INVALID_ARGUMENT);
    CHECK(ei_session_set_input(session, "zz", EI_DTYPE_FLOAT32, x_dims, 3, x2, sizeof x2) ==
          EI_NOT_FOUND);
    CHECK(ei_session_set_input(session, "x", EI_DTYPE_FLOAT32, NULL, 3, x2, sizeof x2) ==
          EI_INVALID_ARGUMENT);
  }
  REQUIRE(ei_session_get_stats(session, &stats) == EI_OK);
  CHECK(stats.runs == 2);
  CHECK(stats.weights_bytes >= 3 * sizeof(float));
  CHECK(ei_session_get_stats(session, NULL) == EI_INVALID_ARGUMENT);

  /* From memory; a session outlives the model handle it came from. */
  bytes = read_file(path, &size);
  REQUIRE(bytes != NULL);
  REQUIRE(ei_model_load_from_memory(bytes, size, "tiny-in-memory", NULL, &model2) == EI_OK);
  free(bytes);
  REQUIRE(ei_session_create(model2, &session2) == EI_OK);
  ei_model_free(model2);
  REQUIRE(ei_session_input(session2, 0, &t) == EI_OK);
  memcpy(t.data, xs, sizeof xs);
  REQUIRE(ei_session_run(session2) == EI_OK);
  REQUIRE(ei_session_output(session2, 0, &t) == EI_OK);
  for (i = 0; i < 6; ++i)
    CHECK(((const float*)t.data)[i] == relu(xs[i] + bias[i % 3]));
  /* Not kept in this session: asking for the intermediate is "data removed", or it was
   * never materialised if a pass fused it away (not found). */
  CHECK(ei_session_tensor(session2, "mid/sum", &t) != EI_OK);
  ei_session_free(session2);

  ei_session_free(session);
  ei_model_free(model);
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_c_api MODEL.onnx\n");
    return 2;
  }
  test_basics();
  test_options();
  test_load_errors();
  if (test_model(argv[1]) != 0) ++failures;
  if (failures) {
    fprintf(stderr, "%d C API check(s) failed\n", failures);
    return 1;
  }
  printf("all C API checks passed\n");
  return 0;
}
