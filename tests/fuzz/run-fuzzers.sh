#!/bin/sh
# Builds the libFuzzer targets with clang, ASan and UBSan in build-fuzz/ and runs each for
# SECONDS (default 60). Fails on the first crash, sanitizer report, leak, timeout or OOM.
#   tests/fuzz/run-fuzzers.sh 300
# Corpora grow in build-fuzz/corpus/<fuzzer>/ across runs; crashes land in
# build-fuzz/artifacts/.
set -eu

seconds=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build-fuzz"
models=${MODELS_DIR:-$root/../shared/models}
onnx_data=/usr/include/onnx/backend/test/data

cd "$root"
if [ ! -f "$build/build.ninja" ]; then
  # The whole engine is built with coverage instrumentation and sanitizers, so the fuzzer
  # sees inside the importer; only the fuzz targets link libFuzzer's main.
  CC=clang CXX=clang++ meson setup "$build" -Dfuzzers=true -Dtests=false \
    -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args=-fsanitize=fuzzer-no-link
fi
fuzzers=$(grep -o "'fuzz_[a-z_]*'" tests/fuzz/meson.build | tr -d "'" | sort -u)
ninja -C "$build" $(for f in $fuzzers; do printf 'tests/fuzz/%s ' "$f"; done)

mkdir -p "$build/artifacts"
status=0
for fuzzer in $fuzzers; do
  corpus="$build/corpus/$fuzzer"
  seeds="$build/seeds/$fuzzer"
  mkdir -p "$corpus" "$seeds"
  case "$fuzzer" in
    fuzz_onnx_import)
      for f in "$models"/*.onnx; do [ -f "$f" ] && cp "$f" "$seeds/"; done
      # A spread of small backend-test models and tensors: many op types and attribute forms.
      for d in test_add test_conv_with_strides_padding test_reshape_extended_dims \
          test_resize_upsample_scales_linear test_constant test_gemm_default_matrix_bias \
          test_slice test_transpose_default test_cast_FLOAT_to_FLOAT16 test_batchnorm_example \
          test_softmax_axis_1 test_maxpool_2d_pads test_concat_2d_axis_0 test_if test_loop11; do
        src="$onnx_data/node/$d"
        [ -f "$src/model.onnx" ] && cp "$src/model.onnx" "$seeds/$d.onnx"
        [ -f "$src/test_data_set_0/input_0.pb" ] && cp "$src/test_data_set_0/input_0.pb" "$seeds/$d.pb"
      done
      ;;
    fuzz_tflite_import)
      for f in "$models"/*.tflite "$root"/node_modules/@mediapipe/selfie_segmentation/*.tflite; do
        [ -f "$f" ] && cp "$f" "$seeds/"
      done
      ;;
  esac
  echo "== $fuzzer for ${seconds}s"
  if ! "$build/tests/fuzz/$fuzzer" "$corpus" "$seeds" -max_total_time="$seconds" \
      -timeout=20 -rss_limit_mb=4096 -max_len=1048576 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$fuzzer-"; then
    echo "$fuzzer FAILED: see $build/artifacts/" >&2
    status=1
  fi
done
exit $status
